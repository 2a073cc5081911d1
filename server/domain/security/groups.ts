import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import { inSubnet, ipToInt, isIpv4, parseCidr, subnetOf } from '@/lib/ipv4';

/**
 * Security groups (SPEC R-SG-1..3), the pure part: what a rule may be, the default rules of a new
 * group, and what the union of a NIC's groups decides for one packet — the answer the console's
 * "why blocked?" gives, and the semantics the host agent's nftables rules must implement.
 */
export type SgDirection = 'ingress' | 'egress';
export type SgProtocol = 'all' | 'tcp' | 'udp' | 'icmp';

export interface SgRule {
  id: string;
  direction: SgDirection;
  protocol: SgProtocol;
  /** TCP/UDP only. */
  portStart?: number | null;
  portEnd?: number | null;
  /** ICMP only; -1 = any. */
  icmpType?: number | null;
  icmpCode?: number | null;
  /** The peer's address: source for ingress, destination for egress. */
  cidr?: string | null;
  /** The peer must be a member of this group (both set → both must hold). */
  remoteGroupId?: string | null;
  /** For messages: the remote group's name. */
  remoteGroupName?: string | null;
  /** One of the two rules every new group starts with (R-SG-2); deletable, but not "user-defined". */
  isDefault?: boolean;
  description?: string;
}

export interface SgGroup {
  id: string;
  name: string;
  rules: SgRule[];
}

export type SgRuleInput = Omit<SgRule, 'id' | 'isDefault' | 'remoteGroupName'>;

const isPort = (p: unknown): p is number => typeof p === 'number' && Number.isInteger(p) && p >= 1 && p <= 65535;
const isIcmp = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= -1 && v <= 255;

/** R-SG-1: a rule's shape — ALL takes no ports, TCP/UDP take 1–65535 with start ≤ end, ICMP takes type/code (-1 = all). */
export function checkSgRule(r: SgRuleInput): RuleResult {
  if (r.protocol === 'all' || r.protocol === 'icmp') {
    if (r.portStart != null || r.portEnd != null)
      return refuse(E.PORT_RANGE_INVALID, `${r.protocol === 'all' ? 'ALL' : 'ICMP'} rules take no ports.`, 'portStart');
  }
  if (r.protocol === 'tcp' || r.protocol === 'udp') {
    if (!isPort(r.portStart)) return refuse(E.PORT_RANGE_INVALID, 'A port from 1 to 65535.', 'portStart');
    if (!isPort(r.portEnd)) return refuse(E.PORT_RANGE_INVALID, 'A port from 1 to 65535.', 'portEnd');
    if (r.portEnd < r.portStart) return refuse(E.PORT_RANGE_INVALID, 'The end port must not be below the start port.', 'portEnd');
  }
  if (r.protocol === 'icmp') {
    if (!isIcmp(r.icmpType ?? -1)) return refuse(E.INVALID_INPUT, 'ICMP type is -1 (all) or 0–255.', 'icmpType');
    if (!isIcmp(r.icmpCode ?? -1)) return refuse(E.INVALID_INPUT, 'ICMP code is -1 (all) or 0–255.', 'icmpCode');
    if ((r.icmpType ?? -1) === -1 && (r.icmpCode ?? -1) !== -1)
      return refuse(E.INVALID_INPUT, 'A code needs a type; -1/-1 means every ICMP message.', 'icmpCode');
  } else if (r.icmpType != null || r.icmpCode != null) {
    return refuse(E.INVALID_INPUT, 'ICMP type and code are for ICMP rules.', 'icmpType');
  }
  if (r.cidr) {
    const c = isIpv4(r.cidr) ? { ip: ipToInt(r.cidr), prefix: 32 } : parseCidr(r.cidr);
    if (!c) return refuse(E.INVALID_ADDRESS, `"${r.cidr}" is not a CIDR such as 192.168.10.0/24.`, 'cidr');
  }
  return undefined;
}

/** R-SG-2: a new group allows all traffic between its own members, both ways. */
export function defaultRules(groupId: string): Array<Omit<SgRule, 'id'>> {
  return [
    {
      direction: 'ingress',
      protocol: 'all',
      remoteGroupId: groupId,
      isDefault: true,
      description: 'default: from members of this group',
    },
    {
      direction: 'egress',
      protocol: 'all',
      remoteGroupId: groupId,
      isDefault: true,
      description: 'default: to members of this group',
    },
  ];
}

/**
 * R-SG-2: a group restricts egress once it has an egress rule of its own (its default rules do not
 * count). Decided here only: the compiler ships it to the host agent, the console shows it.
 */
export function restrictsEgress(group: Pick<SgGroup, 'rules'>): boolean {
  return group.rules.some((r) => r.direction === 'egress' && !r.isDefault);
}

/** A NIC's egress is open when it is in no group, or in any group that does not restrict egress. */
export function egressOpen(groups: Array<Pick<SgGroup, 'rules'>>): boolean {
  return groups.length === 0 || groups.some((g) => !restrictsEgress(g));
}

export interface Packet {
  protocol: 'tcp' | 'udp' | 'icmp';
  /** Destination port (TCP/UDP). */
  port?: number;
  icmpType?: number;
  icmpCode?: number;
}

export interface Peer {
  ip: string;
  /** The groups the peer's NIC is a member of. */
  groupIds: string[];
}

export type Decision =
  | { allowed: true; by: 'rule'; groupId: string; ruleId: string; text: string }
  | { allowed: true; by: 'no-group' | 'egress-open'; groupId?: string; text: string }
  | { allowed: false; by: 'no-rule'; text: string };

function matchesProtocol(r: SgRule, p: Packet): boolean {
  if (r.protocol === 'all') return true;
  if (r.protocol !== p.protocol) return false;
  if (p.protocol === 'icmp') {
    const t = r.icmpType ?? -1;
    const c = r.icmpCode ?? -1;
    return (t === -1 || t === p.icmpType) && (c === -1 || c === p.icmpCode);
  }
  return p.port !== undefined && p.port >= (r.portStart ?? 1) && p.port <= (r.portEnd ?? 65535);
}

function matchesPeer(r: SgRule, peer: Peer): boolean {
  if (r.cidr) {
    const c = isIpv4(r.cidr) ? { ip: ipToInt(r.cidr), prefix: 32 } : parseCidr(r.cidr)!;
    if (!inSubnet(ipToInt(peer.ip), subnetOf(c.ip, c.prefix))) return false;
  }
  if (r.remoteGroupId && !peer.groupIds.includes(r.remoteGroupId)) return false;
  return true;
}

/** A rule's protocol and ports as people read them: `ALL`, `ICMP 8/-1`, `TCP 22`, `TCP 23–1024`. */
export function ruleProtocolText(r: Pick<SgRule, 'protocol' | 'portStart' | 'portEnd' | 'icmpType' | 'icmpCode'>): string {
  if (r.protocol === 'all') return 'ALL';
  if (r.protocol === 'icmp') return `ICMP ${r.icmpType ?? -1}/${r.icmpCode ?? -1}`;
  return `${r.protocol.toUpperCase()} ${r.portStart === r.portEnd ? r.portStart : `${r.portStart}–${r.portEnd}`}`;
}

const describeRule = (g: SgGroup, r: SgRule) => {
  const proto = ruleProtocolText(r);
  const peer =
    [
      r.cidr,
      r.remoteGroupId
        ? `group ${r.remoteGroupId === g.id ? `"${g.name}" (itself)` : `"${r.remoteGroupName ?? r.remoteGroupId}"`}`
        : null,
    ]
      .filter(Boolean)
      .join(' ∩ ') || 'anywhere';
  return `${r.direction} ${proto} ${r.direction === 'ingress' ? 'from' : 'to'} ${peer} of group "${g.name}"`;
};

/**
 * R-SG-2 for one direction of one NIC: whitelist over the union of its groups. Ingress needs a
 * matching rule. Egress is open in a group until that group has a user-defined egress rule; a NIC
 * with several groups is open if any of them is. A NIC in no group is not filtered. (Return
 * traffic of an allowed connection always passes: that is the enforcement's conntrack, not a rule.)
 */
export function decide(groups: SgGroup[], direction: SgDirection, packet: Packet, peer: Peer): Decision {
  if (groups.length === 0)
    return { allowed: true, by: 'no-group', text: 'The NIC is in no security group: nothing is filtered.' };
  for (const g of groups) {
    for (const r of g.rules) {
      if (r.direction === direction && matchesProtocol(r, packet) && matchesPeer(r, peer)) {
        return { allowed: true, by: 'rule', groupId: g.id, ruleId: r.id, text: `Allowed by the rule ${describeRule(g, r)}.` };
      }
    }
  }
  if (direction === 'egress') {
    const open = groups.find((g) => !restrictsEgress(g));
    if (open)
      return {
        allowed: true,
        by: 'egress-open',
        groupId: open.id,
        text: `Group "${open.name}" has no egress rule of its own, so egress is not restricted (R-SG-2).`,
      };
  }
  const names = groups.map((g) => `"${g.name}"`).join(', ');
  return {
    allowed: false,
    by: 'no-rule',
    text:
      `No ${direction} rule of ${names} allows ${packet.protocol.toUpperCase()}${packet.port ? ` port ${packet.port}` : ''} ` +
      `${direction === 'ingress' ? 'from' : 'to'} ${peer.ip}.`,
  };
}

/** "Why blocked?": traffic from one NIC to another passes the sender's egress and the receiver's ingress. */
export function whyBlocked(
  from: { ip: string; groups: SgGroup[] },
  to: { ip: string; groups: SgGroup[] },
  packet: Packet,
): { allowed: boolean; egress: Decision; ingress: Decision } {
  const egress = decide(from.groups, 'egress', packet, { ip: to.ip, groupIds: to.groups.map((g) => g.id) });
  const ingress = decide(to.groups, 'ingress', packet, { ip: from.ip, groupIds: from.groups.map((g) => g.id) });
  return { allowed: egress.allowed && ingress.allowed, egress, ingress };
}
