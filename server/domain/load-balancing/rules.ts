import { refuse, type RuleResult, ErrorCodes as E } from '../errors';
import { checkServedNic, type NicFacts, type VipFacts } from '../vrouter-services/rules';

/**
 * Load balancing (SPEC R-LB-1 … R-LB-5, the seed's section 4.7): the pure rules a listener, its
 * health check, its backends and its forwarding policies must satisfy. Services call them inside
 * the transaction that writes; forms show the same refusals beside their fields.
 */

export const LISTENER_PROTOCOLS = ['tcp', 'http', 'https', 'udp'] as const;
export type ListenerProtocol = (typeof LISTENER_PROTOCOLS)[number];
export const HEALTH_PROTOCOLS = ['tcp', 'http', 'udp'] as const;
export type HealthProtocol = (typeof HEALTH_PROTOCOLS)[number];
export const HTTP_CODE_CLASSES = ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'] as const;
export type HttpCodeClass = (typeof HTTP_CODE_CLASSES)[number];
export const ALGORITHMS = ['round-robin', 'least-connections', 'source-hash', 'weighted-round-robin'] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

/** R-LB-2: a TCP, HTTP or HTTPS listener is checked over TCP or HTTP; a UDP listener over UDP. */
export const HEALTH_PROTOCOLS_FOR: Record<ListenerProtocol, readonly HealthProtocol[]> = {
  tcp: ['tcp', 'http'],
  http: ['tcp', 'http'],
  https: ['tcp', 'http'],
  udp: ['udp'],
};

/** The port space a listener takes on its VIP: TCP, HTTP and HTTPS all listen on TCP. */
export const portFamily = (p: ListenerProtocol): 'tcp' | 'udp' => (p === 'udp' ? 'udp' : 'tcp');

/**
 * The seed's defaults (R-LB-2); where the seed names no limit, ours (say so in the form):
 * thresholds 1–10, interval 1–300 s, idle timeout 1–3600 s, weight 1–100.
 */
export const LISTENER_DEFAULTS = {
  healthCheck: {
    /** The listener's own family: TCP for TCP/HTTP/HTTPS, UDP for UDP (the seed allows HTTP for the first three). */
    protocol: (p: ListenerProtocol): HealthProtocol => (p === 'udp' ? 'udp' : 'tcp'),
    httpCodes: ['http_2xx', 'http_3xx'] as HttpCodeClass[],
    method: 'HEAD' as const,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
    intervalSeconds: 5,
    /** null: the VM port. */
    port: null as number | null,
  },
  idleTimeoutSeconds: 60,
  maxConnections: 100_000,
  algorithm: 'round-robin' as Algorithm,
  weight: 1,
};
export const LIMITS = {
  threshold: { min: 1, max: 10 },
  intervalSeconds: { min: 1, max: 300 },
  idleTimeoutSeconds: { min: 1, max: 3600 },
  maxConnections: { min: 1, max: 100_000 },
  weight: { min: 1, max: 100 },
  uriLength: { min: 2, max: 80 },
};

const isPort = (p: number) => Number.isInteger(p) && p >= 1 && p <= 65535;
const within = (x: number, r: { min: number; max: number }) => Number.isInteger(x) && x >= r.min && x <= r.max;

/** R-LB-2: the LB port and the VM port are ports (1–65535), and so is a health-check port that is set. */
export function checkListenerPorts(input: { lbPort: number; vmPort: number; healthCheckPort?: number | null }): RuleResult {
  if (!isPort(input.lbPort)) return refuse(E.PORT_RANGE_INVALID, 'A port from 1 to 65535.', 'lbPort');
  if (!isPort(input.vmPort)) return refuse(E.PORT_RANGE_INVALID, 'A port from 1 to 65535.', 'vmPort');
  if (input.healthCheckPort !== null && input.healthCheckPort !== undefined && !isPort(input.healthCheckPort))
    return refuse(E.PORT_RANGE_INVALID, 'A port from 1 to 65535, or empty for the VM port.', 'healthCheckPort');
  return undefined;
}

/**
 * R-LB-2: a health-check URI is 2–80 characters of letters, digits and `-/.%?#&`, starts with `/`
 * and is not all slashes (`/healthcheck.html` ✓, `//` ✗, `/a b` ✗).
 */
export function checkHealthCheckUri(uri: string): RuleResult {
  const field = 'healthCheckUri';
  if (uri.length < LIMITS.uriLength.min || uri.length > LIMITS.uriLength.max)
    return refuse(E.INVALID_INPUT, `From ${LIMITS.uriLength.min} to ${LIMITS.uriLength.max} characters.`, field);
  if (!/^[A-Za-z0-9\-/.%?#&]+$/.test(uri))
    return refuse(E.INVALID_INPUT, 'Only letters, digits and - / . % ? # & may be used.', field);
  if (!uri.startsWith('/')) return refuse(E.INVALID_INPUT, 'The URI starts with /, e.g. /healthcheck.html.', field);
  if (/^\/+$/.test(uri)) return refuse(E.INVALID_INPUT, 'The URI names a page, not only slashes.', field);
  return undefined;
}

export interface HealthCheckInput {
  protocol: HealthProtocol;
  /** HTTP only. */
  httpCodes?: readonly string[];
  uri?: string | null;
  method?: 'HEAD' | 'GET';
  healthyThreshold: number;
  unhealthyThreshold: number;
  intervalSeconds: number;
}

/** R-LB-2: the health check fits the listener's protocol; an HTTP check names a URI and at least one status class. */
export function checkHealthCheck(listener: ListenerProtocol, hc: HealthCheckInput): RuleResult {
  const allowed = HEALTH_PROTOCOLS_FOR[listener];
  if (!allowed.includes(hc.protocol))
    return refuse(
      E.INVALID_INPUT,
      `A ${listener.toUpperCase()} listener is checked over ${allowed.map((p) => p.toUpperCase()).join(' or ')}.`,
      'healthCheckProtocol',
    );
  if (hc.protocol === 'http') {
    const codes = hc.httpCodes ?? [];
    if (codes.length === 0) return refuse(E.INVALID_INPUT, 'Choose at least one status class.', 'healthCheckHttpCodes');
    const unknown = codes.find((c) => !(HTTP_CODE_CLASSES as readonly string[]).includes(c));
    if (unknown)
      return refuse(E.INVALID_INPUT, `"${unknown}" is not one of ${HTTP_CODE_CLASSES.join(', ')}.`, 'healthCheckHttpCodes');
    if (!hc.uri)
      return refuse(E.INVALID_INPUT, 'An HTTP check needs the page to ask for, e.g. /healthcheck.html.', 'healthCheckUri');
    const uri = checkHealthCheckUri(hc.uri);
    if (uri) return uri;
    if (hc.method && hc.method !== 'HEAD' && hc.method !== 'GET')
      return refuse(E.INVALID_INPUT, 'HEAD or GET.', 'healthCheckMethod');
  }
  for (const [field, value] of [
    ['healthyThreshold', hc.healthyThreshold],
    ['unhealthyThreshold', hc.unhealthyThreshold],
  ] as const)
    if (!within(value, LIMITS.threshold))
      return refuse(E.INVALID_INPUT, `A whole number of checks from ${LIMITS.threshold.min} to ${LIMITS.threshold.max}.`, field);
  if (!within(hc.intervalSeconds, LIMITS.intervalSeconds))
    return refuse(
      E.INVALID_INPUT,
      `Whole seconds from ${LIMITS.intervalSeconds.min} to ${LIMITS.intervalSeconds.max}.`,
      'healthCheckIntervalSeconds',
    );
  return undefined;
}

/** R-LB-2: max connections 1–100000; idle timeout in whole seconds; the algorithm is one of the four. */
export function checkListenerLimits(input: {
  maxConnections: number;
  idleTimeoutSeconds: number;
  algorithm: string;
}): RuleResult {
  if (!within(input.maxConnections, LIMITS.maxConnections))
    return refuse(E.INVALID_INPUT, 'From 1 to 100000 connections.', 'maxConnections');
  if (!within(input.idleTimeoutSeconds, LIMITS.idleTimeoutSeconds))
    return refuse(
      E.INVALID_INPUT,
      `Whole seconds from ${LIMITS.idleTimeoutSeconds.min} to ${LIMITS.idleTimeoutSeconds.max}.`,
      'idleTimeoutSeconds',
    );
  if (!(ALGORITHMS as readonly string[]).includes(input.algorithm))
    return refuse(E.INVALID_INPUT, `One of ${ALGORITHMS.join(', ')}.`, 'algorithm');
  return undefined;
}

/**
 * R-LB-2 for UDP: the kernel balances UDP (haproxy has none) by a counter or a hash of the source,
 * and has no count of a backend's connections — least-connections is TCP, HTTP and HTTPS only.
 */
export function checkAlgorithmFor(protocol: ListenerProtocol, algorithm: Algorithm): RuleResult {
  if (protocol === 'udp' && algorithm === 'least-connections')
    return refuse(
      E.INVALID_INPUT,
      'A UDP listener balances round-robin, weighted round-robin or by source address; least-connections needs TCP.',
      'algorithm',
    );
  return undefined;
}

/** R-LB-2: a backend's weight is 1–100; a weight other than the default only means something with weighted round-robin. */
export function checkBackendWeight(algorithm: Algorithm, weight: number): RuleResult {
  if (!within(weight, LIMITS.weight))
    return refuse(E.INVALID_INPUT, `A whole number from ${LIMITS.weight.min} to ${LIMITS.weight.max}.`, 'weight');
  if (algorithm !== 'weighted-round-robin' && weight !== LISTENER_DEFAULTS.weight)
    return refuse(E.INVALID_INPUT, 'Weights apply to weighted round-robin; choose that algorithm first.', 'weight');
  return undefined;
}

/**
 * R-LB-1: a load balancer's VIP may be new or existing, a vRouter's system VIP included — but not a
 * VIP that backs an EIP (R-EIP-1: an EIP takes its VIP whole).
 */
export function checkLbVip(vip: VipFacts): RuleResult {
  if (vip.usedBy.eip)
    return refuse(E.VIP_NOT_ALLOWED, `"${vip.name}" backs an EIP, which takes the whole VIP (R-EIP-1).`, 'vipId');
  return undefined;
}

/**
 * R-LB-2: one listener per (port family, LB port) on a VIP — TCP, HTTP and HTTPS share TCP's ports —
 * and never on a port that a port-forwarding rule of the same VIP and protocol takes (R-PF-2).
 */
export function checkListenerPortFree(
  mine: { protocol: ListenerProtocol; lbPort: number },
  ctx: {
    listeners: Array<{ name: string; protocol: ListenerProtocol; lbPort: number }>;
    portForwards: Array<{ name: string; protocol: 'tcp' | 'udp'; vipPortStart: number; vipPortEnd: number }>;
  },
): RuleResult {
  const family = portFamily(mine.protocol);
  const listener = ctx.listeners.find((l) => portFamily(l.protocol) === family && l.lbPort === mine.lbPort);
  if (listener)
    return refuse(
      E.PORT_RANGE_OVERLAP,
      `${family.toUpperCase()} port ${mine.lbPort} of this VIP is taken by listener "${listener.name}".`,
      'lbPort',
    );
  const pf = ctx.portForwards.find((p) => p.protocol === family && p.vipPortStart <= mine.lbPort && mine.lbPort <= p.vipPortEnd);
  if (pf)
    return refuse(
      E.PORT_RANGE_OVERLAP,
      `${family.toUpperCase()} port ${mine.lbPort} of this VIP is forwarded by "${pf.name}" (ports ${pf.vipPortStart}–${pf.vipPortEnd}).`,
      'lbPort',
    );
  return undefined;
}

/** R-LB-2 seen from port forwarding (R-PF-2): a forwarded range of a VIP never takes a listener's port. */
export function checkPfClearOfListeners(
  pf: { protocol: 'tcp' | 'udp'; vipPortStart: number; vipPortEnd: number },
  listeners: Array<{ name: string; protocol: ListenerProtocol; lbPort: number }>,
): RuleResult {
  const l = listeners.find(
    (x) => portFamily(x.protocol) === pf.protocol && pf.vipPortStart <= x.lbPort && x.lbPort <= pf.vipPortEnd,
  );
  if (l)
    return refuse(
      E.PORT_RANGE_OVERLAP,
      `${pf.protocol.toUpperCase()} port ${l.lbPort} of this VIP is taken by load balancer listener "${l.name}".`,
      'vipPortStart',
    );
  return undefined;
}

/**
 * R-LB-3: a backend is a VM NIC on a vRouter network whose router reaches the LB's VIP (its system
 * VIP only when the router is its own), and all NICs of one load balancer are on networks of the
 * same vRouter (`lbRouterIds`: the routers serving the NICs bound to any of its listeners). A NIC is
 * bound to a listener once.
 */
export function checkBackendBind(
  vip: VipFacts,
  nic: NicFacts,
  ctx: { lbRouterIds: string[]; boundToListener: boolean },
): RuleResult {
  if (ctx.boundToListener) return refuse(E.BIND_NOT_ALLOWED, 'This NIC is a backend of the listener already.', 'nicId');
  const served = checkServedNic(nic, vip);
  if (served) return served;
  return checkOneRouterPerVip(nic.routerId, ctx.lbRouterIds);
}

/**
 * R-LB-3, and what holding a VIP means: one vRouter answers for a VIP, so every NIC bound to
 * anything on it — a load balancer's backends, a port forward's target — is on networks of that
 * router. `routerIds`: the routers serving the NICs bound on the VIP already.
 */
export function checkOneRouterPerVip(nicRouterId: string | null, routerIds: readonly string[]): RuleResult {
  if (routerIds.some((r) => r !== nicRouterId))
    return refuse(
      E.BIND_NOT_ALLOWED,
      'What this VIP serves is on networks of another vRouter; all of it must be served by one vRouter (R-LB-3).',
      'nicId',
    );
  return undefined;
}

export interface PolicyInput {
  name: string;
  /** A host name (`www.example.com`) or a wildcard of one level (`*.example.com`); null: any host. */
  host: string | null;
  /** A path prefix starting with `/`; null: any path. */
  pathPrefix: string | null;
  /** The backend group the matching requests go to. */
  group: string;
}

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * R-LB-5: forwarding policies of an HTTP or HTTPS listener, evaluated in their order (first match
 * wins; requests no policy matches go to the default group). A policy matches a host and/or a path
 * prefix and names one of the listener's backend groups; no two policies match the same requests.
 */
export function checkPolicies(
  listener: ListenerProtocol,
  policies: readonly PolicyInput[],
  groups: readonly string[],
): RuleResult {
  if (policies.length === 0) return undefined;
  if (listener !== 'http' && listener !== 'https')
    return refuse(
      E.INVALID_INPUT,
      'Forwarding policies read HTTP requests: only HTTP and HTTPS listeners have them.',
      'policies',
    );
  const seen = new Map<string, string>();
  for (const [i, p] of policies.entries()) {
    const at = (f: string) => `policies.${i}.${f}`;
    if (!p.name.trim()) return refuse(E.INVALID_INPUT, 'Give the policy a name.', at('name'));
    if (!p.host && !p.pathPrefix) return refuse(E.INVALID_INPUT, 'Match a host, a path prefix, or both.', at('host'));
    if (p.host && (p.host.length > 253 || !HOST.test(p.host)))
      return refuse(E.INVALID_INPUT, `"${p.host}" is not a host name such as www.example.com or *.example.com.`, at('host'));
    if (p.pathPrefix && (!p.pathPrefix.startsWith('/') || p.pathPrefix.length > 128 || /[\s"'\\]/.test(p.pathPrefix)))
      return refuse(
        E.INVALID_INPUT,
        'A path prefix starts with / and has no spaces or quotes (at most 128 characters).',
        at('pathPrefix'),
      );
    if (!groups.includes(p.group)) return refuse(E.NOT_FOUND, `The listener has no backend group "${p.group}".`, at('group'));
    const key = `${p.host ?? '*'} ${p.pathPrefix ?? '/'}`;
    const twin = seen.get(key);
    if (twin) return refuse(E.INVALID_INPUT, `"${twin}" matches the same requests and comes first.`, at('host'));
    seen.set(key, p.name);
  }
  return undefined;
}
