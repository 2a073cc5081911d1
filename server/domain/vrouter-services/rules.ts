import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import { isIpv4, parseCidr, subnetOf } from '@/lib/ipv4';

/** What the rules need to know about a VIP. */
export interface VipFacts {
  name: string;
  system: boolean;
  /** The vRouter whose system VIP this is. */
  vrouterId: string | null;
  l3Id: string;
  /** What else uses the VIP now. */
  usedBy: { eip: boolean; portForwards: number; loadBalancers: number };
}

/** What the rules need to know about a VM NIC and the network it is on. */
export interface NicFacts {
  id: string;
  owner: 'vm' | 'vrouter';
  l3Id: string;
  l3Name: string;
  l3Category: 'public' | 'system' | 'private';
  l3Type: 'flat' | 'vrouter' | null;
  /** The vRouter serving this NIC's L3 (null until one exists). */
  routerId: string | null;
  /** The L3s on which that vRouter has a public NIC. */
  routerPublicL3s: string[];
}

/** R-EIP-1: an EIP takes a VIP of its own — never a system VIP, never one with port forwarding or a load balancer. */
export function checkEipVip(vip: VipFacts): RuleResult {
  if (vip.system)
    return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" is a vRouter's system VIP; an EIP needs a VIP of its own.`, 'vipId');
  if (vip.usedBy.eip) return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" already backs an EIP.`, 'vipId');
  if (vip.usedBy.portForwards > 0)
    return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" carries port forwarding; an EIP needs the whole VIP.`, 'vipId');
  if (vip.usedBy.loadBalancers > 0)
    return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" carries a load balancer; an EIP needs the whole VIP.`, 'vipId');
  return undefined;
}

/** A VM NIC on a vRouter L3 whose router reaches the VIP's public network (R-EIP-2, R-PF-1). */
export function checkServedNic(nic: NicFacts, vip: VipFacts): RuleResult {
  if (nic.owner !== 'vm') return refuse(E.BIND_NOT_ALLOWED, 'Only a VM NIC can be bound.', 'nicId');
  if (nic.l3Category !== 'private' || nic.l3Type !== 'vrouter') {
    return refuse(E.BIND_NOT_ALLOWED, `The NIC is on "${nic.l3Name}", which is not a vRouter network.`, 'nicId');
  }
  if (!nic.routerId) return refuse(E.BIND_NOT_ALLOWED, `"${nic.l3Name}" has no vRouter yet.`, 'nicId');
  if (!nic.routerPublicL3s.includes(vip.l3Id)) {
    return refuse(
      E.BIND_NOT_ALLOWED,
      `The vRouter of "${nic.l3Name}" has no NIC on the VIP's public network; attach that network to the vRouter first (R-MPUB-1).`,
      'nicId',
    );
  }
  if (vip.system && vip.vrouterId !== nic.routerId) {
    return refuse(
      E.BIND_NOT_ALLOWED,
      `"${vip.name}" is the system VIP of another vRouter than the one serving "${nic.l3Name}".`,
      'nicId',
    );
  }
  return undefined;
}

/** R-EIP-2/3: bind an unbound EIP to a VM NIC that has no EIP yet. */
export function checkEipBind(eip: { bound: boolean }, vip: VipFacts, nic: NicFacts, nicHasEip: boolean): RuleResult {
  if (eip.bound) return refuse(E.BIND_NOT_ALLOWED, 'The EIP is bound; unbind it first (R-EIP-3).', 'nicId');
  if (nicHasEip) return refuse(E.BIND_NOT_ALLOWED, 'This NIC already has an EIP.', 'nicId');
  return checkServedNic(nic, { ...vip, system: false });
}

export interface PortRange {
  start: number;
  end: number;
}

export interface PfPortsInput {
  mode: 'single' | 'range';
  vipPortStart: number;
  vipPortEnd?: number | null;
  vmPortStart?: number | null;
  vmPortEnd?: number | null;
}

const isPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;

/**
 * R-PF-1: single-port mode — the VM port defaults to the VIP port; range mode — the VM range
 * defaults to the VIP range. R-PF-2: both ranges have the same length.
 */
export function resolvePfPorts(input: PfPortsInput): { vip: PortRange; vm: PortRange } | RuleResult {
  const bad = (field: string, message: string) => refuse(E.PORT_RANGE_INVALID, message, field);
  if (!isPort(input.vipPortStart)) return bad('vipPortStart', 'A port from 1 to 65535.');
  if (input.mode === 'single') {
    const vm = input.vmPortStart ?? input.vipPortStart;
    if (!isPort(vm)) return bad('vmPortStart', 'A port from 1 to 65535.');
    return { vip: { start: input.vipPortStart, end: input.vipPortStart }, vm: { start: vm, end: vm } };
  }
  const vipEnd = input.vipPortEnd;
  if (vipEnd === null || vipEnd === undefined || !isPort(vipEnd)) return bad('vipPortEnd', 'A port from 1 to 65535.');
  if (vipEnd < input.vipPortStart) return bad('vipPortEnd', 'The end port must not be below the start port.');
  const vmStart = input.vmPortStart ?? input.vipPortStart;
  const vmEnd = input.vmPortEnd ?? (input.vmPortStart === null || input.vmPortStart === undefined ? vipEnd : undefined);
  if (!isPort(vmStart)) return bad('vmPortStart', 'A port from 1 to 65535.');
  if (vmEnd === undefined || !isPort(vmEnd)) return bad('vmPortEnd', 'A port from 1 to 65535.');
  if (vmEnd < vmStart) return bad('vmPortEnd', 'The end port must not be below the start port.');
  if (vmEnd - vmStart !== vipEnd - input.vipPortStart) {
    return bad(
      'vmPortEnd',
      `The VM range has ${vmEnd - vmStart + 1} ports and the VIP range ${vipEnd - input.vipPortStart + 1}; they ` +
        `must be of equal length (R-PF-2).`,
    );
  }
  return { vip: { start: input.vipPortStart, end: vipEnd }, vm: { start: vmStart, end: vmEnd } };
}

/** R-PF-2: port ranges of the rules on one VIP never overlap, per protocol. */
export function checkPfOverlap(
  mine: { protocol: 'tcp' | 'udp'; vip: PortRange },
  others: Array<{ name: string; protocol: 'tcp' | 'udp'; vipPortStart: number; vipPortEnd: number }>,
): RuleResult {
  const hit = others.find(
    (o) => o.protocol === mine.protocol && o.vipPortStart <= mine.vip.end && mine.vip.start <= o.vipPortEnd,
  );
  if (hit) {
    return refuse(
      E.PORT_RANGE_OVERLAP,
      `${mine.protocol.toUpperCase()} ports ${hit.vipPortStart}–${hit.vipPortEnd} of this VIP are taken by "${hit.name}".`,
      'vipPortStart',
    );
  }
  return undefined;
}

/** R-PF-1: the optional allowed source is a CIDR (or a single address). */
export function checkAllowedCidr(text: string | null | undefined): RuleResult {
  if (!text) return undefined;
  if (isIpv4(text) || parseCidr(text)) return undefined;
  return refuse(E.INVALID_ADDRESS, `"${text}" is not a CIDR such as 203.0.113.0/24.`, 'allowedCidr');
}

/**
 * R-PF-2 when binding a rule to a NIC:
 * - a VIP may serve several NICs, all on the same L3 (`vipBoundL3s`: the L3s of NICs its other rules are bound to);
 * - a VM NIC uses at most one VIP for port forwarding (`nicPfVips`: VIPs of rules already bound to the NIC);
 * - a rule that was bound before may be bound again only to a NIC on the same L3 (`lastL3Id`);
 * - and the NIC is a VM NIC served by a vRouter that reaches the VIP (R-PF-1; system VIP allowed, of that router).
 */
export function checkPfBind(
  rule: { bound: boolean; lastL3Id: string | null; vipId: string },
  vip: VipFacts,
  nic: NicFacts,
  ctx: { vipBoundL3s: string[]; nicPfVips: string[] },
): RuleResult {
  if (rule.bound) return refuse(E.BIND_NOT_ALLOWED, 'The rule is bound; unbind it first.', 'nicId');
  if (vip.usedBy.eip) return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" backs an EIP; port forwarding needs another VIP.`, 'nicId');
  const served = checkServedNic(nic, vip);
  if (served) return served;
  if (rule.lastL3Id && rule.lastL3Id !== nic.l3Id) {
    return refuse(
      E.BIND_NOT_ALLOWED,
      'This rule was bound to a NIC on another network; it can be bound again only to a NIC on that same network (R-PF-2).',
      'nicId',
    );
  }
  if (ctx.vipBoundL3s.some((l) => l !== nic.l3Id)) {
    return refuse(
      E.BIND_NOT_ALLOWED,
      `"${vip.name}" already forwards to NICs on another network; one VIP serves NICs of one network only (R-PF-2).`,
      'nicId',
    );
  }
  if (ctx.nicPfVips.some((v) => v !== rule.vipId)) {
    return refuse(
      E.BIND_NOT_ALLOWED,
      'This NIC already receives port forwarding from another VIP; a NIC uses at most one VIP (R-PF-2).',
      'nicId',
    );
  }
  return undefined;
}

/** R-RT-1: an entry "destination CIDR → next-hop IP". Returns the normalized destination. */
export function checkRouteEntry(destination: string, nextHop: string): { destination: string } | RuleResult {
  const cidr = parseCidr(destination);
  if (!cidr) return refuse(E.ROUTE_INVALID, `"${destination}" is not a CIDR such as 192.168.11.0/24.`, 'destination');
  if (subnetOf(cidr.ip, cidr.prefix).network !== cidr.ip) {
    return refuse(E.ROUTE_INVALID, `"${destination}" has host bits set; did you mean the network address?`, 'destination');
  }
  if (cidr.prefix === 0)
    return refuse(
      E.ROUTE_INVALID,
      'The default route comes from the public network; a route table cannot replace it.',
      'destination',
    );
  if (!isIpv4(nextHop)) return refuse(E.ROUTE_INVALID, `"${nextHop}" is not an IPv4 address.`, 'nextHop');
  return { destination };
}

/** Narrows a "value or refusal" result. */
export function isRefusal(x: unknown): x is NonNullable<RuleResult> {
  return x instanceof Error;
}
