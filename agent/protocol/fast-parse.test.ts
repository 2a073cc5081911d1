import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { fastParser } from './fast-parse';
import { HOST_PATCHING, HostConfigV1 } from './host';
import type { PatchIssue } from './patch';
import { VROUTER_PATCHING, VRouterConfigV1 } from './vrouter';

const uuid = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;

/** A router config with every field, and one that leaves out every field that has a default. */
const router = (full: boolean) => ({
  version: 1,
  routerId: uuid(1),
  generation: 3,
  nics: [
    { name: 'eth1', role: 'public', l3Id: uuid(2), addresses: ['10.108.10.5/8'], mtu: 1500, mac: '02:00:00:00:00:01' },
    { name: 'eth2', role: 'private', l3Id: uuid(3), addresses: ['192.168.10.1/24'] },
  ],
  defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
  dns: full ? { listen: ['192.168.10.1'], upstreams: ['198.51.100.53'] } : null,
  ...(full
    ? {
        routes: [{ destination: '172.16.0.0/12', via: '192.168.10.254' }],
        snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: uuid(3) }],
        vips: [{ ip: '10.108.10.6', nic: 'eth1' }],
        eips: [{ id: uuid(4), vip: '10.108.10.6', target: '192.168.10.2', nic: 'eth1' }],
        portForwards: [
          {
            id: uuid(5),
            protocol: 'tcp',
            vip: '10.108.10.5',
            vipPortStart: 80,
            vipPortEnd: 81,
            target: '192.168.10.3',
            targetPortStart: 8080,
            allowedCidr: '203.0.113.0/24',
          },
          {
            id: uuid(6),
            protocol: 'udp',
            vip: '10.108.10.5',
            vipPortStart: 53,
            vipPortEnd: 53,
            target: '192.168.10.3',
            targetPortStart: 53,
          },
        ],
        listeners: [
          {
            id: uuid(7),
            name: 'web',
            protocol: 'https',
            vip: '10.108.10.6',
            lbPort: 443,
            vmPort: 80,
            algorithm: 'weighted-round-robin',
            maxConnections: 100000,
            idleTimeoutSeconds: 60,
            healthCheck: {
              protocol: 'http',
              httpCodes: ['http_2xx', 'http_3xx'],
              uri: '/healthcheck.html',
              method: 'GET',
              healthyThreshold: 2,
              unhealthyThreshold: 3,
              intervalSeconds: 5,
              port: 8080,
            },
            certificateId: uuid(8),
            backends: [
              { nicId: uuid(9), ip: '192.168.10.3', weight: 3, group: 'default' },
              { nicId: uuid(17), ip: '192.168.10.4', weight: 1, group: 'images' },
            ],
            policies: [{ name: 'img', host: '*.example.com', pathPrefix: '/images', group: 'images' }],
          },
        ],
        certificates: [{ id: uuid(8), pem: '-----BEGIN CERTIFICATE-----\n' }],
      }
    : {}),
});

/** A host config with each kind of uplink, DHCP, ports and security groups (defaults left out where `full` is false). */
const host = (full: boolean) => ({
  version: 1,
  hostId: uuid(10),
  generation: 4,
  namespacePrefix: 'cr-lab-',
  bridges: [
    { l2Id: uuid(11), name: 'br-a', uplink: { kind: 'nic', nic: 'eth0' } },
    { l2Id: uuid(12), name: 'br-b', uplink: { kind: 'vlan', nic: 'eth0', vlanId: 2800 }, mtu: 1500 },
    {
      l2Id: uuid(13),
      name: 'br-c',
      uplink: { kind: 'vxlan', vni: 7, localIp: '10.0.0.1', remotes: ['10.0.0.2'], ...(full ? { dstPort: 4790 } : {}) },
    },
  ],
  ports: [
    { nicId: uuid(14), name: 'vnic1', bridge: 'br-a', mac: '02:00:00:00:00:02', guard: { ips: ['192.168.10.2'] } },
    { nicId: uuid(15), name: 'vnic2', bridge: 'br-b', mac: '02:00:00:00:00:03', guard: null },
  ],
  dhcp: [
    {
      l3Id: uuid(16),
      bridge: 'br-a',
      serverIp: '192.168.10.250',
      prefix: 24,
      router: '192.168.10.1',
      dns: ['192.168.10.1'],
      ...(full ? { leaseSeconds: 3600 } : {}),
      leases: [{ mac: '02:00:00:00:00:02', ip: '192.168.10.2', ...(full ? { hostname: 'vm-1' } : {}) }],
    },
  ],
  ...(full
    ? {
        portsEpoch: 2,
        security: {
          ports: [{ port: 'vnic1', ip: '192.168.10.2', groupIds: [uuid(17)], dns: ['192.168.10.1'] }],
          groups: [
            {
              id: uuid(17),
              name: 'web',
              egressRestricted: false,
              rules: [
                { id: uuid(18), direction: 'ingress', protocol: 'tcp', portStart: 22, portEnd: 22, cidr: '0.0.0.0/0' },
                {
                  id: uuid(19),
                  direction: 'ingress',
                  protocol: 'icmp',
                  icmpType: 8,
                  icmpCode: -1,
                  remoteGroupId: uuid(17),
                  isDefault: true,
                },
              ],
            },
          ],
          members: { [uuid(17)]: ['192.168.10.2'] },
        },
      }
    : {}),
});

/** Values no field of the protocol accepts all of: each replaces each field in turn. */
const BAD: unknown[] = [
  null,
  '',
  'x',
  -1,
  0,
  1.5,
  65536,
  2 ** 53,
  true,
  {},
  [],
  ['x'],
  'A'.repeat(129),
  '😀'.repeat(70),
  '10.0.0.256',
  '10.0.0.1/33',
  '02:00:00:00:00:0G',
  '02:00:00:00:00:0A',
  'eth1 ',
  '00000000-0000-4000-8000-00000000000G',
  '00000000-0000-0000-8000-000000000001',
];

/** Every config one change away from `base`: each field replaced by each bad value, removed, or joined by an unknown field. */
function* variants(base: unknown): Generator<unknown> {
  yield structuredClone(base);
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, at: (string | number)[]) => {
    paths.push(at);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...at, i]));
    else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) walk(x, [...at, k]);
  };
  walk(base, []);
  const edit = (at: (string | number)[], f: (parent: Record<string | number, unknown>, key: string | number) => void) => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let node = copy;
    for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
    f(node, at[at.length - 1]!);
    return copy;
  };
  for (const at of paths.filter((p) => p.length > 0)) {
    for (const bad of BAD) yield edit(at, (parent, key) => (parent[key] = structuredClone(bad)));
    yield edit(at, (parent, key) => (Array.isArray(parent) ? parent.splice(key as number, 1) : delete parent[key]));
  }
  for (const at of paths) {
    yield edit([...at, 'extra'], (parent) => {
      if (typeof parent === 'object' && parent !== null && !Array.isArray(parent)) parent.extra = 1;
    });
  }
}

function sameAsZod<C>(schema: z.ZodType<C>, issues: (cfg: C) => PatchIssue[], base: unknown) {
  const parse = fastParser(schema, issues);
  let accepted = 0;
  let refused = 0;
  for (const v of variants(base)) {
    const slow = schema.safeParse(structuredClone(v));
    const fast = parse(structuredClone(v));
    expect({ config: v, accepted: fast.success }).toEqual({ config: v, accepted: slow.success });
    if (fast.success && slow.success) expect(fast.data).toEqual(slow.data);
    else if (!fast.success && !slow.success) expect(fast.error.issues).toEqual(slow.error.issues);
    if (slow.success) accepted++;
    else refused++;
  }
  return { accepted, refused };
}

describe('fast config parse (issue 12: the agent’s PUT at 10k EIPs)', () => {
  it('a router config: the same verdict and value as the zod schema, for every field good, bad, missing or extra', () => {
    for (const full of [true, false]) {
      const n = sameAsZod(VRouterConfigV1, VROUTER_PATCHING.issues, router(full));
      expect(n.accepted).toBeGreaterThan(5);
      expect(n.refused).toBeGreaterThan(100);
    }
  });

  it('a host config: the same, including a union’s defaults and a record of members', () => {
    for (const full of [true, false]) {
      const n = sameAsZod(HostConfigV1, HOST_PATCHING.issues, host(full));
      expect(n.accepted).toBeGreaterThan(5);
      expect(n.refused).toBeGreaterThan(100);
    }
  });

  it('the checks across parts are the schema’s: a port forwarded twice is refused with zod’s words', () => {
    const cfg = router(true) as ReturnType<typeof router> & { portForwards: Array<Record<string, unknown>> };
    cfg.portForwards[1] = { ...cfg.portForwards[0]!, id: uuid(7) };
    const r = fastParser(VRouterConfigV1, VROUTER_PATCHING.issues)(cfg);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toContain('tcp 10.108.10.5:80 is forwarded twice');
  });
});
