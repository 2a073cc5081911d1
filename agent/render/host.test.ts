import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut, golden } from './golden';
import { deviceNames, HostConfigV1, type HostConfig } from '../protocol/host';
import { renderDhcpConf, renderDhcpHosts } from './host-dhcp';
import { planFdb, planHostLinks, type ObservedHostLink } from './host-links';
import { renderHostNft } from './host-nft';

// Address plan: host h1 of S-BASIC / S-TENANT — VLAN 2700 L2 with 192.168.10.0/24 (DHCP .10),
// VXLAN 100 with 192.168.20.0/24 (DHCP .2); VTEP 172.20.0.11, peer 172.20.0.12.
const L2V = 'aaaaaaaa-0000-4000-8000-000000000001';
const L2X = 'aaaaaaaa-0000-4000-8000-000000000002';
const L3A = 'bbbbbbbb-0000-4000-8000-000000000001';
const NIC1 = 'cccccccc-0000-4000-8000-000000000001';
const H1: HostConfig = HostConfigV1.parse({
  version: 1,
  hostId: 'dddddddd-0000-4000-8000-000000000001',
  generation: 3,
  namespacePrefix: 'cr-lab-h1-',
  bridges: [
    { l2Id: L2V, name: deviceNames.bridge(L2V), uplink: { kind: 'vlan', nic: 'em01', vlanId: 2700 } },
    {
      l2Id: L2X,
      name: deviceNames.bridge(L2X),
      mtu: 1450,
      uplink: { kind: 'vxlan', vni: 100, localIp: '172.20.0.11', remotes: ['172.20.0.12'] },
    },
  ],
  ports: [
    {
      nicId: NIC1,
      name: deviceNames.port(NIC1),
      bridge: deviceNames.bridge(L2V),
      mac: '02:00:00:00:00:01',
      guard: { ips: ['192.168.10.21'] },
    },
  ],
  dhcp: [
    {
      l3Id: L3A,
      bridge: deviceNames.bridge(L2V),
      serverIp: '192.168.10.10',
      prefix: 24,
      router: '192.168.10.1',
      dns: ['192.168.10.1'],
      leases: [{ mac: '02:00:00:00:00:01', ip: '192.168.10.21', hostname: 'VM-1' }],
    },
  ],
});

describe('host nftables: DHCP stays on its host (R-DHCP-1)', () => {
  it('renders h1 to its golden file', () => golden('host-h1.nft', renderHostNft(H1)));
  it('lists every uplink and DHCP server IP as set elements', () => {
    const text = renderHostNft(H1);
    expect(text).toContain('elements = { "em01.2700", "vx100" }');
    expect(text).toContain('elements = { 192.168.10.10 }');
  });
  it('renders empty sets for a host without networks', () => {
    expect(renderHostNft({ ...H1, bridges: [], ports: [], dhcp: [] })).toContain('type ifname;\n');
  });
  it.skipIf(checkersOptedOut)('passes `nft --check` (in a throwaway network namespace)', () => {
    expect(() => execFileSync('unshare', ['-n', 'nft', '--check', '-f', '-'], { input: renderHostNft(H1) })).not.toThrow();
  });
});

describe('per-L3 DHCP server', () => {
  const paths = { hostsFile: '/run/cr/h.hosts', leaseFile: '/run/cr/h.leases', pidFile: '/run/cr/h.pid', iface: 'eth0' };
  it('renders the seed private L3 (DHCP 192.168.10.10) to its golden file', () =>
    golden('host-h1-dhcp.dnsmasq', renderDhcpConf(H1.dhcp[0]!, paths)));
  it('answers only known MACs, with router and DNS = the vRouter', () => {
    const text = renderDhcpConf(H1.dhcp[0]!, paths);
    expect(text).toContain('dhcp-ignore=tag:!known');
    expect(text).toContain('dhcp-range=192.168.10.0,static,255.255.255.0,86400');
    expect(text).toContain('dhcp-option=option:router,192.168.10.1');
    expect(renderDhcpHosts(H1.dhcp[0]!)).toBe('02:00:00:00:00:01,192.168.10.21,VM-1\n');
  });
  it.skipIf(checkersOptedOut)('passes `dnsmasq --test`', () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cr-dhcp-')), 'd.conf');
    fs.writeFileSync(f, renderDhcpConf(H1.dhcp[0]!, paths));
    expect(() => execFileSync('dnsmasq', ['--test', `--conf-file=${f}`], { stdio: 'pipe' })).not.toThrow();
  });
});

describe('host links by diff', () => {
  const base: ObservedHostLink[] = [
    { name: 'em01', up: true, mtu: 1500 },
    { name: 'em01.2700', up: true, mtu: 1500 },
    { name: 'em02', up: true, mtu: 9000 },
    { name: deviceNames.port(NIC1), up: false, mtu: 1500 },
  ];
  const bv = deviceNames.bridge(L2V);
  const bx = deviceNames.bridge(L2X);
  it('builds a fresh host: bridges, VLAN uplink, VXLAN uplink, the VM port', () => {
    expect(planHostLinks(base, H1)).toEqual({
      batch: [
        `link add name ${bv} type bridge`,
        `link set dev ${bv} alias cloudrouter`,
        `link set dev ${bv} up`,
        `link set dev em01.2700 master ${bv} up`,
        `link add name ${bx} type bridge`,
        `link set dev ${bx} alias cloudrouter`,
        `link set dev ${bx} mtu 1450 up`,
        'link add vx100 type vxlan id 100 local 172.20.0.11 dstport 4789 nolearning',
        'link set dev vx100 alias cloudrouter',
        `link set dev vx100 master ${bx} mtu 1450 up`,
      ],
      plugs: [`link set dev ${deviceNames.port(NIC1)} master ${bv} up`],
      missingPorts: [],
    });
  });
  it('changes nothing on a host already in shape, and deletes only its own stale devices', () => {
    const ready: ObservedHostLink[] = [
      { name: 'em01', up: true, mtu: 1500 },
      { name: 'em01.2700', up: true, mtu: 1500, master: bv },
      { name: deviceNames.port(NIC1), up: true, mtu: 1500, master: bv },
      { name: bv, up: true, mtu: 1500, alias: 'cloudrouter', kind: 'bridge' },
      { name: bx, up: true, mtu: 1450, alias: 'cloudrouter', kind: 'bridge' },
      {
        name: 'vx100',
        up: true,
        mtu: 1450,
        master: bx,
        alias: 'cloudrouter',
        kind: 'vxlan',
        vxlan: { id: 100, local: '172.20.0.11', port: 4789 },
      },
      { name: deviceNames.dhcpVeth(L3A), up: true, mtu: 1500, master: bv },
    ];
    expect(planHostLinks(ready, H1).batch).toEqual([]);
    expect(planHostLinks(ready, H1).plugs).toEqual([]);
    const stale = [
      ...ready,
      { name: 'br-00000000', up: true, mtu: 1500, alias: 'cloudrouter' },
      { name: 'docker0', up: true, mtu: 1500 },
    ];
    expect(planHostLinks(stale, H1).batch).toEqual(['link del br-00000000']);
  });
  it('recreates a VXLAN device whose VTEP changed', () => {
    const moved = [
      ...base,
      { name: 'vx100', up: true, mtu: 1450, alias: 'cloudrouter', vxlan: { id: 100, local: '172.20.0.99', port: 4789 } },
    ];
    expect(planHostLinks(moved, H1).batch).toContain('link del vx100');
  });
  it('reports a VM port that does not exist yet instead of failing', () => {
    expect(planHostLinks(base.slice(0, 3), H1).missingPorts).toEqual([deviceNames.port(NIC1)]);
  });
  it('refuses a host lacking the physical NIC', () => {
    expect(() => planHostLinks([{ name: 'em02', up: true, mtu: 1500 }], H1)).toThrow('physical NIC em01 does not exist');
  });
  it('plans head-end replication by difference', () => {
    expect(planFdb(new Map([['vx100', ['172.20.0.13']]]), H1)).toEqual([
      'fdb append 00:00:00:00:00:00 dev vx100 dst 172.20.0.12',
      'fdb del 00:00:00:00:00:00 dev vx100 dst 172.20.0.13',
    ]);
    expect(planFdb(new Map([['vx100', ['172.20.0.12']]]), H1)).toEqual([]);
  });
});

describe('host protocol v1', () => {
  it.each([
    ['a port on a bridge the config lacks', { ports: [{ ...H1.ports[0]!, bridge: 'br-nowhere' }] }],
    ['DHCP on a bridge the config lacks', { dhcp: [{ ...H1.dhcp[0]!, bridge: 'br-nowhere' }] }],
    ['the same bridge twice', { bridges: [H1.bridges[0]!, H1.bridges[0]!] }],
    ['VLAN 4095', { bridges: [{ ...H1.bridges[0]!, uplink: { kind: 'vlan', nic: 'em01', vlanId: 4095 } }] }],
    ['a namespace prefix with a slash', { namespacePrefix: 'cr/../x' }],
    [
      'a hostname with a space',
      { dhcp: [{ ...H1.dhcp[0]!, leases: [{ mac: '02:00:00:00:00:01', ip: '192.168.10.21', hostname: 'VM 1' }] }] },
    ],
  ])('refuses %s', (_n, patch) => {
    expect(HostConfigV1.safeParse({ ...H1, ...patch }).success).toBe(false);
  });
});
