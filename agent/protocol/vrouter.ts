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

/** Patches (PATCH /v1/config): NICs by name, VIPs by address, EIPs and port forwards by id; other lists travel whole. */
export const VROUTER_PATCHING: Patching<VRouterConfig> = {
  keys: { nics: 'name', vips: 'ip', eips: 'id', portForwards: 'id' },
  issues: vrouterConfigIssues,
};
