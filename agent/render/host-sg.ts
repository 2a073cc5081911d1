import type { z } from 'zod';
import type { HostSecurity } from '../protocol/host';

/**
 * Security groups enforced on a host for its own VM ports (R-SG-3), as one nftables ruleset.
 * Bridged traffic: the `bridge` family has no conntrack on this kernel, the `inet` forward hook
 * (br_netfilter) has conntrack but sees only the bridge. So a bridge forward chain tags each packet
 * with its in-port (`meta mark`) and out-port (`meta priority`), and the `inet` forward chain sends
 * it through the sender's egress chain and the receiver's ingress chain — measured in namespaces
 * here. Remote groups are sets of member addresses: a membership change is one set element.
 */
/** What the renderer takes: the host config's `security` section (defaults may be left out). */
export type HostSgConfig = z.input<typeof HostSecurity>;
type HostSgPort = HostSgConfig['ports'][number];
type SgGroup = HostSgConfig['groups'][number];
type SgRule = SgGroup['rules'][number];

export const SG_TABLE = 'cr_sg';
const setName = (groupId: string) => `g_${groupId.replace(/-/g, '').slice(-12)}`;
const referencedGroups = (cfg: HostSgConfig) => new Set(cfg.groups.flatMap((g) => g.rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : []))));

function match(r: SgRule): string {
  const peer = r.direction === 'ingress' ? 'ip saddr' : 'ip daddr';
  const parts: string[] = [];
  if (r.cidr) parts.push(`${peer} ${r.cidr}`);
  if (r.remoteGroupId) parts.push(`${peer} @${setName(r.remoteGroupId)}`);
  if (r.protocol === 'tcp' || r.protocol === 'udp') parts.push(`${r.protocol} dport ${r.portStart}-${r.portEnd}`);
  if (r.protocol === 'icmp') {
    parts.push('meta l4proto icmp');
    if ((r.icmpType ?? -1) !== -1) parts.push(`icmp type ${r.icmpType}`);
    if ((r.icmpCode ?? -1) !== -1) parts.push(`icmp code ${r.icmpCode}`);
  }
  return parts.join(' ');
}

/** One port's chain for one direction: allowed → continue (egress) or accept (ingress); otherwise drop. */
function portChain(p: HostSgPort, index: number, groups: SgGroup[], direction: 'ingress' | 'egress'): string[] {
  const allow = direction === 'ingress' ? 'accept' : 'return';
  const lines: string[] = [];
  if (direction === 'egress') {
    // R-SG-2: DHCP and DNS to the network's own services keep working.
    lines.push('udp dport 67 return');
    for (const d of p.dns) lines.push(`ip daddr ${d} meta l4proto { tcp, udp } th dport 53 return`);
  } else {
    lines.push('udp sport 67 udp dport 68 accept');
  }
  for (const g of groups) for (const r of g.rules.filter((x) => x.direction === direction)) lines.push(`${match(r)} ${allow} comment "sg=${g.id} rule=${r.id}"`.replace(/^ /, ''));
  if (direction === 'egress' && groups.some((g) => !g.rules.some((r) => r.direction === 'egress' && !r.isDefault))) lines.push('return comment "egress not restricted (R-SG-2)"');
  lines.push('drop');
  const name = `${direction === 'ingress' ? 'in' : 'out'}_${index}`;
  return [`\tchain ${name} {`, ...lines.map((l) => `\t\t${l}`), `\t}`];
}

/** The host's whole security-group ruleset (both tables replaced in one transaction). */
export function renderHostSg(cfg: HostSgConfig): string {
  const byId = new Map(cfg.groups.map((g) => [g.id, g]));
  const ports = cfg.ports.filter((p) => p.groupIds.length > 0);
  // Tag k + 1 (0 means "not a filtered port"): mark for the in-port, classid 1:k+1 for the out-port.
  const tags = ports.map((p, k) => ({ p, k, mark: `0x${(k + 1).toString(16)}`, classid: `1:${(k + 1).toString(16)}` }));
  const referenced = referencedGroups(cfg);
  const elements = (list: string[]) => (list.length ? ` elements = { ${list.join(', ')} }` : '');
  return [
    `table bridge ${SG_TABLE} {}`,
    `delete table bridge ${SG_TABLE}`,
    `table bridge ${SG_TABLE} {`,
    `\tmap port_in { type ifname : mark;${elements(tags.map((t) => `"${t.p.port}" : ${t.mark}`))} }`,
    `\tmap port_out { type ifname : classid;${elements(tags.map((t) => `"${t.p.port}" : ${t.classid}`))} }`,
    `\tchain tag {`,
    `\t\ttype filter hook forward priority -200; policy accept;`,
    // Two rules: a lookup that misses (a port in no group) ends its rule, and must not skip the other tag.
    `\t\tmeta mark set iifname map @port_in`,
    `\t\tmeta priority set oifname map @port_out`,
    `\t}`,
    `}`,
    `table inet ${SG_TABLE} {}`,
    `delete table inet ${SG_TABLE}`,
    `table inet ${SG_TABLE} {`,
    ...[...referenced].sort().map((g) => `\tset ${setName(g)} { type ipv4_addr;${elements([...(cfg.members[g] ?? [])].sort())} }`),
    `\tchain forward {`,
    `\t\ttype filter hook forward priority 0; policy accept;`,
    `\t\tct state established,related accept`,
    ...(tags.length ? [`\t\tmeta mark vmap { ${tags.map((t) => `${t.mark} : jump out_${t.k}`).join(', ')} }`, `\t\tmeta priority vmap { ${tags.map((t) => `${t.classid} : jump in_${t.k}`).join(', ')} }`] : []),
    `\t}`,
    ...tags.flatMap((t) => {
      const groups = t.p.groupIds.map((id) => byId.get(id)).filter((g): g is SgGroup => !!g);
      return [...portChain(t.p, t.k, groups, 'egress'), ...portChain(t.p, t.k, groups, 'ingress')];
    }),
    `}`,
    '',
  ].join('\n');
}

/**
 * The change from `prev` to `next` as set-element commands when only remote-group membership
 * changed (a VM joined or left a group somewhere): O(changed members), whatever the number of rules.
 * Null when ports or rules changed — then the whole ruleset is replaced (atomically, still one
 * transaction). An empty string: nothing to do.
 */
export function renderHostSgDelta(prev: HostSgConfig, next: HostSgConfig): string | null {
  if (JSON.stringify(prev.ports) !== JSON.stringify(next.ports) || JSON.stringify(prev.groups) !== JSON.stringify(next.groups)) return null;
  const lines: string[] = [];
  for (const g of [...referencedGroups(next)].sort()) {
    const before = new Set(prev.members[g] ?? []);
    const after = new Set(next.members[g] ?? []);
    const gone = [...before].filter((ip) => !after.has(ip)).sort();
    const added = [...after].filter((ip) => !before.has(ip)).sort();
    if (gone.length) lines.push(`delete element inet ${SG_TABLE} ${setName(g)} { ${gone.join(', ')} }`);
    if (added.length) lines.push(`add element inet ${SG_TABLE} ${setName(g)} { ${added.join(', ')} }`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
