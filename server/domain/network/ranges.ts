import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import {
  cidrText,
  inSubnet,
  intToIp,
  ipToInt,
  isIpv4,
  LINK_LOCAL,
  netmaskToPrefix,
  prefixToNetmask,
  parseCidr,
  rangesOverlap,
  subnetOf,
  type IpInt,
} from '@/lib/ipv4';

/** A range as the user typed it: start–end + netmask + gateway (R-L3-1). */
export interface RangeByBounds {
  startIp: string;
  endIp: string;
  netmask: string;
  gateway: string;
}

/** A parsed, checked range in integers. */
export interface ParsedRange {
  start: IpInt;
  end: IpInt;
  prefix: number;
  network: IpInt;
  broadcast: IpInt;
  gateway: IpInt;
}

export interface ExistingRange {
  start: IpInt;
  end: IpInt;
  l3Name: string;
  sameL3: boolean;
}

/**
 * Turns a CIDR into a range (R-L3-3): the first address is the gateway (the vRouter's private IP),
 * the rest up to the last before broadcast are handed out.
 */
export function rangeFromCidr(cidr: string): RangeByBounds | ReturnType<typeof refuse> {
  const parsed = parseCidr(cidr);
  if (!parsed) return refuse(E.INVALID_ADDRESS, `"${cidr}" is not a CIDR such as 192.168.10.0/24.`, 'cidr');
  if (parsed.prefix > 30) {
    return refuse(E.INVALID_ADDRESS, 'A CIDR needs at least 4 addresses (/30 or larger).', 'cidr');
  }
  const s = subnetOf(parsed.ip, parsed.prefix);
  if (s.network !== parsed.ip) {
    return refuse(E.INVALID_ADDRESS, `${cidr} is not a network address; did you mean ${cidrText(s.network, s.prefix)}?`, 'cidr');
  }
  return {
    gateway: intToIp(s.network + 1),
    startIp: intToIp(s.network + 2),
    endIp: intToIp(s.broadcast - 1),
    netmask: prefixToNetmask(s.prefix),
  };
}

/** Parses and checks a range on its own (R-L3-5), without looking at other ranges. */
export function parseRange(input: RangeByBounds): ParsedRange | ReturnType<typeof refuse> {
  for (const field of ['startIp', 'endIp', 'netmask', 'gateway'] as const) {
    if (!isIpv4(input[field])) return refuse(E.INVALID_ADDRESS, `"${input[field]}" is not an IPv4 address.`, field);
  }
  const prefix = netmaskToPrefix(input.netmask);
  if (prefix === undefined || prefix > 30) {
    return refuse(E.INVALID_ADDRESS, `${input.netmask} is not a usable netmask (contiguous, /30 or larger).`, 'netmask');
  }
  const start = ipToInt(input.startIp);
  const end = ipToInt(input.endIp);
  const gateway = ipToInt(input.gateway);
  if (start > end) return refuse(E.RANGE_START_AFTER_END, 'The start IP must not be after the end IP.', 'endIp');
  const subnet = subnetOf(start, prefix);
  if (!inSubnet(end, subnet)) {
    return refuse(
      E.RANGE_OUTSIDE_SUBNET,
      `Start and end must lie in one subnet of mask ${input.netmask} (${cidrText(subnet.network, prefix)}).`,
      'endIp',
    );
  }
  if (rangesOverlap({ start, end }, { start: LINK_LOCAL.network, end: LINK_LOCAL.broadcast })) {
    return refuse(E.RANGE_LINK_LOCAL, 'A range may not contain link-local addresses (169.254.0.0/16).', 'startIp');
  }
  if (!inSubnet(gateway, subnet) || gateway === subnet.network || gateway === subnet.broadcast) {
    return refuse(E.GATEWAY_INVALID, `The gateway must be a host address of ${cidrText(subnet.network, prefix)}.`, 'gateway');
  }
  if (gateway >= start && gateway <= end) {
    return refuse(E.GATEWAY_INVALID, 'The gateway must lie outside the start–end range.', 'gateway');
  }
  return { start, end, prefix, network: subnet.network, broadcast: subnet.broadcast, gateway };
}

/** R-L3-5: no overlap with ranges of the same L3 or of L3s sharing the L2. */
export function checkRangeOverlap(range: { start: IpInt; end: IpInt }, existing: ExistingRange[]): RuleResult {
  const hit = existing.find((e) => rangesOverlap(range, e));
  if (!hit) return undefined;
  const where = hit.sameL3 ? 'this L3' : `L3 "${hit.l3Name}" on the same L2`;
  return refuse(E.RANGE_OVERLAP, `This range overlaps ${intToIp(hit.start)}–${intToIp(hit.end)} of ${where}.`, 'startIp');
}

/** Number of addresses a range can hand out: start..end without network and broadcast. */
export function allocatableSize(r: ParsedRange): number {
  let n = r.end - r.start + 1;
  if (r.network >= r.start && r.network <= r.end) n--;
  if (r.broadcast >= r.start && r.broadcast <= r.end) n--;
  return n;
}

/** The free extents of a fresh range: start..end minus network, broadcast and the given holes. */
export function initialExtents(r: ParsedRange, holes: IpInt[]): Array<{ start: IpInt; end: IpInt }> {
  const excluded = [...new Set([r.network, r.broadcast, ...holes])]
    .filter((ip) => ip >= r.start && ip <= r.end)
    .sort((a, b) => a - b);
  const out: Array<{ start: IpInt; end: IpInt }> = [];
  let cursor = r.start;
  for (const ip of excluded) {
    if (ip > cursor) out.push({ start: cursor, end: ip - 1 });
    cursor = ip + 1;
  }
  if (cursor <= r.end) out.push({ start: cursor, end: r.end });
  return out;
}

export interface DhcpContext {
  dhcpEnabled: boolean;
  /** The L3 already has a DHCP server IP (from an earlier range). */
  l3HasDhcpIp: boolean;
  /** The requested address is already held on this L3. */
  isUsed: (ip: IpInt) => boolean;
}

/** R-L3-4: may a DHCP server IP be set here, and is this one acceptable? */
export function checkDhcpServerIp(requested: string | undefined, range: ParsedRange, ctx: DhcpContext): RuleResult {
  if (!requested) return undefined;
  if (!ctx.dhcpEnabled) {
    return refuse(E.DHCP_IP_NOT_ALLOWED, 'DHCP is off on this network, so no DHCP server IP may be set.', 'dhcpServerIp');
  }
  if (ctx.l3HasDhcpIp) {
    return refuse(
      E.DHCP_IP_NOT_ALLOWED,
      'This network already has a DHCP server IP; a new range may not set another.',
      'dhcpServerIp',
    );
  }
  if (!isIpv4(requested)) return refuse(E.INVALID_ADDRESS, `"${requested}" is not an IPv4 address.`, 'dhcpServerIp');
  const ip = ipToInt(requested);
  const subnet = { network: range.network, broadcast: range.broadcast, prefix: range.prefix };
  if (!inSubnet(ip, subnet) || ip === range.network || ip === range.broadcast) {
    return refuse(
      E.DHCP_IP_INVALID,
      `The DHCP server IP must be a host address of ${cidrText(range.network, range.prefix)}.`,
      'dhcpServerIp',
    );
  }
  if (ip === range.gateway) return refuse(E.DHCP_IP_INVALID, 'The DHCP server IP may not be the gateway.', 'dhcpServerIp');
  if (ctx.isUsed(ip)) return refuse(E.DHCP_IP_INVALID, `${requested} is already in use on this network.`, 'dhcpServerIp');
  return undefined;
}
