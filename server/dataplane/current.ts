import type { DataCenterPort } from './port';

export interface DataPlaneStatus {
  reconciler: 'running' | 'stopped';
  lab: 'running' | 'off' | 'unavailable';
  labName: string | null;
  /** Why the lab is not running, for a person. */
  note: string | null;
}

/** What services and procedures see of the running data plane (started by `./index.ts`). */
export interface DataPlane {
  status(): DataPlaneStatus;
  /** The data center this process builds and reaches itself (the built-in lab), if any. */
  port: DataCenterPort | null;
  stop(): Promise<void>;
}

/**
 * Kept on globalThis: Next.js may load this module in several bundles (instrumentation, route
 * handlers), and one process has one data plane.
 */
const g = globalThis as unknown as { __cloudrouterDataPlane?: DataPlane };

export function dataPlane(): DataPlane | undefined {
  return g.__cloudrouterDataPlane;
}

export function setDataPlane(plane: DataPlane): void {
  g.__cloudrouterDataPlane = plane;
}
