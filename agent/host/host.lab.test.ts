import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentClient } from '../client';
import { deviceNames, type HostConfig } from '../protocol/host';
import { startAgent } from '../../lab/agents';
import { NetnsLab } from '../../lab/netns';
import { labDescribe, randomLabName } from '../../lab/testing';
import { createVm, dhcpLease, ping } from '../../lab/vm';

// Address plan (seed tables 3, 8, 9): two hosts; L2 VLAN 2700 on em01 carries L3 A 192.168.10.0/24
// (DHCP .10); VXLAN 100 carries L3 B 192.168.20.0/24 (DHCP .2); VXLAN 200 carries L3 C with the SAME
// CIDR (DHCP .2) — another tenant. VTEPs on em02: h1 172.20.0.11, h2 172.20.0.12.
const L2_VLAN = randomUUID();
const L2_VX100 = randomUUID();
const L2_VX200 = randomUUID();
const L3_A = randomUUID();
const L3_B = randomUUID();
const L3_C = randomUUID();
const H1 = randomUUID();
const H2 = randomUUID();
const VMS = {
  vm1: { host: 'h1', mac: '02:00:00:00:00:01', ip: '192.168.10.21', l2: L2_VLAN, nic: randomUUID() },
  vm2: { host: 'h2', mac: '02:00:00:00:00:02', ip: '192.168.10.22', l2: L2_VLAN, nic: randomUUID() },
  vm3: { host: 'h1', mac: '02:00:00:00:00:03', ip: '192.168.20.31', l2: L2_VX100, nic: randomUUID() },
  vm4: { host: 'h2', mac: '02:00:00:00:00:04', ip: '192.168.20.32', l2: L2_VX100, nic: randomUUID() },
  vm5: { host: 'h2', mac: '02:00:00:00:00:05', ip: '192.168.20.33', l2: L2_VX200, nic: randomUUID() },
} as const;
type VmName = keyof typeof VMS;

const lab = new NetnsLab(randomLabName('h'));
let dir: string;
const agents: Record<'h1' | 'h2', AgentClient> = {} as never;

function hostConfig(host: 'h1' | 'h2', generation: number): HostConfig {
  const vtep = { h1: '172.20.0.11', h2: '172.20.0.12' };
  const other = host === 'h1' ? 'h2' : 'h1';
  const mine = (Object.entries(VMS) as Array<[VmName, (typeof VMS)[VmName]]>).filter(([, v]) => v.host === host);
  const l2sHere = new Set(mine.map(([, v]) => v.l2));
  const hostsWith = (l2: string) =>
    new Set(
      Object.values(VMS)
        .filter((v) => v.l2 === l2)
        .map((v) => v.host),
    );
  const bridges: HostConfig['bridges'] = [];
  if (l2sHere.has(L2_VLAN))
    bridges.push({ l2Id: L2_VLAN, name: deviceNames.bridge(L2_VLAN), uplink: { kind: 'vlan', nic: 'em01', vlanId: 2700 } });
  for (const [l2, vni] of [
    [L2_VX100, 100],
    [L2_VX200, 200],
  ] as const) {
    if (!l2sHere.has(l2)) continue;
    const remotes = hostsWith(l2).has(other) ? [vtep[other]] : [];
    bridges.push({
      l2Id: l2,
      name: deviceNames.bridge(l2),
      mtu: 1450,
      uplink: { kind: 'vxlan', vni, localIp: vtep[host], remotes, dstPort: 4789 },
    });
  }
  const dhcpFor = (l3Id: string, l2: string, serverIp: string, router: string) => ({
    l3Id,
    bridge: deviceNames.bridge(l2),
    serverIp,
    prefix: 24,
    router,
    dns: [router],
    leaseSeconds: 3600,
    leases: mine.filter(([, v]) => v.l2 === l2).map(([name, v]) => ({ mac: v.mac, ip: v.ip, hostname: name })),
  });
  const dhcp: HostConfig['dhcp'] = [];
  if (l2sHere.has(L2_VLAN)) dhcp.push(dhcpFor(L3_A, L2_VLAN, '192.168.10.10', '192.168.10.1'));
  if (l2sHere.has(L2_VX100)) dhcp.push(dhcpFor(L3_B, L2_VX100, '192.168.20.2', '192.168.20.1'));
  if (l2sHere.has(L2_VX200)) dhcp.push(dhcpFor(L3_C, L2_VX200, '192.168.20.2', '192.168.20.1'));
  return {
    version: 1,
    hostId: host === 'h1' ? H1 : H2,
    generation,
    namespacePrefix: `${lab.prefix}${host}-`,
    portsEpoch: 0,
    bridges,
    ports: mine.map(([, v]) => ({
      nicId: v.nic,
      name: deviceNames.port(v.nic),
      bridge: deviceNames.bridge(v.l2),
      mac: v.mac,
      guard: { ips: [v.ip] },
    })),
    security: { ports: [], groups: [], members: {} },
    dhcp,
  };
}

await labDescribe('host agent: bridges, VLAN trunk, VXLAN, distributed DHCP (R-DHCP-1, R-L2-3)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-host-'));
    await fs.chmod(dir, 0o755); // dnsmasq reads its hosts file after dropping root
    const fab = lab.ns('fab');
    // The fabric: one bridge per segment — em01 untagged, em01 VLAN 2700 (the trunk emulation), em02 (VTEP underlay).
    await lab.batch([`netns add ${fab}`, `netns add ${lab.ns('h1')}`, `netns add ${lab.ns('h2')}`]);
    await lab.nsBatch('fab', [
      'link set lo up',
      'link add s-em01 type bridge',
      'link add s-em01-2700 type bridge',
      'link add s-em02 mtu 9000 type bridge',
      'link set s-em01 up',
      'link set s-em01-2700 up',
      'link set s-em02 up',
    ]);
    for (const h of ['h1', 'h2'] as const) {
      await lab.batch([
        `link add em01 netns ${lab.ns(h)} type veth peer name ${h}-em01 netns ${fab}`,
        `link add em01.2700 netns ${lab.ns(h)} type veth peer name ${h}-v2700 netns ${fab}`,
        `link add em02 netns ${lab.ns(h)} mtu 9000 type veth peer name ${h}-em02 netns ${fab} mtu 9000`,
      ]);
      await lab.nsBatch('fab', [
        `link set ${h}-em01 master s-em01 up`,
        `link set ${h}-v2700 master s-em01-2700 up`,
        `link set ${h}-em02 master s-em02 up`,
      ]);
      await lab.nsBatch(h, [
        'link set lo up',
        'link set em01 up',
        'link set em01.2700 up',
        'link set em02 up',
        `addr add 172.20.0.${h === 'h1' ? 11 : 12}/24 dev em02`,
      ]);
      agents[h] = (await startAgent(lab, { kind: 'host', ns: h, id: h === 'h1' ? H1 : H2, dir, token: `tok-${h}` })).client;
    }
    for (const [name, v] of Object.entries(VMS))
      await createVm(lab, name, v.host, [{ name: 'eth0', mac: v.mac, port: deviceNames.port(v.nic) }]);
    await Promise.all([agents.h1.putConfig(hostConfig('h1', 1)), agents.h2.putConfig(hostConfig('h2', 1))]);
  });

  afterAll(async () => {
    await lab.down();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(await lab.list()).toEqual([]);
  });

  it('every VM gets its fixed address by real DHCP from its own host, with router and DNS', async () => {
    for (const [name, v] of Object.entries(VMS)) expect(await dhcpLease(lab, name)).toBe(v.ip);
    expect(await fs.readFile(`/etc/netns/${lab.ns('vm1')}/resolv.conf`, 'utf8')).toBe('nameserver 192.168.10.1\n');
    expect(await lab.exec('vm1', 'ip', ['route', 'show', 'default'])).toContain('via 192.168.10.1');
    // Only h1's server leased vm1; h2's never answered it (it is not h2's VM).
    const leases = async (h: 'h1' | 'h2', l3: string) =>
      fs.readFile(path.join(dir, `host-${h}`, 'state', `dhcp-${l3}.leases`), 'utf8').catch(() => '');
    expect(await leases('h1', L3_A)).toContain(VMS.vm1.mac);
    expect(await leases('h2', L3_A)).not.toContain(VMS.vm1.mac);
    expect(await leases('h2', L3_A)).toContain(VMS.vm2.mac);
  });

  it('VMs on different hosts reach each other over the VLAN trunk and over VXLAN', async () => {
    expect(await ping(lab, 'vm1', VMS.vm2.ip)).toBe(true);
    expect(await ping(lab, 'vm3', VMS.vm4.ip)).toBe(true);
  });

  it('a VM on another VNI does not, even in the same CIDR', async () => {
    expect(await ping(lab, 'vm3', VMS.vm5.ip, 3)).toBe(false);
    expect(await ping(lab, 'vm5', VMS.vm4.ip, 3)).toBe(false);
  });

  it('applying the same config twice changes nothing', async () => {
    const before = await agents.h1.status();
    await agents.h1.putConfig(hostConfig('h1', 1));
    const after = await agents.h1.status();
    expect(after.kernelHash).toBe(before.kernelHash);
    expect(after.drift).toBe(false);
  });

  it('reports drift when a VXLAN flood entry is deleted by hand; a resync restores it', async () => {
    await lab.exec('h1', 'bridge', ['fdb', 'del', '00:00:00:00:00:00', 'dev', 'vx100', 'dst', '172.20.0.12']);
    expect((await agents.h1.status()).drift).toBe(true);
    expect((await agents.h1.resync()).drift).toBe(false);
    expect(await ping(lab, 'vm3', VMS.vm4.ip)).toBe(true);
  });

  it('refuses a config naming a bridge it does not define, keeping the last good one', async () => {
    const bad = {
      ...hostConfig('h1', 2),
      ports: [{ nicId: randomUUID(), name: 'vnx', bridge: 'br-nowhere', mac: '02:00:00:00:00:99', guard: null }],
    };
    await expect(agents.h1.putConfig(bad)).rejects.toMatchObject({ status: 400, error: { code: 'CONFIG_INVALID' } });
    expect((await agents.h1.status()).appliedGeneration).toBe(1);
    expect(await ping(lab, 'vm1', VMS.vm2.ip)).toBe(true);
  });
});
