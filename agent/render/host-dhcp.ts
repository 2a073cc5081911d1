import { intToIp, ipToInt, prefixToNetmask, subnetOf } from '../../lib/ipv4';
import type { HostDhcp } from '../protocol/host';

/** dnsmasq as one L3's DHCP server on one host: fixed leases only, no DNS (R-DHCP-1). */
export function renderDhcpConf(
  d: HostDhcp,
  paths: { hostsFile: string; leaseFile: string; pidFile: string; iface: string },
): string {
  const network = intToIp(subnetOf(ipToInt(d.serverIp), d.prefix).network);
  return [
    `# L3 ${d.l3Id} DHCP server at ${d.serverIp}`,
    'port=0',
    'no-resolv',
    'no-hosts',
    'bind-interfaces',
    `interface=${paths.iface}`,
    `dhcp-range=${network},static,${prefixToNetmask(d.prefix)},${d.leaseSeconds}`,
    ...(d.router ? [`dhcp-option=option:router,${d.router}`] : ['dhcp-option=option:router']),
    ...(d.dns.length ? [`dhcp-option=option:dns-server,${d.dns.join(',')}`] : []),
    `dhcp-hostsfile=${paths.hostsFile}`,
    // Unknown MACs (other hosts' VMs, strangers) get no answer.
    'dhcp-ignore=tag:!known',
    `dhcp-leasefile=${paths.leaseFile}`,
    `pid-file=${paths.pidFile}`,
    '',
  ].join('\n');
}

/** The fixed leases, reloaded by SIGHUP without restarting the server. */
export function renderDhcpHosts(d: HostDhcp): string {
  return d.leases.map((l) => `${l.mac},${l.ip}${l.hostname ? `,${l.hostname}` : ''}`).join('\n') + (d.leases.length ? '\n' : '');
}
