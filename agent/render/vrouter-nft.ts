import type { VRouterConfig } from '../protocol/vrouter';

export const VROUTER_TABLE = 'cr_vrouter';

/**
 * The vRouter's whole nftables state as one `nft -f` transaction. Creating the table empty,
 * deleting it and defining it again in the same file replaces everything atomically — `flush table`
 * alone would keep map elements (FACTS.md). Comments carry resource ids so `nft list` maps to rows.
 */
export function renderVRouterNft(cfg: VRouterConfig): string {
  const snat = cfg.snat.map(
    (s) => `\t\toifname "${s.outNic}" ip saddr ${s.sourceCidr} snat to ${s.toAddress} comment "snat l3=${s.l3Id}"`,
  );
  return [
    `# vRouter ${cfg.routerId} generation ${cfg.generation}`,
    `table ip ${VROUTER_TABLE} {}`,
    `delete table ip ${VROUTER_TABLE}`,
    `table ip ${VROUTER_TABLE} {`,
    `\tchain postrouting {`,
    `\t\ttype nat hook postrouting priority srcnat; policy accept;`,
    ...snat,
    `\t}`,
    `}`,
    '',
  ].join('\n');
}
