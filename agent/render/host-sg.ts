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
 * - a rule with an address range (a CIDR, or none: any) and TCP/UDP ports or all protocols — most
 *   rules — is an element of a set keyed by the profile's tag, looked up once in the base chain
 *   ({@link allowSets}): 500 NICs each in its own group of 20 rules load as ~8,000 elements instead
 *   of ~10,000 rules (issue 12: 0.86 s of kernel time for the rules);
 * - the other rules (ICMP, remote groups) are rendered once per group, as chains `eg_<g>` / `ig_<g>`
 *   every profile of the group jumps to, so they grow with groups × rules, not ports × rules;
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

/** Whether a rule is an element of the allow sets rather than a rule of its group's chain. */
const inSets = (r: SgRule) => !r.remoteGroupId && (r.protocol === 'tcp' || r.protocol === 'udp' || r.protocol === 'all');

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

const chainRules = (g: SgGroup, direction: 'ingress' | 'egress') =>
  g.rules
    .filter((r) => r.direction === direction && !inSets(r))
    .map((r) => `${`${match(r)} accept`.trimStart()} comment "sg=${g.id} rule=${r.id}"`);

const hasChainRules = (g: SgGroup, direction: 'ingress' | 'egress') =>
  g.rules.some((r) => r.direction === direction && !inSets(r));

/**
 * Where a profile's packets go after the allow sets missed, for one direction: the chain of its one
 * group that has rules of its own, or a chain of the profile's that jumps to each of several, or
 * nowhere. What follows — accept for an egress not restricted, else drop — is the base chain's.
 */
function profileTarget(prof: Profile & { tag: number }, byId: Map<string, SgGroup>, direction: 'ingress' | 'egress') {
  const chains = prof.groupIds
    .map((id) => byId.get(id))
    .filter((g): g is SgGroup => !!g && hasChainRules(g, direction))
    .map((g) => groupChain(g, direction));
  if (chains.length < 2) return { target: chains[0] ?? null, chain: [] };
  const name = `${direction === 'ingress' ? 'in' : 'out'}_${prof.tag}`;
  return {
    target: name,
    chain: chainDecl(
      name,
      chains.map((c) => `jump ${c}`),
    ),
  };
}

/** R-SG-2: a profile whose groups include one without egress rules of its own sends freely. */
const egressOpen = (prof: Profile, byId: Map<string, SgGroup>) =>
  prof.groupIds.some((id) => byId.get(id)?.egressRestricted === false);

/** An allow-set element: a profile's tag, an address range, a protocol and a port range (all protocols: no ports). */
interface Box {
  tag: string;
  protocol: 'tcp' | 'udp' | 'all';
  lo: number;
  hi: number;
  cidr: string;
  ports: [number, number];
}
const overlap = (a: Box, b: Box) => a.lo <= b.hi && b.lo <= a.hi && a.ports[0] <= b.ports[1] && b.ports[0] <= a.ports[1];

/**
 * A CIDR's first and last address and its text as a network (10.1.2.99/24 → 10.1.2.0/24). The
 * config's schema checked it; this runs per rule on the apply path, so it is plain arithmetic.
 */
const ranges = new Map<string, { lo: number; hi: number; cidr: string }>();
function cidrRange(cidr: string) {
  let r = ranges.get(cidr);
  if (!r) {
    const [addr, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const lo = Math.floor(addr!.split('.').reduce((n, octet) => n * 256 + Number(octet), 0) / size) * size;
    const text = [lo >>> 24, (lo >>> 16) & 255, (lo >>> 8) & 255, lo & 255].join('.');
    r = { lo, hi: lo + size - 1, cidr: `${text}/${bits}` };
    if (ranges.size > 4096) ranges.clear();
    ranges.set(cidr, r);
  }
  return r;
}

function box(tag: string, protocol: Box['protocol'], cidr: string | null | undefined, ports: [number, number]): Box {
  return { tag, protocol, ...cidrRange(cidr ?? '0.0.0.0/0'), ports };
}

/**
 * The allow sets of one direction: per profile, its groups' set rules (and, egress, its DNS on
 * port 53 — R-SG-2), as elements `tag . range . protocol . ports` (`tag . range` for all
 * protocols). A set with ranges in a concatenation refuses an element that overlaps one it holds
 * (measured here: "File exists"), so an element inside another is left out and overlapping ones go
 * to separate sets — layers, each one lookup. Rules overlap little, so there are few layers.
 */
function allowSets(profiles: Iterable<Profile & { tag: number }>, byId: Map<string, SgGroup>, direction: 'ingress' | 'egress') {
  const boxes = new Map<string, Box>();
  const add = (b: Box) => boxes.set(`${b.tag} ${b.protocol} ${b.cidr} ${b.ports.join('-')}`, b);
  for (const prof of profiles) {
    const tag = direction === 'egress' ? mark(prof.tag) : classid(prof.tag);
    if (direction === 'egress')
      for (const d of prof.dns) for (const protocol of ['tcp', 'udp'] as const) add(box(tag, protocol, `${d}/32`, [53, 53]));
    for (const id of prof.groupIds)
      for (const r of byId.get(id)?.rules ?? []) {
        if (r.direction !== direction || !inSets(r)) continue;
        const protocol = r.protocol as Box['protocol'];
        add(box(tag, protocol, r.cidr, protocol === 'all' ? [0, 0] : [r.portStart ?? 1, r.portEnd ?? 65535]));
      }
  }
  // Per tag and protocol, widest first: an element inside one kept is dropped (it allows nothing
  // more); one that overlaps goes to the first layer where it overlaps nothing.
  const byKey = new Map<string, Box[]>();
  for (const b of boxes.values()) {
    const k = `${b.tag} ${b.protocol}`;
    (byKey.get(k) ?? byKey.set(k, []).get(k)!).push(b);
  }
  const size = (b: Box) => (b.hi - b.lo + 1) * (b.ports[1] - b.ports[0] + 1);
  const inside = (a: Box, b: Box) => b.lo <= a.lo && a.hi <= b.hi && b.ports[0] <= a.ports[0] && a.ports[1] <= b.ports[1];
  const layers = { ports: [] as Box[][], addrs: [] as Box[][] };
  for (const k of [...byKey.keys()].sort()) {
    const group = byKey.get(k)!.sort((x, y) => size(y) - size(x) || x.lo - y.lo || x.ports[0] - y.ports[0]);
    const mine: Box[][] = [];
    for (const b of group) {
      if (mine.some((l) => l.some((x) => inside(b, x)))) continue;
      const layer = mine.find((l) => !l.some((x) => overlap(x, b)));
      if (layer) layer.push(b);
      else mine.push([b]);
    }
    const into = group[0]!.protocol === 'all' ? layers.addrs : layers.ports;
    mine.forEach((l, i) => (into[i] ??= []).push(...l));
  }
  const prefix = direction === 'egress' ? 'eg' : 'ig';
  const tagType = direction === 'egress' ? 'mark' : 'classid';
  const key = direction === 'egress' ? 'meta mark . ip daddr' : 'meta priority . ip saddr';
  const sets: string[] = [];
  const rules: string[] = [];
  layers.ports.forEach((layer, i) => {
    const name = `${prefix}_ports_${i}`;
    const els = layer.map((b) => `${b.tag} . ${b.cidr} . ${b.protocol} . ${b.ports[0]}-${b.ports[1]}`);
    sets.push(...setDecl('set', name, `${tagType} . ipv4_addr . inet_proto . inet_service`, els, { flags: 'interval' }));
    rules.push(`${key} . meta l4proto . th dport @${name} accept`);
  });
  layers.addrs.forEach((layer, i) => {
    const name = `${prefix}_addrs_${i}`;
    const els = layer.map((b) => `${b.tag} . ${b.cidr}`);
    sets.push(...setDecl('set', name, `${tagType} . ipv4_addr`, els, { flags: 'interval' }));
    rules.push(`${key} @${name} accept`);
  });
  return { sets, rules };
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
  const allow = { egress: allowSets(profiles.values(), byId, 'egress'), ingress: allowSets(profiles.values(), byId, 'ingress') };
  const targets = [...profiles.values()].map((prof) => ({
    tag: prof.tag,
    egress: profileTarget(prof, byId, 'egress'),
    ingress: profileTarget(prof, byId, 'ingress'),
  }));
  const open = [...profiles.values()].filter((p) => egressOpen(p, byId)).map((p) => mark(p.tag));
  const vmap = (key: string, entries: string[]) => (entries.length ? [`${key} vmap { ${entries.join(', ')} }`] : []);
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
      ...allow.egress.sets,
      ...allow.ingress.sets,
      ...used.flatMap((g) =>
        (['egress', 'ingress'] as const).flatMap((direction) => {
          const rules = chainRules(g, direction);
          return rules.length ? chainDecl(groupChain(g, direction), rules) : [];
        }),
      ),
      ...targets.flatMap((t) => [...t.egress.chain, ...t.ingress.chain]),
      ...chainDecl(
        'egress',
        [
          'ct state established,related accept',
          ...(profiles.size
            ? [
                // R-SG-2: DHCP and (in the allow sets) the network's DNS.
                'udp dport 67 accept',
                ...allow.egress.rules,
                ...vmap(
                  'meta mark',
                  targets.flatMap((t) => (t.egress.target ? [`${mark(t.tag)} : jump ${t.egress.target}`] : [])),
                ),
                ...(open.length ? [`meta mark { ${open.join(', ')} } accept comment "egress not restricted (R-SG-2)"`] : []),
                // Nothing allowed a packet of a port in a group: dropped (the mark space is ours alone).
                `meta mark & 0xffff0000 == 0x${(MARK_SPACE >>> 16).toString(16)}0000 drop`,
              ]
            : []),
        ],
        'type filter hook forward priority 0; policy accept;',
      ),
      ...chainDecl(
        'ingress',
        [
          'ct state established,related accept',
          ...(profiles.size
            ? [
                'udp sport 67 udp dport 68 accept',
                ...allow.ingress.rules,
                ...vmap(
                  'meta priority',
                  targets.flatMap((t) => (t.ingress.target ? [`${classid(t.tag)} : jump ${t.ingress.target}`] : [])),
                ),
                `meta priority & 0xffff0000 == 0x${(CLASSID_MAJOR << 16).toString(16)} drop`,
              ]
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
