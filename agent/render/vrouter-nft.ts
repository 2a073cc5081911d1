import { atom, chainDecl, concat, element, elementCommand, setDecl, type TableRef } from './nft';
import type { VRouterConfig } from '../protocol/vrouter';

export const VROUTER_TABLE = 'cr_vrouter';
const NAT: TableRef = { family: 'ip', name: VROUTER_TABLE };
const T = `ip ${VROUTER_TABLE}`;
/** The ARP responder for VIPs: a netdev table with one ingress chain and one VIP set per public NIC. */
export const VROUTER_ARP_TABLE = 'cr_vrouter_arp';
const ARP: TableRef = { family: 'netdev', name: VROUTER_ARP_TABLE };
const A = `netdev ${VROUTER_ARP_TABLE}`;
export const vipSetName = (nic: string) => `vips_${nic}`;

type Nic = VRouterConfig['nics'][number];
const publicNics = (cfg: VRouterConfig) => cfg.nics.filter((n): n is Nic & { mac: string } => n.role === 'public' && !!n.mac);

/**
 * One rule turns an ARP request for a VIP of this NIC into the reply, in place, and sends it back
 * out (`fwd`): the VIP costs one set element — flat to add at any size — where a local route or an
 * interface address is kernel routing state (~18 µs each, ~2.5 s for 10,000 addresses, measured
 * here). The requester's IP is parked in the (empty) target-MAC field while sender and target IPs
 * swap; raw offsets are those of an Ethernet/IPv4 ARP packet (sha 64, spa 112, tha 144, tpa 192).
 */
function arpResponder(nic: Nic & { mac: string }): string {
  return [
    `arp operation request arp daddr ip @${vipSetName(nic.name)}`,
    '@nh,144,32 set @nh,112,32 @nh,112,32 set @nh,192,32 @nh,192,32 set @nh,144,32',
    `arp daddr ether set arp saddr ether arp saddr ether set ${nic.mac} arp operation set reply`,
    `ether daddr set ether saddr ether saddr set ${nic.mac} fwd to "${nic.name}" comment "vip arp"`,
  ].join(' ');
}

function arpChain(nic: Nic & { mac: string }): string[] {
  return [
    `	chain arp_${nic.name} {`,
    `		type filter hook ingress device "${nic.name}" priority 0; policy accept;`,
    `		${arpResponder(nic)}`,
    `	}`,
  ];
}

/**
 * The maps whose elements carry the per-service state: EIP DNAT (VIP → VM), EIP SNAT per public
 * NIC (VM → VIP), port forwarding per protocol (VIP . port → VM . port). Everything else — chains,
 * rules, the route-table set — is the table's skeleton, small whatever the number of services.
 */
export const mapName = {
  eipDnat: 'eip_dnat',
  eipSnat: (nic: string) => `eip_snat_${nic}`,
  pf: (protocol: 'tcp' | 'udp') => `pf_${protocol}`,
};
const ADDR_MAP = 'ipv4_addr : ipv4_addr';
const PORT_MAP = 'ipv4_addr . inet_service : ipv4_addr . inet_service';

/** Every map of a config with its type: fixed ones, and one SNAT map per public NIC. */
function mapsOf(cfg: VRouterConfig): Array<[string, string]> {
  return [
    [mapName.eipDnat, ADDR_MAP],
    ...cfg.nics.filter((n) => n.role === 'public').map((n) => [mapName.eipSnat(n.name), ADDR_MAP] as [string, string]),
    [mapName.pf('tcp'), PORT_MAP],
    [mapName.pf('udp'), PORT_MAP],
  ];
}

type Eip = VRouterConfig['eips'][number];
type Pf = VRouterConfig['portForwards'][number];

/** One element per EIP direction (R-EIP-2). */
function eipElements(e: Eip): Array<[map: string, key: string, value: string]> {
  return [
    [mapName.eipDnat, atom(e.vip), atom(e.target)],
    [mapName.eipSnat(e.nic), atom(e.target), atom(e.vip)],
  ];
}

/** One element per VIP port: this keeps the offset (VIP:5900 → VM:6900; a range DNAT would not, FACTS.md). */
function pfElements(pf: Pf): Array<[map: string, key: string, value: string]> {
  const out: Array<[string, string, string]> = [];
  for (let p = pf.vipPortStart; p <= pf.vipPortEnd; p++)
    out.push([mapName.pf(pf.protocol), concat(pf.vip, p), concat(pf.target, pf.targetPortStart + (p - pf.vipPortStart))]);
  return out;
}

/** The rules of each chain and the route-table set: small, rebuilt whole when they change. */
function chainRules(cfg: VRouterConfig) {
  const routed = [...new Set(cfg.routes.map((r) => r.destination))];
  return {
    routed,
    prefilter: cfg.portForwards
      .filter((pf) => pf.allowedCidr)
      .map(
        (pf) =>
          `ip daddr ${pf.vip} ${pf.protocol} dport ${pf.vipPortStart}-${pf.vipPortEnd} ip saddr != ` +
          `${pf.allowedCidr} drop comment "pf=${pf.id} allowed source"`,
      ),
    prerouting: [
      `dnat ip to ip daddr map @${mapName.eipDnat} comment "eip"`,
      `dnat ip to ip daddr . tcp dport map @${mapName.pf('tcp')} comment "pf tcp"`,
      `dnat ip to ip daddr . udp dport map @${mapName.pf('udp')} comment "pf udp"`,
    ],
    postrouting: [
      // R-RT-1: traffic routed to another network through a route entry keeps its source address.
      `ip daddr @no_snat return comment "route tables"`,
      ...cfg.nics
        .filter((n) => n.role === 'public')
        .map((n) => `oifname "${n.name}" snat ip to ip saddr map @${mapName.eipSnat(n.name)} comment "eip"`),
      ...cfg.snat.map((s) => `oifname "${s.outNic}" ip saddr ${s.sourceCidr} snat to ${s.toAddress} comment "snat l3=${s.l3Id}"`),
    ],
  };
}

const CHAINS = {
  prefilter: 'type filter hook prerouting priority dstnat - 10; policy accept;',
  prerouting: 'type nat hook prerouting priority dstnat; policy accept;',
  postrouting: 'type nat hook postrouting priority srcnat; policy accept;',
} as const;

/** The tables without map and VIP set elements, as nft text. */
export function nftSkeleton(cfg: VRouterConfig): string[] {
  const r = chainRules(cfg);
  return [
    `table ${A} {`,
    ...publicNics(cfg).flatMap((n) => [...setDecl('set', vipSetName(n.name), 'ipv4_addr'), ...arpChain(n)]),
    `}`,
    `table ${T} {`,
    ...mapsOf(cfg).flatMap(([m, type]) => setDecl('map', m, type)),
    ...setDecl('set', 'no_snat', 'ipv4_addr', r.routed, { flags: 'interval' }),
    ...(Object.keys(CHAINS) as Array<keyof typeof CHAINS>).flatMap((c) => chainDecl(c, r[c], CHAINS[c])),
    `}`,
  ];
}

const addElements = (m: string, entries: Iterable<[string, string]>) =>
  elementCommand(
    'add',
    NAT,
    m,
    [...entries].map(([k, v]) => element(k, v)),
  );

/**
 * Every map element as `add element` texts, one per map or set, built straight from the rules (this
 * runs on the apply path of a router with tens of thousands of elements).
 */
function renderElements(cfg: VRouterConfig): string[] {
  const byMap = new Map<string, string[]>();
  const push = (m: string, el: string) => {
    let list = byMap.get(m);
    if (!list) byMap.set(m, (list = []));
    list.push(el);
  };
  // Not through eipElements/pfElements' tuples (the same ./nft encoding, which the deltas delete by
  // key): this is the hot path of a full load, and the tuples cost ~40 ms at 10k + 10k (measured).
  for (const e of cfg.eips) {
    push(mapName.eipDnat, element(e.vip, e.target));
    push(mapName.eipSnat(e.nic), element(e.target, e.vip));
  }
  for (const pf of cfg.portForwards) {
    const m = mapName.pf(pf.protocol);
    for (let p = pf.vipPortStart; p <= pf.vipPortEnd; p++)
      push(m, element(concat(pf.vip, p), concat(pf.target, pf.targetPortStart + (p - pf.vipPortStart))));
  }
  const out: string[] = [];
  for (const [m, els] of byMap) out.push(`${elementCommand('add', NAT, m, els)}\n`);
  const vips = new Map<string, string[]>();
  const answering = new Set(publicNics(cfg).map((n) => n.name));
  for (const v of cfg.vips) if (answering.has(v.nic)) (vips.get(v.nic) ?? vips.set(v.nic, []).get(v.nic)!).push(v.ip);
  for (const [nic, ips] of vips) out.push(`${elementCommand('add', ARP, vipSetName(nic), ips)}\n`);
  return out;
}

/**
 * The vRouter's whole nftables state as one `nft -f` text, loaded as one transaction (R-HITLESS-1):
 * the skeleton replaces the tables (creating them empty, deleting them and defining them again —
 * `flush table` alone would keep map elements, FACTS.md), then the elements. No packet ever meets
 * the tables without their elements. Comments carry resource ids so `nft list` maps to rows.
 */
export function renderVRouterNft(cfg: VRouterConfig): string {
  return (
    [
      `# vRouter ${cfg.routerId} generation ${cfg.generation}`,
      `table ${T} {}`,
      `delete table ${T}`,
      `table ${A} {}`,
      `delete table ${A}`,
      ...nftSkeleton(cfg),
      '',
    ].join('\n') + renderElements(cfg).join('')
  );
}

/**
 * What the kernel's tables must hold for `cfg`, as counts: rules per chain (both tables) and
 * elements per map and VIP set. Checked at every status against `nft -j` (R-HITLESS-1): a chain
 * flushed or an element deleted by hand is drift whenever it happens, without a reference hash.
 */
export function expectedCounts(cfg: VRouterConfig): { rules: Map<string, number>; elements: Map<string, number> } {
  const r = chainRules(cfg);
  const rules = new Map<string, number>([
    [`${T} prefilter`, r.prefilter.length],
    [`${T} prerouting`, r.prerouting.length],
    [`${T} postrouting`, r.postrouting.length],
    ...publicNics(cfg).map((n) => [`${A} arp_${n.name}`, 1] as [string, number]),
  ]);
  const elements = new Map<string, number>(mapsOf(cfg).map(([m]) => [`${T} ${m}`, 0]));
  const bump = (key: string, by = 1) => elements.set(key, (elements.get(key) ?? 0) + by);
  for (const e of cfg.eips) {
    bump(`${T} ${mapName.eipDnat}`);
    bump(`${T} ${mapName.eipSnat(e.nic)}`);
  }
  for (const pf of cfg.portForwards) bump(`${T} ${mapName.pf(pf.protocol)}`, pf.vipPortEnd - pf.vipPortStart + 1);
  const answering = new Set(publicNics(cfg).map((n) => n.name));
  for (const n of answering) elements.set(`${A} ${vipSetName(n)}`, 0);
  for (const v of new Set(cfg.vips.filter((x) => answering.has(x.nic)).map((x) => `${A} ${vipSetName(x.nic)} ${x.ip}`)))
    bump(v.split(' ').slice(0, 3).join(' '));
  return { rules, elements };
}

/** Counts of rules per chain and elements per map/set from `nft -j list table …` outputs, keyed as {@link expectedCounts}. */
export function observedCounts(jsons: string[]): { rules: Map<string, number>; elements: Map<string, number> } {
  const rules = new Map<string, number>();
  const elements = new Map<string, number>();
  for (const json of jsons) {
    const doc = JSON.parse(json) as {
      nftables: Array<{
        rule?: { family: string; table: string; chain: string };
        chain?: { family: string; table: string; name: string };
        map?: { family: string; table: string; name: string; elem?: unknown[] };
        set?: { family: string; table: string; name: string; elem?: unknown[] };
      }>;
    };
    for (const item of doc.nftables) {
      if (item.chain) rules.set(`${item.chain.family} ${item.chain.table} ${item.chain.name}`, 0);
      if (item.rule) {
        const key = `${item.rule.family} ${item.rule.table} ${item.rule.chain}`;
        rules.set(key, (rules.get(key) ?? 0) + 1);
      }
      const m = item.map ?? item.set;
      if (m) elements.set(`${m.family} ${m.table} ${m.name}`, m.elem?.length ?? 0);
    }
  }
  return { rules, elements };
}

/** The maps that steer flows to a VM: a key re-pointed or removed means its connections must be forgotten. */
export const FLUSHED_MAPS = [mapName.eipDnat, mapName.pf('tcp'), mapName.pf('udp')] as const;

/**
 * Per flow-steering map, the keys the kernel holds (`kernel`, as read before a full apply) that
 * `cfg` maps elsewhere or not at all: the keys of `changed` in an {@link NftDelta}.
 */
export function flowsToForget(kernel: Map<string, Map<string, string>>, cfg: VRouterConfig): Map<string, string[]> {
  const want = new Map<string, Map<string, string>>(FLUSHED_MAPS.map((m) => [m, new Map()]));
  for (const e of cfg.eips) for (const [m, k, v] of eipElements(e)) want.get(m)?.set(k, v);
  for (const pf of cfg.portForwards) for (const [m, k, v] of pfElements(pf)) want.get(m)?.set(k, v);
  const out = new Map<string, string[]>();
  for (const [m, els] of kernel) {
    const keys = [...els].filter(([k, v]) => want.get(m)?.get(k) !== v).map(([k]) => k);
    if (keys.length) out.set(m, keys);
  }
  return out;
}

export interface NftDelta {
  /** The `nft -f` text; empty when nothing changed. */
  text: string;
  /** VIPs that appear with this change (announced by gratuitous ARP). */
  addedVips: Array<{ ip: string; nic: string }>;
  /** Per map, keys whose element was removed or now points elsewhere: their connections must be forgotten. */
  changed: Map<string, string[]>;
}

/** Index of the first position where two lists differ (configs keep their order: appends are cheap to diff). */
function commonPrefix<T>(a: T[], b: T[], same: (x: T, y: T) => boolean): number {
  let i = 0;
  while (i < a.length && i < b.length && same(a[i]!, b[i]!)) i++;
  return i;
}

const sameEip = (a: Eip, b: Eip) => a.id === b.id && a.vip === b.vip && a.target === b.target && a.nic === b.nic;
const samePf = (a: Pf, b: Pf) =>
  a.id === b.id &&
  a.protocol === b.protocol &&
  a.vip === b.vip &&
  a.vipPortStart === b.vipPortStart &&
  a.vipPortEnd === b.vipPortEnd &&
  a.target === b.target &&
  a.targetPortStart === b.targetPortStart;

/** Rules present in `b` and not (equal) in `a`, past their common prefix: O(N) comparisons, O(changes) elements. */
function changedRules<T extends { id: string }>(a: T[], b: T[], same: (x: T, y: T) => boolean): { gone: T[]; added: T[] } {
  const p = commonPrefix(a, b, same);
  const restA = a.slice(p);
  const restB = b.slice(p);
  const byIdB = new Map(restB.map((x) => [x.id, x]));
  const byIdA = new Map(restA.map((x) => [x.id, x]));
  return {
    gone: restA.filter((x) => {
      const y = byIdB.get(x.id);
      return !y || !same(x, y);
    }),
    added: restB.filter((y) => {
      const x = byIdA.get(y.id);
      return !x || !same(x, y);
    }),
  };
}

/** Per map: keys removed or re-pointed (their flows must be forgotten) and elements to add. */
export function elementChanges(prev: VRouterConfig, next: VRouterConfig) {
  const eips = changedRules(prev.eips, next.eips, sameEip);
  const pfs = changedRules(prev.portForwards, next.portForwards, samePf);
  const before = new Map<string, Map<string, string>>();
  const after = new Map<string, Map<string, string>>();
  const put = (into: Map<string, Map<string, string>>, [m, k, v]: [string, string, string]) => {
    if (!into.has(m)) into.set(m, new Map());
    into.get(m)!.set(k, v);
  };
  for (const e of eips.gone) for (const el of eipElements(e)) put(before, el);
  for (const pf of pfs.gone) for (const el of pfElements(pf)) put(before, el);
  for (const e of eips.added) for (const el of eipElements(e)) put(after, el);
  for (const pf of pfs.added) for (const el of pfElements(pf)) put(after, el);
  const changed = new Map<string, string[]>();
  const added = new Map<string, Array<[string, string]>>();
  for (const [m, els] of before) {
    const keys = [...els].filter(([k, v]) => after.get(m)?.get(k) !== v).map(([k]) => k);
    if (keys.length) changed.set(m, keys);
  }
  for (const [m, els] of after) {
    const list = [...els].filter(([k, v]) => before.get(m)?.get(k) !== v);
    if (list.length) added.set(m, list);
  }
  return { changed, added };
}

/**
 * From one applied config to the next in one transaction, without reloading map elements that did
 * not change: the skeleton's chains and set are rebuilt when they differ (few rules), maps of new
 * public NICs are added and those of removed ones deleted, then elements are deleted and added.
 */
export function renderVRouterNftDelta(prev: VRouterConfig, next: VRouterConfig): NftDelta {
  const lines: string[] = [];
  const a = chainRules(prev);
  const b = chainRules(next);
  const mapsA = new Map(mapsOf(prev));
  const mapsB = new Map(mapsOf(next));
  for (const [m, type] of mapsB) if (!mapsA.has(m)) lines.push(`add map ${T} ${m} { type ${type}; }`);
  for (const c of Object.keys(CHAINS) as Array<keyof typeof CHAINS>) {
    if (a[c].join('\n') === b[c].join('\n')) continue;
    lines.push(`flush chain ${T} ${c}`, ...b[c].map((l) => `add rule ${T} ${c} ${l}`));
  }
  if (a.routed.join() !== b.routed.join()) {
    lines.push(`flush set ${T} no_snat`);
    const routed = elementCommand('add', NAT, 'no_snat', b.routed);
    if (routed) lines.push(routed);
  }
  const { changed, added } = elementChanges(prev, next);
  for (const [m, keys] of changed) if (mapsB.has(m)) lines.push(elementCommand('delete', NAT, m, keys)!);
  for (const [m] of mapsA) if (!mapsB.has(m)) lines.push(`delete map ${T} ${m}`);
  for (const [m, els] of added) {
    const line = addElements(m, els);
    if (line) lines.push(line);
  }
  // The ARP responder: a chain and a set per public NIC, then the VIPs that came and went.
  const arpA = new Map(publicNics(prev).map((n) => [n.name, arpResponder(n)]));
  const arpB = new Map(publicNics(next).map((n) => [n.name, arpResponder(n)]));
  for (const [nic, rule] of arpB) {
    if (arpA.get(nic) === rule) continue;
    if (arpA.has(nic)) lines.push(`flush chain ${A} arp_${nic}`, `delete chain ${A} arp_${nic}`);
    lines.push(
      `add set ${A} ${vipSetName(nic)} { type ipv4_addr; }`,
      `add chain ${A} arp_${nic} { type filter hook ingress device "${nic}" priority 0; policy accept; }`,
      `add rule ${A} arp_${nic} ${rule}`,
    );
  }
  const vips = vipChanges(prev, next);
  for (const [nic, ips] of vips.gone) if (arpB.has(nic)) lines.push(elementCommand('delete', ARP, vipSetName(nic), ips)!);
  for (const nic of arpA.keys())
    if (!arpB.has(nic))
      lines.push(`flush chain ${A} arp_${nic}`, `delete chain ${A} arp_${nic}`, `delete set ${A} ${vipSetName(nic)}`);
  for (const [nic, ips] of vips.added) if (arpB.has(nic)) lines.push(elementCommand('add', ARP, vipSetName(nic), ips)!);
  return {
    text: lines.length ? lines.join('\n') + '\n' : '',
    changed,
    addedVips: [...vips.added].flatMap(([nic, ips]) => ips.map((ip) => ({ ip, nic }))),
  };
}

/** VIPs removed and added per NIC, past the lists' common prefix (configs keep their order). */
export function vipChanges(prev: VRouterConfig, next: VRouterConfig) {
  const same = (a: { ip: string; nic: string }, b: { ip: string; nic: string }) => a.ip === b.ip && a.nic === b.nic;
  const p = commonPrefix(prev.vips, next.vips, same);
  const key = (v: { ip: string; nic: string }) => `${v.ip} ${v.nic}`;
  const before = new Set(prev.vips.slice(p).map(key));
  const after = new Set(next.vips.slice(p).map(key));
  const group = (list: Array<{ ip: string; nic: string }>) => {
    const out = new Map<string, string[]>();
    for (const v of list) (out.get(v.nic) ?? out.set(v.nic, []).get(v.nic)!).push(v.ip);
    return out;
  };
  return {
    gone: group(prev.vips.slice(p).filter((v) => !after.has(key(v)))),
    added: group(next.vips.slice(p).filter((v) => !before.has(key(v)))),
  };
}
