import { z } from 'zod';
import { IfName, Ipv4, Ipv4Cidr, Mac, PROTOCOL_VERSION, Uuid } from './common';
import type { Patching, PatchIssue } from './patch';

const Port = z.number().int().min(1).max(65535);

/**
 * The full desired state of one vRouter, version 1. The server sends all of it (PUT), or a patch
 * against a generation the agent holds (PATCH, `patch.ts`); the agent makes the router match it
 * (R-DNS-1, R-SNAT-1 and the addressing of R-VM-2).
 */
export const VRouterNic = z.object({
  /** The NIC inside the router. The agent finds NICs by name; on a real router the name comes from the MAC before rendering. */
  name: IfName,
  role: z.enum(['management', 'public', 'private']),
  l3Id: Uuid,
  /** Addresses with prefix, e.g. "10.108.10.5/8". */
  addresses: z.array(Ipv4Cidr).min(1),
  mtu: z.number().int().min(576).max(9000).optional(),
  /** The NIC's MAC (the hypervisor sets it from the database): the ARP responder for VIPs answers with it. */
  mac: Mac.optional(),
});

const Weight = z.number().int().min(1).max(100);
const Group = z.string().regex(/^[A-Za-z0-9_-]{1,32}$/, 'a backend group name');
const Host = z
  .string()
  .max(253)
  .regex(/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, 'a host name');

/**
 * A load balancer listener (R-LB-2 … R-LB-5) on a VIP this router holds: TCP, HTTP and HTTPS are
 * haproxy's, UDP the kernel's. Backends are VM NICs on networks this router serves; their health
 * is the agent's to find out (haproxy's checks, the agent's own for UDP).
 */
export const LbListener = z.object({
  id: Uuid,
  /** For people reading the rendered files: written only in comments. */
  name: z.string().max(128),
  protocol: z.enum(['tcp', 'http', 'https', 'udp']),
  vip: Ipv4,
  lbPort: Port,
  vmPort: Port,
  algorithm: z.enum(['round-robin', 'least-connections', 'source-hash', 'weighted-round-robin']),
  maxConnections: z.number().int().min(1).max(100000),
  idleTimeoutSeconds: z.number().int().min(1).max(3600),
  healthCheck: z.object({
    protocol: z.enum(['tcp', 'http', 'udp']),
    httpCodes: z.array(z.enum(['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'])).max(4),
    uri: z
      .string()
      .regex(/^\/[A-Za-z0-9\-/.%?#&]{1,79}$/, 'a health-check URI')
      .nullable(),
    method: z.enum(['HEAD', 'GET']),
    healthyThreshold: z.number().int().min(1).max(10),
    unhealthyThreshold: z.number().int().min(1).max(10),
    intervalSeconds: z.number().int().min(1).max(300),
    /** null: the VM port. */
    port: Port.nullable(),
  }),
  /** HTTPS: one of `certificates`; an HTTPS listener without one is not served. */
  certificateId: Uuid.nullable(),
  backends: z.array(z.object({ nicId: Uuid, ip: Ipv4, weight: Weight, group: Group })).max(1024),
  policies: z
    .array(
      z.object({
        name: z.string().max(64),
        host: Host.nullable(),
        pathPrefix: z
          .string()
          .regex(/^\/[^\s"'\\]{0,127}$/, 'a path prefix')
          .nullable(),
        group: Group,
      }),
    )
    .max(64),
});

const VRouterConfigV1Fields = z.object({
  version: z.literal(PROTOCOL_VERSION),
  routerId: Uuid,
  generation: z.number().int().positive(),
  nics: z.array(VRouterNic).min(1),
  /** Default route: via the public network's gateway. */
  defaultRoute: z.object({ via: Ipv4, nic: IfName }).nullable(),
  /** Extra routes (route tables, later issues). */
  routes: z.array(z.object({ destination: Ipv4Cidr, via: Ipv4 })).default([]),
  /** R-SNAT-1: private CIDRs leave through a public NIC as its address. */
  snat: z.array(z.object({ sourceCidr: Ipv4Cidr, outNic: IfName, toAddress: Ipv4, l3Id: Uuid })).default([]),
  /** R-DNS-1: a forwarder on the private gateway addresses, to the L3s' DNS servers. */
  dns: z.object({ listen: z.array(Ipv4).min(1), upstreams: z.array(Ipv4) }).nullable(),
  /** VIPs other than the NICs' own addresses: the router answers ARP for them on their public NIC. */
  vips: z.array(z.object({ ip: Ipv4, nic: IfName })).default([]),
  /** R-EIP-2: 1:1 NAT — traffic to `vip` goes to `target`; `target`'s traffic out of `nic` leaves as `vip`. */
  eips: z.array(z.object({ id: Uuid, vip: Ipv4, target: Ipv4, nic: IfName })).default([]),
  /** R-PF-1: VIP ports → VM ports (same length), optionally only from `allowedCidr`. */
  portForwards: z
    .array(
      z.object({
        id: Uuid,
        protocol: z.enum(['tcp', 'udp']),
        vip: Ipv4,
        vipPortStart: Port,
        vipPortEnd: Port,
        target: Ipv4,
        targetPortStart: Port,
        allowedCidr: Ipv4Cidr.nullable().default(null),
      }),
    )
    .default([]),
  /** R-LB-2 … R-LB-5: the listeners of the load balancers whose backends this router serves. */
  listeners: z.array(LbListener).default([]),
  /** R-LB-4: what HTTPS listeners terminate TLS with — certificate, chain and private key, PEM, in that order. */
  certificates: z.array(z.object({ id: Uuid, pem: z.string().min(1).max(400_000) })).default([]),
});

/** The checks across one config's parts (the schema runs them; a patched config is checked with them alone). */
export function vrouterConfigIssues(cfg: z.infer<typeof VRouterConfigV1Fields>): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const names = new Set<string>();
  for (const [i, nic] of cfg.nics.entries()) {
    if (names.has(nic.name)) issues.push({ path: ['nics', i, 'name'], message: `NIC ${nic.name} appears twice` });
    names.add(nic.name);
  }
  for (const [i, s] of cfg.snat.entries()) {
    if (!names.has(s.outNic))
      issues.push({ path: ['snat', i, 'outNic'], message: `SNAT leaves through ${s.outNic}, which is not a NIC of this router` });
  }
  for (let i = 0; i < cfg.vips.length; i++) {
    const v = cfg.vips[i]!;
    if (!names.has(v.nic))
      issues.push({ path: ['vips', i, 'nic'], message: `VIP on ${v.nic}, which is not a NIC of this router` });
  }
  const dnat = new Set<string>();
  for (let i = 0; i < cfg.eips.length; i++) {
    const e = cfg.eips[i]!;
    if (dnat.has(e.vip)) issues.push({ path: ['eips', i, 'vip'], message: `VIP ${e.vip} has two EIPs` });
    dnat.add(e.vip);
  }
  // Forwarded ports per VIP as numbers (protocol and port): no string is made per rule — this runs on every patch at 10k rules.
  const ports = new Map<string, Set<number>>();
  for (let i = 0; i < cfg.portForwards.length; i++) {
    const pf = cfg.portForwards[i]!;
    if (pf.vipPortEnd < pf.vipPortStart || pf.targetPortStart + (pf.vipPortEnd - pf.vipPortStart) > 65535) {
      issues.push({ path: ['portForwards', i], message: 'port range out of bounds' });
      continue;
    }
    let taken = ports.get(pf.vip);
    if (!taken) ports.set(pf.vip, (taken = new Set()));
    const base = pf.protocol === 'tcp' ? 0 : 65536;
    for (let p = pf.vipPortStart; p <= pf.vipPortEnd; p++) {
      if (taken.has(base + p))
        issues.push({ path: ['portForwards', i], message: `${pf.protocol} ${pf.vip}:${p} is forwarded twice` });
      taken.add(base + p);
    }
  }
  const certs = new Set(cfg.certificates.map((c) => c.id));
  const listened = new Set<string>();
  for (let i = 0; i < cfg.listeners.length; i++) {
    const l = cfg.listeners[i]!;
    const family = l.protocol === 'udp' ? 'udp' : 'tcp';
    const key = `${family} ${l.vip}:${l.lbPort}`;
    if (listened.has(key)) issues.push({ path: ['listeners', i, 'lbPort'], message: `${key} has two listeners` });
    listened.add(key);
    if (ports.get(l.vip)?.has((family === 'tcp' ? 0 : 65536) + l.lbPort))
      issues.push({ path: ['listeners', i, 'lbPort'], message: `${key} is forwarded by a port forward too` });
    if (l.certificateId && !certs.has(l.certificateId))
      issues.push({ path: ['listeners', i, 'certificateId'], message: `certificate ${l.certificateId} is not in this config` });
    const groups = new Set(l.backends.map((b) => b.group));
    for (const [k, p] of l.policies.entries())
      if (p.group !== 'default' && !groups.has(p.group))
        issues.push({ path: ['listeners', i, 'policies', k, 'group'], message: `no backend is in group ${p.group}` });
  }
  if (cfg.defaultRoute && !names.has(cfg.defaultRoute.nic)) {
    issues.push({
      path: ['defaultRoute', 'nic'],
      message: `default route through ${cfg.defaultRoute.nic}, which is not a NIC of this router`,
    });
  }
  return issues;
}

export const VRouterConfigV1 = VRouterConfigV1Fields.superRefine((cfg, ctx) => {
  for (const i of vrouterConfigIssues(cfg)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

export type VRouterConfig = z.infer<typeof VRouterConfigV1>;
export type VRouterNic = z.infer<typeof VRouterNic>;

export type LbListener = z.infer<typeof LbListener>;

const Count = z.number().int().nonnegative();
/**
 * R-LB-6: what a listener and each of its backends carried since the listener was (re)loaded —
 * haproxy's own stats for TCP, HTTP and HTTPS; the kernel's counters and conntrack for UDP (a flow
 * is its connection) — and each backend's health as its checks find it.
 */
export const LbListenerStats = z.object({
  id: Uuid,
  current: Count,
  total: Count,
  bytesIn: Count,
  bytesOut: Count,
  backends: z.array(
    z.object({
      nicId: Uuid,
      health: z.enum(['healthy', 'unhealthy', 'unchecked']),
      current: Count,
      total: Count,
      bytesIn: Count,
      bytesOut: Count,
    }),
  ),
});
/** GET /v1/stats of a vRouter agent: cheap (no kernel hash), for the console's live view. */
export const VRouterStats = z.object({ generation: Count, at: z.string(), listeners: z.array(LbListenerStats) });
export type VRouterStats = z.infer<typeof VRouterStats>;
export type LbListenerStats = z.infer<typeof LbListenerStats>;

/** Patches (PATCH /v1/config): NICs by name, VIPs by address, the services by id; other lists travel whole. */
export const VROUTER_PATCHING: Patching<VRouterConfig> = {
  keys: { nics: 'name', vips: 'ip', eips: 'id', portForwards: 'id', listeners: 'id', certificates: 'id' },
  issues: vrouterConfigIssues,
};
