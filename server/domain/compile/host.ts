import { deviceNames, type HostConfig } from '@/agent/protocol/host';
import { restrictsEgress } from '../security/groups';
import type { HostSnapshot } from './types';

export class CompileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CompileError';
  }
}

/**
 * A host's whole desired state from the database's view of it (pure): a bridge for every L2 that
 * has a NIC here, those NICs as ports, and one DHCP server per DHCP-on L3 with leases for this
 * host's VMs only (R-DHCP-1): router and DNS are the L3's vRouter (R-DNS-1), or its gateway.
 */
export function compileHostConfig(s: HostSnapshot): HostConfig {
  const l2ById = new Map(s.l2s.map((l) => [l.id, l]));
  const l3ById = new Map(s.l3s.map((l) => [l.id, l]));
  const plugged = s.nics.filter((n) => n.plugged);
  const l2sHere = [...new Set(plugged.map((n) => l3ById.get(n.l3Id)!.l2Id))].sort();

  const bridges: HostConfig['bridges'] = l2sHere.map((l2Id) => {
    const l2 = l2ById.get(l2Id)!;
    const name = deviceNames.bridge(l2Id);
    if (l2.type === 'novlan') return { l2Id, name, uplink: { kind: 'nic' as const, nic: l2.physicalNic! } };
    if (l2.type === 'vlan') return { l2Id, name, uplink: { kind: 'vlan' as const, nic: l2.physicalNic!, vlanId: l2.vlanId! } };
    const localIp = s.host.vtepIp ?? s.host.managementIp;
    return {
      l2Id,
      name,
      // VXLAN adds 50 bytes: keep the overlay at 1450 so a 1500-byte underlay carries it.
      mtu: 1450,
      uplink: {
        kind: 'vxlan' as const,
        vni: l2.vni!,
        localIp,
        remotes: [...new Set(s.vxlanPeers[l2Id] ?? [])].filter((ip) => ip !== localIp).sort(),
        dstPort: 4789,
      },
    };
  });

  const ports = plugged
    .map((n) => ({
      nicId: n.id,
      name: deviceNames.port(n.id),
      bridge: deviceNames.bridge(l3ById.get(n.l3Id)!.l2Id),
      mac: n.mac,
      // R-SPOOF-1: a VM sends only from its own MAC and address; a vRouter forwards others' packets.
      guard: n.owner === 'vm' ? { ips: [n.ip] } : null,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  const dhcp: HostConfig['dhcp'] = [];
  for (const l3 of [...s.l3s].sort((a, b) => a.id.localeCompare(b.id))) {
    const vmNics = plugged.filter((n) => n.l3Id === l3.id && n.owner === 'vm');
    if (!l3.dhcpEnabled || vmNics.length === 0) continue;
    if (!l3.dhcpServerIp) throw new CompileError(`L3 ${l3.id} has DHCP on but no DHCP server IP (add a range)`);
    const vrouterIp = l3.type === 'vrouter' ? s.vrouterIpByL3[l3.id] : undefined;
    dhcp.push({
      l3Id: l3.id,
      bridge: deviceNames.bridge(l3.l2Id),
      serverIp: l3.dhcpServerIp,
      prefix: l3.prefix,
      router: vrouterIp ?? l3.gateway,
      dns: vrouterIp ? [vrouterIp] : l3.dnsServers,
      leaseSeconds: 86400,
      leases: vmNics
        .map((n) => ({ mac: n.mac, ip: n.ip, hostname: hostname(n.ownerName) }))
        .sort((a, b) => a.mac.localeCompare(b.mac)),
    });
  }

  return {
    version: 1,
    hostId: s.host.id,
    generation: s.generation,
    namespacePrefix: s.namespacePrefix,
    bridges,
    ports,
    dhcp,
    security: compileSecurity(s, plugged),
    portsEpoch: s.portsEpoch,
  };
}

/**
 * R-SG-3: the plugged VM NICs here that are in a group, each with the DNS server of its network
 * (R-SG-2: DHCP and DNS to the network's own services keep working), the rules of their groups,
 * and the members of every remote group those rules name.
 */
function compileSecurity(s: HostSnapshot, plugged: HostSnapshot['nics']): HostConfig['security'] {
  const l3ById = new Map(s.l3s.map((l) => [l.id, l]));
  const ports = plugged
    .filter((n) => n.owner === 'vm' && (s.security.memberships[n.id] ?? []).length > 0)
    .map((n) => {
      const routerIp = s.vrouterIpByL3[n.l3Id];
      return {
        port: deviceNames.port(n.id),
        ip: n.ip,
        groupIds: [...s.security.memberships[n.id]!].sort(),
        dns: routerIp ? [routerIp] : [...l3ById.get(n.l3Id)!.dnsServers],
      };
    })
    .sort((a, b) => a.port.localeCompare(b.port));
  const used = new Set(ports.flatMap((p) => p.groupIds));
  const groups = s.security.groups
    .filter((g) => used.has(g.id))
    .sort((a, b) => a.id.localeCompare(b.id))
    .map((g) => ({ ...g, egressRestricted: restrictsEgress(g) }));
  const remote = [...new Set(groups.flatMap((g) => g.rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : []))))].sort();
  const members = Object.fromEntries(remote.map((g) => [g, [...new Set(s.security.members[g] ?? [])].sort()]));
  return { ports, groups, members };
}

/** A DHCP hostname from a VM name: letters, digits and '-', at most 63. */
export function hostname(name: string): string {
  return (
    name
      .replace(/[^A-Za-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'vm'
  );
}
