import { describe, expect, it } from 'vitest';
import { checkCapacity, checkVRouterOfferingRefs, toMegabytes } from './offering';

describe('R-OFF-1 vRouter offering', () => {
  it('R-OFF-1 converts memory units M, G and T', () => {
    expect(toMegabytes(512, 'M')).toBe(512);
    expect(toMegabytes(8, 'G')).toBe(8192);
    expect(toMegabytes(1, 'T')).toBe(1048576);
  });
  it('R-OFF-1 accepts 8 CPUs and 8 G (the seed advice)', () => {
    expect(checkCapacity(8, 8192)).toBeUndefined();
  });
  it.each([
    [0, 1024, 'cpu'],
    [1.5, 1024, 'cpu'],
    [1, 32, 'memory'],
  ])('R-OFF-1 refuses cpu=%s memory=%s MB', (cpu, mem, field) => {
    expect(checkCapacity(cpu, mem)).toMatchObject({ code: 'OFFERING_INVALID', field });
  });
  const good = {
    image: { kind: 'vrouter' as const, name: 'vrouter-image' },
    managementL3: { category: 'system', name: 'L3-management' },
    publicL3: { category: 'public', type: null, name: 'L3-public' },
  };
  it('R-OFF-1 accepts a vRouter image, a system management L3 and a public L3, or a flat L3', () => {
    expect(checkVRouterOfferingRefs(good)).toBeUndefined();
    expect(checkVRouterOfferingRefs({ ...good, publicL3: { category: 'private', type: 'flat', name: 'flat' } })).toBeUndefined();
  });
  it.each([
    ['a VM image', { image: { kind: 'vm' as const, name: 'centos' } }, 'imageId'],
    ['a private management L3', { managementL3: { category: 'private', name: 'p' } }, 'managementL3Id'],
    ['a vRouter private L3 as public L3', { publicL3: { category: 'private', type: 'vrouter', name: 'p' } }, 'publicL3Id'],
    ['a system L3 as public L3', { publicL3: { category: 'system', type: null, name: 's' } }, 'publicL3Id'],
  ])('R-OFF-1 refuses %s', (_n, patch, field) => {
    expect(checkVRouterOfferingRefs({ ...good, ...patch })).toMatchObject({ field });
  });
});
