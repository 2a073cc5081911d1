import type { VRouterConfig } from '../protocol/vrouter';

export const VROUTER_TABLE = 'cr_vrouter';

/** The maps whose elements carry the per-service state; everything else is the table's skeleton. */
export const VROUTER_MAPS = ['eip_dnat', 'eip_snat', 'pf_tcp', 'pf_udp'] as const;
export type VRouterMap = (typeof VROUTER_MAPS)[number];

const MAP_TYPES: Record<VRouterMap, string> = {
  eip_dnat: 'ipv4_addr : ipv4_addr',
  eip_snat: 'ipv4_addr . ifname : ipv4_addr',
  pf_tcp: 'ipv4_addr . inet_service : ipv4_addr . inet_service',
  pf_udp: 'ipv4_addr . inet_service : ipv4_addr . inet_service',
};

/**
 * The elements of each map, key → value, as nft text. EIPs are one element per direction (R-EIP-2);
 * port forwarding is one element per VIP port, which is what keeps an offset (VIP:5900 → VM:6900,
 * FACTS.md: a range DNAT would not).
 */
export function nftElements(cfg: VRouterConfig): Record<VRouterMap, Map<string, string>> {
  const out = Object.fromEntries(VROUTER_MAPS.map((m) => [m, new Map<string, string>()])) as Record<VRouterMap, Map<string, string>>;
  for (const e of cfg.eips) {
    out.eip_dnat.set(e.vip, e.target);
    out.eip_snat.set(`${e.target} . "${e.nic}"`, e.vip);
  }
  for (const pf of cfg.portForwards) {
    const map = pf.protocol === 'tcp' ? out.pf_tcp : out.pf_udp;
    for (let p = pf.vipPortStart; p <= pf.vipPortEnd; p++) map.set(`${pf.vip} . ${p}`, `${pf.target} . ${pf.targetPortStart + (p - pf.vipPortStart)}`);
  }
  return out;
}

/**
 * Everything but the map elements. Two configs with the same skeleton differ only by elements, and
 * the router can move from one to the other by adding and deleting elements — O(changes), not
 * O(size) (FACTS.md: one element costs the same at 10k as at 1k).
 */
export function nftSkeleton(cfg: VRouterConfig): string[] {
  const routed = [...new Set(cfg.routes.map((r) => r.destination))];
  const restricted = cfg.portForwards.filter((pf) => pf.allowedCidr);
  const snat = cfg.snat.map((s) => `\t\toifname "${s.outNic}" ip saddr ${s.sourceCidr} snat to ${s.toAddress} comment "snat l3=${s.l3Id}"`);
  return [
    `table ip ${VROUTER_TABLE} {`,
    ...VROUTER_MAPS.map((m) => `\tmap ${m} { type ${MAP_TYPES[m]}; }`),
    // R-RT-1: traffic routed to another network through a route entry keeps its source address.
    `\tset no_snat { type ipv4_addr; flags interval;${routed.length ? ` elements = { ${routed.join(', ')} }` : ''} }`,
    `\tchain prefilter {`,
    `\t\ttype filter hook prerouting priority dstnat - 10; policy accept;`,
    ...restricted.map(
      (pf) => `\t\tip daddr ${pf.vip} ${pf.protocol} dport ${pf.vipPortStart}-${pf.vipPortEnd} ip saddr != ${pf.allowedCidr} drop comment "pf=${pf.id} allowed source"`,
    ),
    `\t}`,
    `\tchain prerouting {`,
    `\t\ttype nat hook prerouting priority dstnat; policy accept;`,
    `\t\tdnat ip to ip daddr map @eip_dnat comment "eip"`,
    `\t\tdnat ip to ip daddr . tcp dport map @pf_tcp comment "pf tcp"`,
    `\t\tdnat ip to ip daddr . udp dport map @pf_udp comment "pf udp"`,
    `\t}`,
    `\tchain postrouting {`,
    `\t\ttype nat hook postrouting priority srcnat; policy accept;`,
    `\t\tip daddr @no_snat return comment "route tables"`,
    `\t\tsnat ip to ip saddr . oifname map @eip_snat comment "eip"`,
    ...snat,
    `\t}`,
    `}`,
  ];
}

const elementList = (m: Map<string, string>) => [...m].map(([k, v]) => `${k} : ${v}`).join(', ');

/**
 * The vRouter's whole nftables state as one `nft -f` transaction. Creating the table empty,
 * deleting it and defining it again in the same file replaces everything atomically — `flush table`
 * alone would keep map elements (FACTS.md). Comments carry resource ids so `nft list` maps to rows.
 */
export function renderVRouterNft(cfg: VRouterConfig): string {
  const elements = nftElements(cfg);
  return [
    `# vRouter ${cfg.routerId} generation ${cfg.generation}`,
    `table ip ${VROUTER_TABLE} {}`,
    `delete table ip ${VROUTER_TABLE}`,
    ...nftSkeleton(cfg),
    ...VROUTER_MAPS.filter((m) => elements[m].size).map((m) => `add element ip ${VROUTER_TABLE} ${m} { ${elementList(elements[m])} }`),
    '',
  ].join('\n');
}

export interface NftDelta {
  /** The `nft -f` text; empty when nothing changed. */
  text: string;
  /** Keys whose element was removed or now points elsewhere: their connections must be forgotten. */
  changed: Record<VRouterMap, string[]>;
}

/** Per map: keys removed or re-pointed (their flows must be forgotten) and elements to add. */
export function elementChanges(prev: VRouterConfig, next: VRouterConfig) {
  const before = nftElements(prev);
  const after = nftElements(next);
  const changed = {} as Record<VRouterMap, string[]>;
  const added = {} as Record<VRouterMap, Array<[string, string]>>;
  for (const m of VROUTER_MAPS) {
    changed[m] = [...before[m]].filter(([k, v]) => after[m].get(k) !== v).map(([k]) => k);
    added[m] = [...after[m]].filter(([k, v]) => before[m].get(k) !== v);
  }
  return { changed, added };
}

/**
 * From one applied config to the next by elements only, in one transaction (deletes first, then
 * adds); null when the skeletons differ and the table must be replaced whole.
 */
export function renderVRouterNftDelta(prev: VRouterConfig, next: VRouterConfig): NftDelta | null {
  const a = nftSkeleton(prev);
  const b = nftSkeleton(next);
  if (a.length !== b.length || a.some((line, i) => line !== b[i])) return null;
  const { changed, added } = elementChanges(prev, next);
  const lines = [
    ...VROUTER_MAPS.filter((m) => changed[m].length).map((m) => `delete element ip ${VROUTER_TABLE} ${m} { ${changed[m].join(', ')} }`),
    ...VROUTER_MAPS.filter((m) => added[m].length).map((m) => `add element ip ${VROUTER_TABLE} ${m} { ${added[m].map(([k, v]) => `${k} : ${v}`).join(', ')} }`),
  ];
  return { text: lines.length ? lines.join('\n') + '\n' : '', changed };
}
