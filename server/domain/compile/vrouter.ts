import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { CompileError } from './host';
import type { VRouterSnapshot } from './types';

/** The router's NIC names follow its device order: eth0, eth1, … (as a hypervisor would present them). */
export const routerNicName = (deviceIndex: number) => `eth${deviceIndex}`;

/**
 * A vRouter's whole desired state (pure): its NICs and addresses, the default route through the
 * public network's gateway, SNAT of each private CIDR out of the public NIC as its system VIP
 * (R-SNAT-1), and a DNS forwarder on the private gateways to the networks' DNS servers (R-DNS-1).
 */
export function compileVRouterConfig(s: VRouterSnapshot): VRouterConfig {
  const l3ById = new Map(s.l3s.map((l) => [l.id, l]));
  const nics = [...s.nics].sort((a, b) => a.deviceIndex - b.deviceIndex);
  const pub = nics.find((n) => n.role === 'public');
  if (!pub) throw new CompileError(`vRouter ${s.router.id} has no public NIC`);
  const pubL3 = l3ById.get(pub.l3Id)!;
  const privates = nics.filter((n) => n.role === 'private');
  const upstreams = [...new Set([...privates.flatMap((n) => l3ById.get(n.l3Id)!.dnsServers), ...pubL3.dnsServers])];
  return {
    version: 1,
    routerId: s.router.id,
    generation: s.generation,
    nics: nics.map((n) => ({ name: routerNicName(n.deviceIndex), role: n.role as 'management' | 'public' | 'private', l3Id: n.l3Id, addresses: [`${n.ip}/${l3ById.get(n.l3Id)!.prefix}`] })),
    defaultRoute: { via: pubL3.gateway, nic: routerNicName(pub.deviceIndex) },
    routes: [],
    snat: privates.map((n) => {
      const l3 = l3ById.get(n.l3Id)!;
      return { sourceCidr: `${l3.network}/${l3.prefix}`, outNic: routerNicName(pub.deviceIndex), toAddress: pub.ip, l3Id: l3.id };
    }),
    dns: privates.length ? { listen: privates.map((n) => n.ip), upstreams } : null,
  };
}
