import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { inSubnet, ipToInt, parseCidr, subnetOf } from '@/lib/ipv4';
import { CompileError } from './host';
import type { VRouterSnapshot } from './types';

/** The router's NIC names follow its device order: eth0, eth1, … (as a hypervisor would present them). */
export const routerNicName = (deviceIndex: number) => `eth${deviceIndex}`;

/** The subnets the router is directly on. */
function connected(s: VRouterSnapshot) {
  const byId = new Map(s.l3s.map((l) => [l.id, l]));
  return s.nics.flatMap((n) => {
    const l3 = byId.get(n.l3Id);
    return l3 ? [subnetOf(ipToInt(n.ip), l3.prefix)] : [];
  });
}

/**
 * Whether a route entry applies to this router: its next hop is on one of its subnets and is not
 * its own address, and its destination is not inside a network it is directly on. One route table
 * may serve several routers (the seed attaches one table with both entries to both vRouters): on
 * each router, the entry for its own network is skipped — installing it would replace the
 * connected route.
 */
function routeApplies(s: VRouterSnapshot, r: { destination: string; nextHop: string }): boolean {
  const dest = parseCidr(r.destination);
  if (!dest) return false;
  const hop = ipToInt(r.nextHop);
  const nets = connected(s);
  if (s.nics.some((n) => n.ip === r.nextHop) || !nets.some((net) => inSubnet(hop, net))) return false;
  const d = subnetOf(dest.ip, dest.prefix);
  return !nets.some((net) => d.prefix >= net.prefix && inSubnet(d.network, net));
}

/**
 * A vRouter's whole desired state (pure): its NICs and addresses, the default route through the
 * first public network's gateway, SNAT of each private CIDR out of each public NIC as that NIC's
 * address (R-SNAT-1, R-MPUB-1), a DNS forwarder on the private gateways (R-DNS-1), routes from the
 * attached route tables (R-RT-1), the EIPs (R-EIP-2) and port forwards (R-PF-1) of the VM NICs
 * on the networks it serves and the load balancer listeners it serves (R-LB-2 … R-LB-5: an HTTPS
 * one once it has its certificate), with their VIPs held on the public NIC of the VIP's network.
 */
export function compileVRouterConfig(s: VRouterSnapshot): VRouterConfig {
  const l3ById = new Map(s.l3s.map((l) => [l.id, l]));
  const nics = [...s.nics].sort((a, b) => a.deviceIndex - b.deviceIndex);
  const publics = nics.filter((n) => n.role === 'public');
  const pub = publics[0];
  if (!pub) throw new CompileError(`vRouter ${s.router.id} has no public NIC`);
  const pubL3 = l3ById.get(pub.l3Id)!;
  const privates = nics.filter((n) => n.role === 'private');
  const upstreams = [...new Set([...privates.flatMap((n) => l3ById.get(n.l3Id)!.dnsServers), ...pubL3.dnsServers])];
  const nicOfL3 = new Map(publics.map((n) => [n.l3Id, routerNicName(n.deviceIndex)]));
  const ownAddresses = new Set(nics.map((n) => n.ip));
  const vipNic = (l3Id: string, what: string) => {
    const nic = nicOfL3.get(l3Id);
    if (!nic) throw new CompileError(`vRouter ${s.router.id} has no NIC on the public network of ${what}`);
    return nic;
  };
  const vips = new Map<string, string>();
  const eips = s.eips.map((e) => {
    const nic = vipNic(e.vipL3Id, `EIP ${e.id}`);
    if (!ownAddresses.has(e.vip)) vips.set(e.vip, nic);
    return { id: e.id, vip: e.vip, target: e.target, nic };
  });
  const portForwards = s.portForwards.map((pf) => {
    const nic = vipNic(pf.vipL3Id, `port forward ${pf.id}`);
    if (!ownAddresses.has(pf.vip)) vips.set(pf.vip, nic);
    const allowedCidr = pf.allowedCidr && !pf.allowedCidr.includes('/') ? `${pf.allowedCidr}/32` : pf.allowedCidr;
    return {
      id: pf.id,
      protocol: pf.protocol,
      vip: pf.vip,
      vipPortStart: pf.vipPortStart,
      vipPortEnd: pf.vipPortEnd,
      target: pf.target,
      targetPortStart: pf.targetPortStart,
      allowedCidr,
    };
  });
  // R-LB-4: an HTTPS listener is served once it has a certificate.
  const listeners = s.listeners
    .filter((l) => l.protocol !== 'https' || l.certificateId)
    .map(({ vipL3Id, ...l }) => {
      const nic = vipNic(vipL3Id, `listener ${l.id}`);
      if (!ownAddresses.has(l.vip)) vips.set(l.vip, nic);
      return { ...l, backends: [...l.backends].sort((a, b) => a.nicId.localeCompare(b.nicId)) };
    });
  const certIds = new Set(listeners.flatMap((l) => (l.certificateId ? [l.certificateId] : [])));
  const certificates = s.certificates
    .filter((c) => certIds.has(c.id))
    .map((c) => ({ id: c.id, pem: [c.certificatePem, c.chainPem, c.privateKeyPem].filter(Boolean).join('') }));
  // One route per destination (the oldest entry wins). A next hop off every NIC's subnet is left
  // out too: the console refuses such entries; this guards against a NIC detached afterwards.
  const routes = new Map<string, string>();
  for (const r of s.routes) if (!routes.has(r.destination) && routeApplies(s, r)) routes.set(r.destination, r.nextHop);
  return {
    version: 1,
    routerId: s.router.id,
    generation: s.generation,
    nics: nics.map((n) => ({
      name: routerNicName(n.deviceIndex),
      role: n.role as 'management' | 'public' | 'private',
      l3Id: n.l3Id,
      addresses: [`${n.ip}/${l3ById.get(n.l3Id)!.prefix}`],
      mac: n.mac,
    })),
    defaultRoute: { via: pubL3.gateway, nic: routerNicName(pub.deviceIndex) },
    routes: [...routes].map(([destination, via]) => ({ destination, via })),
    snat: publics.flatMap((p) =>
      privates.map((n) => {
        const l3 = l3ById.get(n.l3Id)!;
        return { sourceCidr: `${l3.network}/${l3.prefix}`, outNic: routerNicName(p.deviceIndex), toAddress: p.ip, l3Id: l3.id };
      }),
    ),
    dns: privates.length ? { listen: privates.map((n) => n.ip), upstreams } : null,
    vips: [...vips].map(([ip, nic]) => ({ ip, nic })),
    eips,
    portForwards,
    listeners,
    certificates,
  };
}
