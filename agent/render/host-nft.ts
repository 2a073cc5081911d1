import type { HostConfig } from '../protocol/host';
import { deviceNames } from '../protocol/host';
import { chainDecl, concat, element, replaceTable, setDecl } from './nft';

export const HOST_TABLE = 'cr_host';

/** The uplink device of a bridge as the host sees it. */
export function uplinkDevice(b: HostConfig['bridges'][number]): string {
  const u = b.uplink;
  return u.kind === 'nic' ? u.nic : u.kind === 'vlan' ? deviceNames.vlan(u.nic, u.vlanId) : deviceNames.vxlan(u.vni);
}

/** A MAC as the 48-bit number a raw payload match compares with (the DHCP client hardware address). */
const macNumber = (mac: string) => `0x${mac.replace(/:/g, '')}`;

/**
 * R-SPOOF-1, on every guarded VM port whether or not it is in a security group (as ZStack's and
 * Neutron's port security do): a frame from the VM carries the port's MAC, an ARP packet its MAC
 * and address (0.0.0.0 for a probe), a DHCP request its MAC as client hardware address, an IPv4
 * packet its address (0.0.0.0 only to ask DHCP); nothing else leaves the port. One chain for
 * bridged frames and frames to the host, before the security groups tag them (priority -200);
 * ports and addresses are set elements.
 */
const GUARD_RULES = [
  'iifname . ether saddr != @port_mac drop comment "source MAC not the port\'s"',
  'iifname . arp saddr ether != @port_mac drop comment "ARP sender MAC not the port\'s"',
  'arp saddr ip != 0.0.0.0 iifname . arp saddr ip != @port_ip drop comment "ARP sender address not the port\'s"',
  'udp sport 68 udp dport 67 iifname . @th,288,48 != @port_chaddr drop comment "DHCP for another MAC"',
  'ip saddr 0.0.0.0 udp sport 68 udp dport 67 accept comment "DHCP before an address"',
  'iifname . ip saddr != @port_ip drop comment "source address not the port\'s"',
  'ether type != { ip, arp } drop comment "only IPv4 and ARP"',
];

/**
 * R-DHCP-1, distributed: every host runs a DHCP server at the L3's one DHCP server IP, so none of
 * it may cross an uplink — DHCP replies never leave this host, requests from other hosts never
 * reach it, and ARP for the server IP is answered only locally. And R-SPOOF-1 on VM ports (above).
 * Sets hold the changing data; the table is replaced whole in one transaction.
 */
export function renderHostNft(cfg: HostConfig): string {
  const uplinks = [...new Set(cfg.bridges.map(uplinkDevice))];
  const dhcpIps = [...new Set(cfg.dhcp.map((d) => d.serverIp))];
  const guarded = cfg.ports.filter((p): p is typeof p & { guard: { ips: string[] } } => p.guard !== null);
  const set = (name: string, type: string, elements: string[], typeof_ = false) =>
    typeof_
      ? [`\tset ${name} {`, `\t\ttypeof ${type};${elements.length ? ` elements = { ${elements.join(', ')} }` : ''}`, `\t}`]
      : setDecl('set', name, type, elements, { multiline: true });
  return [
    `# host ${cfg.hostId} generation ${cfg.generation}`,
    ...replaceTable({ family: 'bridge', name: HOST_TABLE }, [
      ...set(
        'uplinks',
        'ifname',
        uplinks.map((ifname) => element({ ifname })),
      ),
      ...set(
        'dhcp_servers',
        'ipv4_addr',
        dhcpIps.map((ip) => element(ip)),
      ),
      ...set(
        'vm_ports',
        'ifname',
        guarded.map((p) => element({ ifname: p.name })),
      ),
      ...set(
        'port_mac',
        'ifname . ether_addr',
        guarded.map((p) => concat({ ifname: p.name }, p.mac)),
      ),
      ...set(
        'port_chaddr',
        'iifname . @th,288,48',
        guarded.map((p) => concat({ ifname: p.name }, macNumber(p.mac))),
        true,
      ),
      ...set(
        'port_ip',
        'ifname . ipv4_addr',
        guarded.flatMap((p) => p.guard.ips.map((ip) => concat({ ifname: p.name }, ip))),
      ),
      ...chainDecl('guard', GUARD_RULES),
      ...chainDecl('guard_forward', ['iifname @vm_ports jump guard'], 'type filter hook forward priority -300; policy accept;'),
      ...chainDecl('guard_input', ['iifname @vm_ports jump guard'], 'type filter hook input priority -300; policy accept;'),
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
