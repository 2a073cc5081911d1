import type { HostConfig } from '../protocol/host';
import { deviceNames } from '../protocol/host';

export const HOST_TABLE = 'cr_host';

/** The uplink device of a bridge as the host sees it. */
export function uplinkDevice(b: HostConfig['bridges'][number]): string {
  const u = b.uplink;
  return u.kind === 'nic' ? u.nic : u.kind === 'vlan' ? deviceNames.vlan(u.nic, u.vlanId) : deviceNames.vxlan(u.vni);
}

/**
 * R-DHCP-1, distributed: every host runs a DHCP server at the L3's one DHCP server IP, so none of
 * it may cross an uplink — DHCP replies never leave this host, requests from other hosts never
 * reach it, and ARP for the server IP is answered only locally. Sets hold the changing data.
 */
export function renderHostNft(cfg: HostConfig): string {
  const uplinks = [...new Set(cfg.bridges.map(uplinkDevice))];
  const dhcpIps = [...new Set(cfg.dhcp.map((d) => d.serverIp))];
  const elements = (xs: string[], quote: boolean) =>
    xs.length ? ` elements = { ${xs.map((x) => (quote ? `"${x}"` : x)).join(', ')} }` : '';
  return [
    `# host ${cfg.hostId} generation ${cfg.generation}`,
    `table bridge ${HOST_TABLE} {}`,
    `delete table bridge ${HOST_TABLE}`,
    `table bridge ${HOST_TABLE} {`,
    `\tset uplinks {`,
    `\t\ttype ifname;${elements(uplinks, true)}`,
    `\t}`,
    `\tset dhcp_servers {`,
    `\t\ttype ipv4_addr;${elements(dhcpIps, false)}`,
    `\t}`,
    `\tchain forward {`,
    `\t\ttype filter hook forward priority filter; policy accept;`,
    `\t\toifname @uplinks udp sport 67 udp dport 68 drop comment "local DHCP replies stay on this host"`,
    `\t\tiifname @uplinks udp sport 68 udp dport 67 drop comment "other hosts' DHCP requests"`,
    `\t\toifname @uplinks arp operation reply arp saddr ip @dhcp_servers drop comment "DHCP server ARP stays local"`,
    `\t\tiifname @uplinks arp operation request arp daddr ip @dhcp_servers drop comment "remote ARP for a DHCP server"`,
    `\t}`,
    `}`,
    '',
  ].join('\n');
}
