import { describe, expect, it } from 'vitest';
import { deviceNames, HostConfigV1 } from '@/agent/protocol/host';
import { VRouterConfigV1 } from '@/agent/protocol/vrouter';
import { compileHostConfig, hostname } from './host';
import type { HostSnapshot, SnapshotL3, SnapshotNic, SnapshotSgRule, VRouterSnapshot } from './types';
import { compileVRouterConfig } from './vrouter';

// Address plan: S-BASIC (seed tables 1–3) with the lab's DNS 198.51.100.53, plus a VXLAN 100 network (table 8).
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const L2 = { pub: id(1), mgmt: id(2), priv: id(3), vx: id(4) };
const L3: Record<string, SnapshotL3> = {
  pub: {
    id: id(11),
    l2Id: L2.pub,
    category: 'public',
    type: null,
    dhcpEnabled: true,
    dhcpServerIp: '10.108.10.1',
    prefix: 8,
    network: '10.0.0.0',
    gateway: '10.0.0.1',
    dnsServers: ['198.51.100.53'],
  },
  mgmt: {
    id: id(12),
    l2Id: L2.mgmt,
    category: 'system',
    type: null,
    dhcpEnabled: false,
    dhcpServerIp: null,
    prefix: 24,
    network: '192.168.29.0',
    gateway: '192.168.29.1',
    dnsServers: [],
  },
  priv: {
    id: id(13),
    l2Id: L2.priv,
    category: 'private',
    type: 'vrouter',
    dhcpEnabled: true,
    dhcpServerIp: '192.168.10.10',
    prefix: 24,
    network: '192.168.10.0',
    gateway: '192.168.10.1',
    dnsServers: [],
  },
  vx: {
    id: id(14),
    l2Id: L2.vx,
    category: 'private',
    type: 'flat',
    dhcpEnabled: true,
    dhcpServerIp: '192.168.20.2',
    prefix: 24,
    network: '192.168.20.0',
    gateway: '192.168.20.1',
    dnsServers: ['198.51.100.53'],
  },
};
const nic = (n: number, patch: Partial<SnapshotNic>): SnapshotNic => ({
  id: id(100 + n),
  owner: 'vm',
  ownerId: id(200 + n),
  ownerName: `VM-${n}`,
  l3Id: L3.priv!.id,
  role: 'vm',
  ip: `192.168.10.${20 + n}`,
  mac: `02:00:00:00:00:0${n}`,
  deviceIndex: 0,
  isDefault: true,
  plugged: true,
  ...patch,
});
const ROUTER = id(300);
const routerNics: SnapshotNic[] = [
  nic(7, {
    owner: 'vrouter',
    ownerId: ROUTER,
    ownerName: 'vrouter',
    l3Id: L3.mgmt!.id,
    role: 'management',
    ip: '192.168.29.30',
    deviceIndex: 0,
    isDefault: false,
  }),
  nic(8, {
    owner: 'vrouter',
    ownerId: ROUTER,
    ownerName: 'vrouter',
    l3Id: L3.pub!.id,
    role: 'public',
    ip: '10.108.10.5',
    deviceIndex: 1,
  }),
  nic(9, {
    owner: 'vrouter',
    ownerId: ROUTER,
    ownerName: 'vrouter',
    l3Id: L3.priv!.id,
    role: 'private',
    ip: '192.168.10.1',
    deviceIndex: 2,
    isDefault: false,
  }),
];
const HOST: HostSnapshot = {
  host: { id: id(400), managementIp: '192.168.29.11', vtepIp: '172.20.0.11' },
  generation: 5,
  namespacePrefix: 'cr-lab-h1-',
  portsEpoch: 0,
  l2s: [
    { id: L2.pub, type: 'novlan', physicalNic: 'em01', vlanId: null, vni: null },
    { id: L2.mgmt, type: 'novlan', physicalNic: 'em02', vlanId: null, vni: null },
    { id: L2.priv, type: 'vlan', physicalNic: 'em01', vlanId: 2700, vni: null },
    { id: L2.vx, type: 'vxlan', physicalNic: null, vlanId: null, vni: 100 },
  ],
  l3s: Object.values(L3),
  nics: [nic(1, {}), nic(2, { plugged: false }), nic(3, { l3Id: L3.vx!.id, ip: '192.168.20.31' }), ...routerNics],
  vrouterIpByL3: { [L3.priv!.id]: '192.168.10.1' },
  vxlanPeers: { [L2.vx]: ['172.20.0.12', '172.20.0.11', '172.20.0.12'] },
  security: { memberships: {}, groups: [], members: {} },
};

describe('compileHostConfig (R-DHCP-1, R-DNS-1)', () => {
  const cfg = compileHostConfig(HOST);
  it('produces a config the host agent accepts', () => {
    expect(HostConfigV1.safeParse(cfg).success).toBe(true);
  });
  it('makes one bridge per L2 with a plugged NIC here, with the right uplink', () => {
    expect(cfg.bridges.map((b) => [b.l2Id, b.uplink])).toEqual([
      [L2.pub, { kind: 'nic', nic: 'em01' }],
      [L2.mgmt, { kind: 'nic', nic: 'em02' }],
      [L2.priv, { kind: 'vlan', nic: 'em01', vlanId: 2700 }],
      [L2.vx, { kind: 'vxlan', vni: 100, localIp: '172.20.0.11', remotes: ['172.20.0.12'], dstPort: 4789 }],
    ]);
  });
  it('plugs every running NIC — the VMs’ and the vRouter’s — and leaves a stopped one out', () => {
    expect(cfg.ports.map((p) => p.nicId).sort()).toEqual([id(101), id(103), id(107), id(108), id(109)].sort());
  });
  it('leases only this host’s running VMs, router and DNS = the vRouter on a vRouter L3', () => {
    const priv = cfg.dhcp.find((d) => d.l3Id === L3.priv!.id)!;
    expect(priv).toMatchObject({
      serverIp: '192.168.10.10',
      prefix: 24,
      router: '192.168.10.1',
      dns: ['192.168.10.1'],
      bridge: deviceNames.bridge(L2.priv),
    });
    expect(priv.leases).toEqual([{ mac: '02:00:00:00:00:01', ip: '192.168.10.21', hostname: 'VM-1' }]);
  });
  it('on a flat L3 the router is the range gateway and DNS the L3’s own servers', () => {
    expect(cfg.dhcp.find((d) => d.l3Id === L3.vx!.id)).toMatchObject({ router: '192.168.20.1', dns: ['198.51.100.53'] });
  });
  it('serves no DHCP where only the vRouter has a NIC, or DHCP is off', () => {
    expect(cfg.dhcp.map((d) => d.l3Id).sort()).toEqual([L3.priv!.id, L3.vx!.id].sort());
  });
  it('accepts the longest DHCP namespace prefix a lab can produce (cr-<12>-h<8>-)', () => {
    const longest = `cr-${'a'.repeat(12)}-h${'b'.repeat(8)}-`;
    expect(HostConfigV1.safeParse(compileHostConfig({ ...HOST, namespacePrefix: longest })).success).toBe(true);
  });
  it('is deterministic: the same snapshot gives the same config', () => {
    expect(compileHostConfig({ ...HOST, nics: [...HOST.nics].reverse() })).toEqual(cfg);
  });
  it('makes DHCP hostnames from VM names', () => {
    expect(hostname('VM 1 (web)')).toBe('VM-1-web');
    expect(hostname('数据库')).toBe('vm');
  });
});

describe('compileHostConfig security groups (R-SG-3)', () => {
  const G1 = id(500);
  const G2 = id(501);
  const rule = (n: number, over: Partial<SnapshotSgRule>): SnapshotSgRule => ({
    id: id(600 + n),
    direction: 'ingress',
    protocol: 'all',
    portStart: null,
    portEnd: null,
    icmpType: null,
    icmpCode: null,
    cidr: null,
    remoteGroupId: null,
    isDefault: false,
    ...over,
  });
  const security: HostSnapshot['security'] = {
    memberships: { [id(101)]: [G1], [id(102)]: [G1], [id(103)]: [G2, G1] },
    groups: [
      { id: G2, name: 'SG-2', rules: [] },
      {
        id: G1,
        name: 'SG-1',
        rules: [
          rule(1, { remoteGroupId: G1, isDefault: true }),
          rule(2, { protocol: 'tcp', portStart: 23, portEnd: 1024, remoteGroupId: G2 }),
        ],
      },
    ],
    members: { [G1]: ['192.168.10.21', '192.168.20.31'], [G2]: ['192.168.20.31', '10.1.1.1', '192.168.20.31'] },
  };
  const cfg = compileHostConfig({ ...HOST, security });
  it('filters the plugged VM ports that are in a group, each allowed its own network’s DNS', () => {
    expect(cfg.security.ports).toEqual(
      [
        { port: deviceNames.port(id(101)), ip: '192.168.10.21', groupIds: [G1], dns: ['192.168.10.1'] },
        { port: deviceNames.port(id(103)), ip: '192.168.20.31', groupIds: [G1, G2].sort(), dns: ['198.51.100.53'] },
      ].sort((a, b) => a.port.localeCompare(b.port)),
    );
  });
  it('ships the rules of those groups and the de-duplicated members of each remote group they name', () => {
    expect(cfg.security.groups.map((g) => g.id)).toEqual([G1, G2].sort());
    // R-SG-2 decided here, once: the agent's renderer and the console read the flag.
    expect(Object.fromEntries(cfg.security.groups.map((g) => [g.name, g.egressRestricted]))).toEqual({
      'SG-1': false,
      'SG-2': false,
    });
    const withEgress = compileHostConfig({
      ...HOST,
      security: {
        ...security,
        groups: security.groups.map((g) =>
          g.id === G2 ? { ...g, rules: [rule(3, { direction: 'egress', protocol: 'udp', portStart: 53, portEnd: 53 })] } : g,
        ),
      },
    });
    expect(withEgress.security.groups.find((g) => g.id === G2)!.egressRestricted).toBe(true);
    expect(cfg.security.members).toEqual({ [G1]: ['192.168.10.21', '192.168.20.31'], [G2]: ['10.1.1.1', '192.168.20.31'] });
    expect(HostConfigV1.safeParse(cfg).success).toBe(true);
  });
  it('a host with no group member gets an empty section', () => {
    expect(compileHostConfig(HOST).security).toEqual({ ports: [], groups: [], members: {} });
  });
});

describe('compileVRouterConfig (R-SNAT-1, R-DNS-1, R-VM-2)', () => {
  const snap: VRouterSnapshot = {
    router: { id: ROUTER },
    generation: 2,
    l3s: Object.values(L3),
    nics: routerNics,
    eips: [],
    portForwards: [],
    routes: [],
    listeners: [],
    certificates: [],
  };
  const cfg = compileVRouterConfig(snap);
  it('produces a config the vRouter agent accepts', () => {
    expect(VRouterConfigV1.safeParse(cfg).success).toBe(true);
  });
  it('addresses eth0..2 in device order with each L3 prefix', () => {
    expect(cfg.nics.map((n) => [n.name, n.role, n.addresses[0]])).toEqual([
      ['eth0', 'management', '192.168.29.30/24'],
      ['eth1', 'public', '10.108.10.5/8'],
      ['eth2', 'private', '192.168.10.1/24'],
    ]);
  });
  it('routes by default through the public gateway and SNATs the private CIDR as the system VIP', () => {
    expect(cfg.defaultRoute).toEqual({ via: '10.0.0.1', nic: 'eth1' });
    expect(cfg.snat).toEqual([{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: L3.priv!.id }]);
  });
  it('forwards DNS from the private gateway to the networks’ DNS servers', () => {
    expect(cfg.dns).toEqual({ listen: ['192.168.10.1'], upstreams: ['198.51.100.53'] });
  });
  it('R-RT-1 keeps entries it can route; skips its own network, its own address as next hop, and unreachable next hops', () => {
    const routes = [
      { destination: '192.168.11.0/24', nextHop: '10.108.10.9' },
      { destination: '192.168.10.0/24', nextHop: '10.108.10.5' },
      { destination: '192.168.10.128/25', nextHop: '10.108.10.9' },
      { destination: '172.16.0.0/16', nextHop: '172.31.0.1' },
      { destination: '192.168.11.0/24', nextHop: '10.108.10.7' },
    ];
    expect(compileVRouterConfig({ ...snap, routes }).routes).toEqual([{ destination: '192.168.11.0/24', via: '10.108.10.9' }]);
  });
  it('R-EIP-2 / R-PF-1 EIPs and port forwards get their VIP on the public NIC, not the system VIP', () => {
    const cfg2 = compileVRouterConfig({
      ...snap,
      eips: [{ id: id(40), vip: '10.108.10.20', vipL3Id: L3.pub!.id, target: '192.168.10.21' }],
      portForwards: [
        {
          id: id(41),
          protocol: 'tcp',
          vip: '10.108.10.5',
          vipL3Id: L3.pub!.id,
          vipPortStart: 24,
          vipPortEnd: 24,
          target: '192.168.10.22',
          targetPortStart: 22,
          allowedCidr: '203.0.113.7',
        },
      ],
    });
    expect(cfg2.vips).toEqual([{ ip: '10.108.10.20', nic: 'eth1' }]);
    expect(cfg2.eips).toEqual([{ id: id(40), vip: '10.108.10.20', target: '192.168.10.21', nic: 'eth1' }]);
    expect(cfg2.portForwards[0]).toMatchObject({ vip: '10.108.10.5', allowedCidr: '203.0.113.7/32' });
    expect(VRouterConfigV1.safeParse(cfg2).success).toBe(true);
  });
  it('refuses a router without a public NIC', () => {
    expect(() => compileVRouterConfig({ ...snap, nics: routerNics.filter((n) => n.role !== 'public') })).toThrow('no public NIC');
  });
  it('R-LB-2 … R-LB-4 listeners hold their VIP; an HTTPS one is served once it has a certificate, which travels with it', () => {
    const listener = (
      n: number,
      over: Partial<VRouterSnapshot['listeners'][number]> = {},
    ): VRouterSnapshot['listeners'][number] => ({
      id: id(n),
      name: `L-${n}`,
      protocol: 'tcp',
      vip: '10.108.10.30',
      vipL3Id: L3.pub!.id,
      lbPort: 80,
      vmPort: 5000,
      algorithm: 'round-robin',
      maxConnections: 100000,
      idleTimeoutSeconds: 60,
      healthCheck: {
        protocol: 'tcp',
        httpCodes: ['http_2xx', 'http_3xx'],
        uri: null,
        method: 'HEAD',
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        intervalSeconds: 5,
        port: null,
      },
      certificateId: null,
      backends: [
        { nicId: id(62), ip: '192.168.10.22', weight: 1, group: 'default' },
        { nicId: id(61), ip: '192.168.10.21', weight: 1, group: 'default' },
      ],
      policies: [],
      ...over,
    });
    const cert = { id: id(70), certificatePem: 'CERT\n', chainPem: 'CHAIN\n', privateKeyPem: 'KEY\n' };
    const unused = { ...cert, id: id(71) };
    const cfg2 = compileVRouterConfig({
      ...snap,
      listeners: [
        listener(50),
        listener(51, { protocol: 'https', lbPort: 443 }),
        listener(52, { protocol: 'https', lbPort: 8443, certificateId: cert.id }),
        listener(53, { protocol: 'udp', lbPort: 53, vip: '10.108.10.5' }),
      ],
      certificates: [cert, unused],
    });
    expect(cfg2.listeners.map((l) => l.name)).toEqual(['L-50', 'L-52', 'L-53']);
    expect(cfg2.listeners[0]!.backends.map((b) => b.ip)).toEqual(['192.168.10.21', '192.168.10.22']);
    expect(cfg2.vips).toEqual([{ ip: '10.108.10.30', nic: 'eth1' }]);
    expect(cfg2.certificates).toEqual([{ id: cert.id, pem: 'CERT\nCHAIN\nKEY\n' }]);
    expect(VRouterConfigV1.safeParse(cfg2).success).toBe(true);
  });
});
