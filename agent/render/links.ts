import type { VRouterConfig } from '../protocol/vrouter';

/** What `ip -j addr` and `ip -j route` report, reduced to what the agent manages. */
export interface ObservedLink {
  name: string;
  up: boolean;
  mtu: number;
  /** IPv4 addresses with prefix, scope global. */
  addresses: string[];
}
export interface ObservedRoute {
  destination: string; // "default" or a CIDR
  via?: string;
  dev?: string;
  protocol?: string;
}

/** Protocol number that marks the routes an agent owns (rt_protos: 1–255; 188 is unassigned). */
export const ROUTE_PROTO = 188;

/**
 * The `ip -batch` lines that turn the observed links and routes into the desired ones. Only NICs the
 * config names are touched; only routes carrying ROUTE_PROTO are removed. Empty when nothing differs.
 */
export function planLinks(observed: { links: ObservedLink[]; routes: ObservedRoute[] }, cfg: VRouterConfig): string[] {
  const out: string[] = [];
  const byName = new Map(observed.links.map((l) => [l.name, l]));
  const desired = desiredAddresses(cfg);
  for (const nic of cfg.nics) {
    const have = byName.get(nic.name);
    if (!have) throw new Error(`NIC ${nic.name} does not exist on this router`);
    if (nic.mtu && have.mtu !== nic.mtu) out.push(`link set dev ${nic.name} mtu ${nic.mtu}`);
    if (!have.up) out.push(`link set dev ${nic.name} up`);
    const want = desired.get(nic.name)!;
    const got = new Set(have.addresses);
    for (const a of have.addresses) if (!want.has(a)) out.push(`addr del ${a} dev ${nic.name}`);
    for (const a of want) if (!got.has(a)) out.push(`addr add ${a} dev ${nic.name}`);
  }
  return [...out, ...planRoutes(observed.routes, cfg)];
}

/**
 * The `ip -batch` lines that turn the observed routes into the config's: only routes carrying
 * ROUTE_PROTO are ours to remove. The console's rule preview shows these lines too.
 */
export function planRoutes(observed: ObservedRoute[], cfg: VRouterConfig): string[] {
  const out: string[] = [];
  const wanted = new Map<string, { via: string; dev?: string }>();
  if (cfg.defaultRoute) wanted.set('default', { via: cfg.defaultRoute.via, dev: cfg.defaultRoute.nic });
  for (const r of cfg.routes) wanted.set(r.destination, { via: r.via });
  const ours = observed.filter((r) => r.protocol === String(ROUTE_PROTO));
  for (const r of ours) {
    const w = wanted.get(r.destination);
    if (!w || w.via !== r.via || (w.dev && w.dev !== r.dev)) out.push(`route del ${r.destination} proto ${ROUTE_PROTO}`);
  }
  for (const [dest, w] of wanted) {
    const have = ours.find((r) => r.destination === dest);
    if (!have || have.via !== w.via || (w.dev && w.dev !== have.dev)) {
      out.push(`route replace ${dest} via ${w.via}${w.dev ? ` dev ${w.dev}` : ''} proto ${ROUTE_PROTO}`);
    }
  }
  return out;
}

/** The routes an agent that applied this config reports as its own. */
export function routesOf(cfg: VRouterConfig): ObservedRoute[] {
  return [
    ...(cfg.defaultRoute ? [{ destination: 'default', via: cfg.defaultRoute.via, dev: cfg.defaultRoute.nic }] : []),
    ...cfg.routes.map((r) => ({ destination: r.destination, via: r.via })),
  ].map((r) => ({ ...r, protocol: String(ROUTE_PROTO) }));
}

/** Every address each NIC should hold. */
export function desiredAddresses(cfg: VRouterConfig): Map<string, Set<string>> {
  return new Map(cfg.nics.map((n) => [n.name, new Set(n.addresses)]));
}

/**
 * VIP routes (`table local`, our protocol) that an earlier agent version installed: VIPs are now
 * answered by the nftables ARP responder, so a full apply removes these.
 */
export function planLegacyVipRoutes(observed: Array<{ ip: string; nic: string }>): string[] {
  return observed.map((v) => `route del local ${v.ip} dev ${v.nic} table local proto ${ROUTE_PROTO}`);
}

/** NICs, their addresses and the routes. */
function linkSkeleton(cfg: VRouterConfig): string {
  return JSON.stringify([cfg.nics, cfg.defaultRoute, cfg.routes]);
}

/** Whether NICs, their addresses and the routes are as in the previously applied config. */
export function linksUnchanged(prev: VRouterConfig, next: VRouterConfig): boolean {
  return linkSkeleton(prev) === linkSkeleton(next);
}

/** The legacy VIP routes, from `ip -j -N route show table local`. */
export function parseVipRoutes(json: string): Array<{ ip: string; nic: string }> {
  // Numeric output (-N): in table local, protocol 188 marks exactly our VIP routes.
  return (JSON.parse(json) as Array<{ dst: string; dev?: string; protocol?: string | number }>)
    .filter((r) => String(r.protocol) === String(ROUTE_PROTO) && r.dev)
    .map((r) => ({ ip: r.dst.replace(/\/32$/, ''), nic: r.dev! }));
}

interface IpAddrJson {
  ifname: string;
  flags?: string[];
  mtu?: number;
  operstate?: string;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}
interface IpRouteJson {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string | number;
}

export function parseIpAddr(json: string): ObservedLink[] {
  return (JSON.parse(json) as IpAddrJson[]).map((l) => ({
    name: l.ifname,
    up: (l.flags ?? []).includes('UP'),
    mtu: l.mtu ?? 1500,
    addresses: (l.addr_info ?? [])
      .filter((a) => a.family === 'inet' && a.scope !== 'host')
      .map((a) => `${a.local}/${a.prefixlen}`),
  }));
}

export function parseIpRoute(json: string): ObservedRoute[] {
  return (JSON.parse(json) as IpRouteJson[]).map((r) => ({
    destination: r.dst,
    via: r.gateway,
    dev: r.dev,
    protocol: r.protocol === undefined ? undefined : String(r.protocol),
  }));
}
