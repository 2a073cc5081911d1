import type { VRouterConfig } from '../protocol/vrouter';

/**
 * R-DNS-1: dnsmasq as the private networks' DNS forwarder, listening only on the gateway addresses
 * and forwarding to the L3s' DNS servers. Returns null when the router serves no DNS.
 */
export function renderDnsForwarder(cfg: VRouterConfig, paths: { pidFile: string }): string | null {
  if (!cfg.dns) return null;
  return [
    `# vRouter ${cfg.routerId} DNS forwarder (generation ${cfg.generation})`,
    'port=53',
    'no-resolv',
    'no-hosts',
    'no-poll',
    'bind-interfaces',
    ...cfg.dns.listen.map((ip) => `listen-address=${ip}`),
    ...cfg.dns.upstreams.map((ip) => `server=${ip}`),
    'cache-size=1000',
    `pid-file=${paths.pidFile}`,
    '',
  ].join('\n');
}
