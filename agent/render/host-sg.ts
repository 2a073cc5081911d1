import type { z } from 'zod';
import type { HostSecurity } from '../protocol/host';
import { chainDecl, element, elementCommand, replaceTable, setDecl, type TableRef } from './nft';

/**
 * Security groups enforced on a host for its own VM ports (R-SG-3), as one nftables ruleset.
 * Bridged traffic: the `bridge` family has no conntrack on this kernel, the `inet` forward hook
 * (br_netfilter) has conntrack but sees only the bridge (measured in namespaces here). So:
 * - a `bridge` chain tags each packet with its in-port's *profile* (`meta mark`) and its out-port's
 *   (`meta priority`); a profile is a set of groups plus the network's DNS, shared by every port
 *   that has it — adding a VM to a group it shares with others here is one map element;
 * - the `inet` table has two base chains on the forward hook: `egress` (priority 0) runs the
 *   sender's profile, `ingress` (priority 10) the receiver's. An allowed packet is accepted by one
 *   and goes on to the next (accept ends only its own base chain); drop ends everything;
 * - each group's rules are rendered once, as chains `eg_<g>` / `ig_<g>` every profile jumps to,
 *   so the ruleset grows with groups × rules, not ports × rules;
 * - remote groups are sets of member addresses: a membership change is one set element.
 */
/** What the renderer takes: the host config's `security` section (defaults may be left out). */
export type HostSgConfig = z.input<typeof HostSecurity>;
type HostSgPort = HostSgConfig['ports'][number];
type SgGroup = HostSgConfig['groups'][number];
type SgRule = SgGroup['rules'][number];

export const SG_TABLE = 'cr_sg';
const setName = (groupId: string) => `g_${groupId.replace(/-/g, '').slice(-12)}`;
const referencedGroups = (cfg: HostSgConfig) =>
  new Set(cfg.groups.flatMap((g) => g.rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : []))));

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

const groupChain = (g: SgGroup, direction: 'ingress' | 'egress') =>
  `${direction === 'ingress' ? 'ig' : 'eg'}_${g.id.replace(/-/g, '').slice(-12)}`;

/** A profile: the groups of a port and its network's DNS. Ports with equal profiles share chains and a tag. */
interface Profile {
  key: string;
  groupIds: string[];
  dns: string[];
}
const profileKey = (p: HostSgPort) => `${[...p.groupIds].sort().join(',')}|${[...p.dns].sort().join(',')}`;

/** The profiles of a config, numbered 1.. in key order: the same profiles always get the same tags. */
function profilesOf(cfg: HostSgConfig): Map<string, Profile & { tag: number }> {
  const byKey = new Map<string, Profile>();
  for (const p of cfg.ports.filter((x) => x.groupIds.length > 0))
    byKey.set(profileKey(p), { key: profileKey(p), groupIds: [...p.groupIds].sort(), dns: [...p.dns].sort() });
  return new Map([...byKey.keys()].sort().map((k, i) => [k, { ...byKey.get(k)!, tag: i + 1 }]));
}
/**
 * Marks in a space of their own (0x5c00xxxx), cleared again after filtering with the out-port tag: other users of
 * marks on this host are undisturbed and no tag leaks into an encapsulated packet or the next hook.
 */
const MARK_SPACE = 0x5c000000;
const mark = (tag: number) => `0x${(MARK_SPACE + tag).toString(16)}`;
/** Out-port tags are classids 1:<tag> (`meta priority`), i.e. 0x0001xxxx. */
const CLASSID_MAJOR = 1;
const classid = (tag: number) => `${CLASSID_MAJOR}:${tag.toString(16)}`;

/** A profile's chain for one direction: DHCP/DNS (R-SG-2), then each group's rules; nothing allowed it → drop. */
function profileChain(prof: Profile & { tag: number }, byId: Map<string, SgGroup>, direction: 'ingress' | 'egress'): string[] {
  const groups = prof.groupIds.map((id) => byId.get(id)).filter((g): g is SgGroup => !!g);
  const lines =
    direction === 'egress'
      ? ['udp dport 67 accept', ...prof.dns.map((d) => `ip daddr ${d} meta l4proto { tcp, udp } th dport 53 accept`)]
      : ['udp sport 67 udp dport 68 accept'];
  for (const g of groups) lines.push(`jump ${groupChain(g, direction)}`);
  if (direction === 'egress' && groups.some((g) => !g.egressRestricted))
    lines.push('accept comment "egress not restricted (R-SG-2)"');
  lines.push('drop');
  return chainDecl(`${direction === 'ingress' ? 'in' : 'out'}_${prof.tag}`, lines);
}

const BRIDGE: TableRef = { family: 'bridge', name: SG_TABLE };
const INET: TableRef = { family: 'inet', name: SG_TABLE };

/** The host's whole security-group ruleset (both tables replaced in one transaction). */
export function renderHostSg(cfg: HostSgConfig): string {
  const byId = new Map(cfg.groups.map((g) => [g.id, g]));
  const profiles = profilesOf(cfg);
  const tagOf = (p: HostSgPort) => profiles.get(profileKey(p))!.tag;
  const ports = cfg.ports.filter((p) => p.groupIds.length > 0).sort((a, b) => a.port.localeCompare(b.port));
  const used = [...new Set([...profiles.values()].flatMap((p) => p.groupIds))]
    .sort()
    .map((id) => byId.get(id))
    .filter((g): g is SgGroup => !!g);
  return [
    ...replaceTable(BRIDGE, [
      ...setDecl(
        'map',
        'port_in',
        'ifname : mark',
        ports.map((p) => element({ ifname: p.port }, mark(tagOf(p)))),
      ),
      ...setDecl(
        'map',
        'port_out',
        'ifname : classid',
        ports.map((p) => element({ ifname: p.port }, classid(tagOf(p)))),
      ),
      // Two rules: a lookup that misses (a port in no group) ends its rule, and must not skip the other tag.
      ...chainDecl(
        'tag',
        ['meta mark set iifname map @port_in', 'meta priority set oifname map @port_out'],
        'type filter hook forward priority -200; policy accept;',
      ),
      // After every filter (br_netfilter runs the inet chains at priority 0), for every frame — ARP and
      // other non-IP frames never reach the inet chains: both tags, and only ours, are cleared.
      ...chainDecl(
        'untag',
        [
          `meta mark & 0xffff0000 == 0x${(MARK_SPACE >>> 16).toString(16)}0000 meta mark set 0x0`,
          `meta priority & 0xffff0000 == 0x${(CLASSID_MAJOR << 16).toString(16)} meta priority set none`,
        ],
        'type filter hook forward priority 200; policy accept;',
      ),
    ]),
    ...replaceTable(INET, [
      ...[...referencedGroups(cfg)]
        .sort()
        .flatMap((g) => setDecl('set', setName(g), 'ipv4_addr', [...(cfg.members[g] ?? [])].sort())),
      ...used.flatMap((g) =>
        (['egress', 'ingress'] as const).flatMap((direction) =>
          chainDecl(
            groupChain(g, direction),
            g.rules
              .filter((r) => r.direction === direction)
              .map((r) => `${`${match(r)} accept`.trimStart()} comment "sg=${g.id} rule=${r.id}"`),
          ),
        ),
      ),
      ...[...profiles.values()].flatMap((prof) => [
        ...profileChain(prof, byId, 'egress'),
        ...profileChain(prof, byId, 'ingress'),
      ]),
      ...chainDecl(
        'egress',
        [
          'ct state established,related accept',
          ...(profiles.size
            ? [`meta mark vmap { ${[...profiles.values()].map((p) => `${mark(p.tag)} : jump out_${p.tag}`).join(', ')} }`]
            : []),
        ],
        'type filter hook forward priority 0; policy accept;',
      ),
      ...chainDecl(
        'ingress',
        [
          'ct state established,related accept',
          ...(profiles.size
            ? [`meta priority vmap { ${[...profiles.values()].map((p) => `${classid(p.tag)} : jump in_${p.tag}`).join(', ')} }`]
            : []),
        ],
        'type filter hook forward priority 10; policy accept;',
      ),
    ]),
    '',
  ].join('\n');
}

/**
 * What a delta compares, computed once per config object: the agent's `previous` is the object it
 * applied last, so at every change only the new config is walked.
 */
const derivedCache = new WeakMap<HostSgConfig, { groups?: string; profileKeys: string; portTags: Map<string, number> }>();
function derived(cfg: HostSgConfig) {
  let d = derivedCache.get(cfg);
  if (!d) {
    const profiles = profilesOf(cfg);
    const portTags = new Map(
      cfg.ports.filter((p) => p.groupIds.length > 0).map((p) => [p.port, profiles.get(profileKey(p))!.tag]),
    );
    d = { profileKeys: JSON.stringify([...profiles.keys()]), portTags };
    derivedCache.set(cfg, d);
  }
  return d;
}
/** The groups as text, once per config — and not at all when both configs share the groups (a patch that left them alone). */
function sameGroups(a: HostSgConfig, b: HostSgConfig): boolean {
  if (a.groups === b.groups) return true;
  const [x, y] = [derived(a), derived(b)];
  x.groups ??= JSON.stringify(a.groups);
  y.groups ??= JSON.stringify(b.groups);
  return x.groups === y.groups;
}

/**
 * The change from `prev` to `next` as element commands when the groups' rules and the set of
 * profiles are unchanged — a VM joined or left a group somewhere (member sets), or a port here
 * came, went or moved to a profile that exists already (port maps): O(changes), whatever the
 * number of rules. Null otherwise — then the whole ruleset is replaced (still one transaction).
 * An empty string: nothing to do.
 */
export function renderHostSgDelta(prev: HostSgConfig, next: HostSgConfig): string | null {
  const [p, n] = [derived(prev), derived(next)];
  if (p.profileKeys !== n.profileKeys || !sameGroups(prev, next)) return null;
  const lines: string[] = [];
  const [before, after] = [p.portTags, n.portTags];
  const changed = [...before]
    .filter(([port, tag]) => after.get(port) !== tag)
    .map(([port]) => port)
    .sort();
  const added = [...after]
    .filter(([port, tag]) => before.get(port) !== tag)
    .map(([port]) => port)
    .sort();
  const removedKeys = changed.map((port) => element({ ifname: port }));
  lines.push(
    ...[
      elementCommand('delete', BRIDGE, 'port_in', removedKeys),
      elementCommand('delete', BRIDGE, 'port_out', removedKeys),
      elementCommand(
        'add',
        BRIDGE,
        'port_in',
        added.map((port) => element({ ifname: port }, mark(after.get(port)!))),
      ),
      elementCommand(
        'add',
        BRIDGE,
        'port_out',
        added.map((port) => element({ ifname: port }, classid(after.get(port)!))),
      ),
    ].filter((l): l is string => l !== null),
  );
  for (const g of [...referencedGroups(next)].sort()) {
    if (prev.members[g] === next.members[g]) continue;
    const was = new Set(prev.members[g] ?? []);
    const now = new Set(next.members[g] ?? []);
    const gone = [...was].filter((ip) => !now.has(ip)).sort();
    const joined = [...now].filter((ip) => !was.has(ip)).sort();
    for (const l of [elementCommand('delete', INET, setName(g), gone), elementCommand('add', INET, setName(g), joined)])
      if (l) lines.push(l);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}
