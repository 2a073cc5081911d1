import { refuse, type RuleResult, ErrorCodes as E } from '../errors';

export type MemoryUnit = 'M' | 'G' | 'T';

const MB_PER_UNIT: Record<MemoryUnit, number> = { M: 1, G: 1024, T: 1024 * 1024 };

export function toMegabytes(amount: number, unit: MemoryUnit): number {
  return Math.round(amount * MB_PER_UNIT[unit]);
}

/** R-OFF-1: CPU and memory of an instance or vRouter offering. */
export function checkCapacity(cpu: number, memoryMb: number): RuleResult {
  if (!Number.isInteger(cpu) || cpu < 1 || cpu > 1024) {
    return refuse(E.OFFERING_INVALID, 'CPU is a whole number of cores from 1 to 1024.', 'cpu');
  }
  if (!Number.isFinite(memoryMb) || memoryMb < 64 || memoryMb > 16 * 1024 * 1024) {
    return refuse(E.OFFERING_INVALID, 'Memory must be between 64 M and 16 T.', 'memory');
  }
  return undefined;
}

/**
 * R-OFF-1: a vRouter offering uses a vRouter image, a management L3 (system, or public where the
 * deployment merges them) and a public L3 (every service) or a flat private L3 (LB only).
 */
export function checkVRouterOfferingRefs(refs: {
  image: { kind: 'vm' | 'vrouter'; name: string };
  managementL3: { category: string; name: string };
  publicL3: { category: string; type: string | null; name: string };
}): RuleResult {
  if (refs.image.kind !== 'vrouter') {
    return refuse(E.OFFERING_INVALID, `"${refs.image.name}" is not a vRouter image.`, 'imageId');
  }
  if (refs.managementL3.category !== 'system' && refs.managementL3.category !== 'public') {
    return refuse(E.L3_KIND_MISMATCH, `"${refs.managementL3.name}" is not a management (system) network.`, 'managementL3Id');
  }
  const pub = refs.publicL3;
  if (!(pub.category === 'public' || (pub.category === 'private' && pub.type === 'flat'))) {
    return refuse(E.L3_KIND_MISMATCH, `"${pub.name}" must be a public network or a flat private network.`, 'publicL3Id');
  }
  return undefined;
}
