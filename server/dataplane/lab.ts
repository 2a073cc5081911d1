/**
 * The one place where the server meets the built-in lab: it plugs `lab/` into the data-plane port
 * (`./port.ts`). Nothing else under server/ imports lab/ (ESLint enforces it).
 */
import path from 'node:path';
import { LabController } from '@/lab/controller';
import { labSupported, NetnsLab } from '@/lab/netns';
import type { DataCenterPort } from './port';

export type BuiltInLab = { ok: true; port: DataCenterPort } | { ok: false; why: string };

/**
 * The built-in lab when this process may build one (root, namespaces): its namespaces are
 * cr-<labName>-…; whatever a previous run of the same name left behind is removed first.
 */
export async function openBuiltInLab(opts: { dataDir: string; labName: string }): Promise<BuiltInLab> {
  const support = await labSupported();
  if (!support.ok) return support;
  const netns = new NetnsLab(opts.labName);
  await netns.down();
  return { ok: true, port: new LabController(netns, path.join(opts.dataDir, `lab-${opts.labName}`)) };
}

/** `npm run lab -- status | down`: the lab's namespaces and the processes in each; removing them. */
export function labAdmin(labName: string) {
  const lab = new NetnsLab(labName);
  return {
    prefix: lab.prefix,
    supported: labSupported,
    async status(): Promise<Array<{ namespace: string; pids: string[] }>> {
      const names = await lab.list().catch(() => []);
      return Promise.all(names.map(async (namespace) => ({ namespace, pids: await lab.pids(namespace) })));
    },
    async down(): Promise<number> {
      const before = (await lab.list()).length;
      await lab.down();
      return before;
    },
  };
}
