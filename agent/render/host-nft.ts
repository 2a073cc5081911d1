import type { HostConfig } from '../protocol/host';
import { deviceNames } from '../protocol/host';
import { chainDecl, element, replaceTable, setDecl } from './nft';

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
  return [
    `# host ${cfg.hostId} generation ${cfg.generation}`,
    ...replaceTable({ family: 'bridge', name: HOST_TABLE }, [
      ...setDecl(
        'set',
        'uplinks',
        'ifname',
        uplinks.map((ifname) => element({ ifname })),
        { multiline: true },
      ),
      ...setDecl(
        'set',
        'dhcp_servers',
        'ipv4_addr',
        dhcpIps.map((ip) => element(ip)),
        { multiline: true },
      ),
      ...chainDecl(
        'forward',
        [
          'oifname @uplinks udp sport 67 udp dport 68 drop comment "local DHCP replies stay on this host"',
          `iifname @uplinks udp sport 68 udp dport 67 drop comment "other hosts' DHCP requests"`,
          'oifname @uplinks arp operation reply arp saddr ip @dhcp_servers drop comment "DHCP server ARP stays local"',
          'iifname @uplinks arp operation request arp daddr ip @dhcp_servers drop comment "remote ARP for a DHCP server"',
        ],
        'type filter hook forward priority filter; policy accept;',
      ),
    ]),
    '',
  ].join('\n');
}
