import { describe, expect, it } from 'vitest';
import { HOST_PATCHING, HostConfigV1, type HostConfig } from './host';
import { applyPatch, diffConfig, jsonEqual, type Patch } from './patch';
import { VROUTER_PATCHING, VRouterConfigV1, type VRouterConfig } from './vrouter';

const PUB = '11111111-1111-4111-8111-111111111111';
const PRIV = '22222222-2222-4222-8222-222222222222';
const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
const ip = (n: number) => `10.108.${(n >> 8) & 255}.${n & 255}`;

function router(eips: number, generation = 7): VRouterConfig {
  return VRouterConfigV1.parse({
    version: 1,
    routerId: '33333333-3333-4333-8333-333333333333',
    generation,
    nics: [
      { name: 'eth1', role: 'public', l3Id: PUB, addresses: ['10.108.10.5/8'] },
      { name: 'eth2', role: 'private', l3Id: PRIV, addresses: ['192.168.10.1/24'] },
    ],
    defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
    dns: { listen: ['192.168.10.1'], upstreams: ['198.51.100.53'] },
    vips: Array.from({ length: eips }, (_, i) => ({ ip: ip(i + 1000), nic: 'eth1' })),
    eips: Array.from({ length: eips }, (_, i) => ({ id: uuid(i + 1), vip: ip(i + 1000), target: '192.168.10.2', nic: 'eth1' })),
  });
}

const roundTrip = <C>(schema: typeof VRouterConfigV1 | typeof HostConfigV1, keys: Record<string, string>, a: C, b: C) => {
  const patch = diffConfig(schema, keys, a, b);
  expect(patch).not.toBeNull();
  const r = applyPatch(schema, keys, a, patch!);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return { patch: patch!, value: r.value };
};

describe('config patches (PATCH /v1/config, issue 12)', () => {
  it('one more EIP on a 10k router travels as that EIP and its VIP only, and rebuilds the same config', () => {
    const a = router(10_000);
    const b = { ...a, generation: 8, vips: [...a.vips, { ip: '10.200.0.1', nic: 'eth1' }] };
    b.eips = [...a.eips, { id: uuid(99_999), vip: '10.200.0.1', target: '192.168.10.9', nic: 'eth1' }];
    const { patch, value } = roundTrip(VRouterConfigV1, VROUTER_PATCHING.keys, a, b);
    expect(patch).toEqual({
      fields: {
        generation: { set: 8 },
        vips: { items: { upsert: [{ ip: '10.200.0.1', nic: 'eth1' }] } },
        eips: { items: { upsert: [b.eips.at(-1)] } },
      },
    });
    expect(JSON.stringify(patch).length).toBeLessThan(300);
    expect(jsonEqual(value, b)).toBe(true);
    // Untouched nodes are shared with the base, not copied.
    expect(value.nics).toBe(a.nics);
    expect(value.eips[5]).toBe(a.eips[5]);
  });

  it('removes, replaces in place, and sends whole the lists that are not keyed', () => {
    const a = router(5);
    const b: VRouterConfig = {
      ...a,
      generation: 9,
      eips: [a.eips[0]!, { ...a.eips[2]!, target: '192.168.10.7' }, a.eips[3]!, a.eips[4]!],
      vips: a.vips.filter((_, i) => i !== 1),
      routes: [{ destination: '192.168.11.0/24', via: '10.108.10.9' }],
      dns: null,
    };
    const { patch, value } = roundTrip(VRouterConfigV1, VROUTER_PATCHING.keys, a, b);
    expect(patch).toEqual({
      fields: {
        generation: { set: 9 },
        routes: { set: b.routes },
        dns: { set: null },
        vips: { items: { remove: [a.vips[1]!.ip] } },
        eips: { items: { remove: [uuid(2)], upsert: [b.eips[1]] } },
      },
    });
    expect(jsonEqual(value, b)).toBe(true);
  });

  it('an equal config is no patch; a field that went away is dropped', () => {
    const a = router(3);
    expect(diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, a, structuredClone(a))).toBeNull();
    const withMtu = { ...a, nics: a.nics.map((n) => ({ ...n, mtu: 1450 })) };
    const back = roundTrip(VRouterConfigV1, VROUTER_PATCHING.keys, withMtu, a);
    expect(back.patch).toEqual({ fields: { nics: { items: { upsert: a.nics } } } });
    expect(jsonEqual(back.value, a)).toBe(true);
  });

  it('a list whose keys repeat travels whole', () => {
    const a = router(2);
    const b = { ...a, vips: [...a.vips, a.vips[0]!] };
    expect(diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, a, b)).toEqual({ fields: { vips: { set: b.vips } } });
  });

  it('any mix of items added, removed, replaced and moved rebuilds the same list; a repeated key anywhere makes it travel whole', () => {
    // A seeded walk over edits: the ends of the lists are matched by position, the part between by key.
    let seed = 12;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0), (seed >>> 8) % n);
    const byId = (list: VRouterConfig['eips']) => new Map(list.map((e) => [e.id, e]));
    for (let round = 0; round < 300; round++) {
      const a = router(1 + rnd(30));
      const eips = [...a.eips];
      for (let edits = 1 + rnd(4); edits > 0; edits--) {
        const at = rnd(eips.length + 1);
        const op = rnd(5);
        if (op === 0)
          eips.splice(at, 0, { id: uuid(50_000 + rnd(1000)), vip: '10.200.0.1', target: '192.168.10.9', nic: 'eth1' });
        else if (op === 1 && eips.length > 1) eips.splice(at % eips.length, 1);
        else if (op === 2) eips[at % eips.length] = { ...eips[at % eips.length]!, target: `192.168.10.${10 + rnd(200)}` };
        else if (op === 3) eips.splice(rnd(eips.length + 1), 0, ...eips.splice(at % eips.length, 1));
        else if (rnd(4) === 0) eips.splice(at, 0, { ...eips[rnd(eips.length)]! });
      }
      const b = { ...a, generation: 8, eips };
      const repeated = new Set(eips.map((e) => e.id)).size !== eips.length;
      const patch = diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, a, b) as { fields: { eips?: Patch } } | null;
      if (repeated) {
        expect(patch!.fields.eips).toEqual({ set: eips });
        continue;
      }
      const r = applyPatch<VRouterConfig>(VRouterConfigV1, VROUTER_PATCHING.keys, a, patch!);
      expect(r.ok).toBe(true);
      if (r.ok) expect(byId(r.value.eips)).toEqual(byId(eips));
      // Only what differs travels: never more upserts than items not in `a` as they are.
      const same = new Set(a.eips.map((e) => JSON.stringify(e)));
      const items = (patch!.fields.eips as { items?: { upsert?: unknown[] } } | undefined)?.items;
      expect(items?.upsert?.length ?? 0).toBe(new Set(eips.filter((e) => !same.has(JSON.stringify(e)))).size);
    }
  });

  it('host: a membership change is that group’s members; a rule change is that group; a gone group is dropped', () => {
    const G1 = uuid(101);
    const G2 = uuid(102);
    const rule = (n: number, portStart: number) => ({
      id: uuid(200 + n),
      direction: 'ingress' as const,
      protocol: 'tcp' as const,
      portStart,
      portEnd: portStart,
      remoteGroupId: G1,
    });
    const a: HostConfig = HostConfigV1.parse({
      version: 1,
      hostId: uuid(1),
      generation: 3,
      namespacePrefix: 'crdhcp-',
      bridges: [{ l2Id: uuid(2), name: 'br-a', uplink: { kind: 'nic', nic: 'em01' } }],
      ports: [1, 2].map((n) => ({
        nicId: uuid(10 + n),
        name: `vn${n}`,
        bridge: 'br-a',
        mac: `02:00:00:00:00:0${n}`,
        guard: null,
      })),
      dhcp: [],
      security: {
        ports: [{ port: 'vn1', ip: '192.168.10.2', groupIds: [G1], dns: [] }],
        groups: [
          { id: G1, name: 'web', rules: [rule(1, 22)], egressRestricted: false },
          { id: G2, name: 'db', rules: [rule(2, 5432)], egressRestricted: false },
        ],
        members: { [G1]: ['192.168.10.2'], [G2]: ['192.168.10.3'] },
      },
    });
    const b: HostConfig = HostConfigV1.parse({
      ...a,
      generation: 4,
      security: {
        ...a.security,
        groups: [{ ...a.security.groups[0]!, rules: [rule(1, 23)] }, a.security.groups[1]!],
        members: { [G1]: ['192.168.10.2', '192.168.10.4'] },
      },
    });
    const { patch, value } = roundTrip(HostConfigV1, HOST_PATCHING.keys, a, b);
    expect(patch).toEqual({
      fields: {
        generation: { set: 4 },
        security: {
          fields: {
            groups: { items: { upsert: [b.security.groups[0]] } },
            members: { fields: { [G1]: { set: ['192.168.10.2', '192.168.10.4'] } }, drop: [G2] },
          },
        },
      },
    });
    expect(jsonEqual(value, b)).toBe(true);
    expect(HOST_PATCHING.issues(value)).toEqual([]);
  });

  it('every value a patch brings is checked with its own schema; the checks across parts run on the whole', () => {
    const a = router(3);
    const bad: Patch = {
      fields: {
        generation: { set: 8 },
        eips: { items: { upsert: [{ id: uuid(50), vip: '10.108.999.1', target: '192.168.10.2', nic: 'eth1' }] } },
        nosuch: { set: 1 },
        dns: { set: { listen: [], upstreams: [] } },
      },
      drop: ['routerId'],
    };
    const r = applyPatch(VRouterConfigV1, VROUTER_PATCHING.keys, a, bad);
    expect(r.ok).toBe(false);
    const paths = !r.ok ? r.issues.map((i) => i.path.join('.')) : [];
    expect(paths).toEqual(expect.arrayContaining(['eips.upsert.0.vip', 'nosuch', 'dns.listen', 'routerId']));
    // Valid item by item, wrong as a whole: a second EIP on the same VIP (R-EIP-1) and a VIP on a missing NIC.
    const clash: Patch = {
      fields: {
        eips: { items: { upsert: [{ id: uuid(51), vip: a.eips[0]!.vip, target: '192.168.10.3', nic: 'eth1' }] } },
        vips: { items: { upsert: [{ ip: '10.200.0.2', nic: 'eth9' }] } },
      },
    };
    const merged = applyPatch(VRouterConfigV1, VROUTER_PATCHING.keys, a, clash);
    expect(merged.ok).toBe(true);
    const issues = merged.ok ? VROUTER_PATCHING.issues(merged.value).map((i) => i.message) : [];
    expect(issues).toEqual([`VIP on eth9, which is not a NIC of this router`, `VIP ${a.eips[0]!.vip} has two EIPs`]);
    // Items of a list that is not keyed, fields of a list: refused, not guessed.
    const shape = applyPatch(VRouterConfigV1, VROUTER_PATCHING.keys, a, { fields: { routes: { items: { upsert: [] } } } });
    expect(shape.ok).toBe(false);
    expect(a.eips).toHaveLength(3);
  });

  it('defaults of a brought item are filled as a whole config parse would', () => {
    const a = router(0);
    const r = applyPatch(VRouterConfigV1, VROUTER_PATCHING.keys, a, {
      fields: {
        portForwards: {
          items: {
            upsert: [
              {
                id: uuid(7),
                protocol: 'tcp',
                vip: '10.108.10.5',
                vipPortStart: 80,
                vipPortEnd: 80,
                target: '192.168.10.2',
                targetPortStart: 8080,
              },
            ],
          },
        },
      },
    });
    expect(r.ok && r.value.portForwards[0]!.allowedCidr).toBeNull();
  });
});
