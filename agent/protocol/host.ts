import { z } from 'zod';
import { IfName, Ipv4, Ipv4Cidr, Mac, PROTOCOL_VERSION, Uuid } from './common';
import type { Patching, PatchIssue } from './patch';

/**
 * The full desired state of one host, version 1: a bridge per L2 that has VMs here (R-L2-3), the
 * VMs' NICs plugged into them, and the distributed DHCP of R-DHCP-1 (one server per L3 per host,
 * answering only this host's VMs).
 */
export const Uplink = z.discriminatedUnion('kind', [
  /** L2NoVlanNetwork: the physical NIC itself. */
  z.object({ kind: z.literal('nic'), nic: IfName }),
  /** L2VlanNetwork: `<nic>.<vlan>` — a VLAN device on a real host; the lab provides a trunk link of that name. */
  z.object({ kind: z.literal('vlan'), nic: IfName, vlanId: z.number().int().min(1).max(4094) }),
  /** VXLAN network: a VXLAN device with head-end replication to every other host that has it. */
  z.object({
    kind: z.literal('vxlan'),
    vni: z.number().int().min(1).max(16777214),
    localIp: Ipv4,
    remotes: z.array(Ipv4),
    dstPort: z.number().int().min(1).max(65535).default(4789),
  }),
]);

export const HostBridge = z.object({
  l2Id: Uuid,
  name: IfName,
  uplink: Uplink,
  mtu: z.number().int().min(576).max(9000).optional(),
});

/**
 * A VM NIC's host-side interface (created by whoever starts the VM), to plug into a bridge. `guard`:
 * the addresses the VM may send from on this port (R-SPOOF-1; its MAC is `mac`); null for a port
 * that forwards others' traffic (a vRouter's), which is not guarded.
 */
export const HostPort = z.object({
  nicId: Uuid,
  name: IfName,
  bridge: IfName,
  mac: Mac,
  guard: z.object({ ips: z.array(Ipv4).min(1) }).nullable(),
});

export const HostDhcp = z.object({
  l3Id: Uuid,
  bridge: IfName,
  serverIp: Ipv4,
  prefix: z.number().int().min(8).max(30),
  router: Ipv4.nullable(),
  dns: z.array(Ipv4),
  leaseSeconds: z.number().int().min(120).default(86400),
  /** Fixed leases of this host's VMs only. */
  leases: z.array(
    z.object({
      mac: Mac,
      ip: Ipv4,
      hostname: z
        .string()
        .regex(/^[A-Za-z0-9-]{1,63}$/)
        .optional(),
    }),
  ),
});

/** One allow rule of a security group (R-SG-1), as the server checked it. */
export const SgRuleWire = z.object({
  id: Uuid,
  direction: z.enum(['ingress', 'egress']),
  protocol: z.enum(['all', 'tcp', 'udp', 'icmp']),
  portStart: z.number().int().min(1).max(65535).nullable().default(null),
  portEnd: z.number().int().min(1).max(65535).nullable().default(null),
  icmpType: z.number().int().min(-1).max(255).nullable().default(null),
  icmpCode: z.number().int().min(-1).max(255).nullable().default(null),
  cidr: Ipv4Cidr.nullable().default(null),
  remoteGroupId: Uuid.nullable().default(null),
  isDefault: z.boolean().default(false),
});

/**
 * Security groups enforced on this host (R-SG-3): its VM ports that are members of a group, the
 * rules of those groups, and the member addresses (on every host) of each group a rule names as
 * its remote group.
 */
export const HostSecurity = z.object({
  ports: z.array(z.object({ port: IfName, ip: Ipv4, groupIds: z.array(Uuid).min(1), dns: z.array(Ipv4) })),
  groups: z.array(
    z.object({
      id: Uuid,
      name: z.string().max(128),
      rules: z.array(SgRuleWire),
      /** R-SG-2, decided by the server: the group has an egress rule of its own, so its egress is a whitelist. */
      egressRestricted: z.boolean(),
    }),
  ),
  members: z.record(z.string(), z.array(Ipv4)),
});

const HostConfigV1Fields = z.object({
  version: z.literal(PROTOCOL_VERSION),
  hostId: Uuid,
  generation: z.number().int().positive(),
  /** Names of the namespaces the agent creates for DHCP servers begin with this (the lab's prefix in the lab). */
  namespacePrefix: z.string().regex(/^[a-z0-9-]{1,48}$/),
  bridges: z.array(HostBridge),
  ports: z.array(HostPort),
  dhcp: z.array(HostDhcp),
  security: HostSecurity.default({ ports: [], groups: [], members: {} }),
  /**
   * Moves on when the hypervisor made VM ports on this host (a VM started or made again): the agent
   * then reads its links and plugs them; a change that leaves bridges, ports and this alone does not.
   */
  portsEpoch: z.number().int().nonnegative().default(0),
});

/** The checks across one config's parts (the schema runs them; a patched config is checked with them alone). */
export function hostConfigIssues(cfg: z.infer<typeof HostConfigV1Fields>): PatchIssue[] {
  const issues: PatchIssue[] = [];
  const bridges = new Set<string>();
  for (const [i, b] of cfg.bridges.entries()) {
    if (bridges.has(b.name)) issues.push({ path: ['bridges', i, 'name'], message: `bridge ${b.name} appears twice` });
    bridges.add(b.name);
  }
  for (const [i, p] of cfg.ports.entries()) {
    if (!bridges.has(p.bridge))
      issues.push({
        path: ['ports', i, 'bridge'],
        message: `port ${p.name} names bridge ${p.bridge}, which is not in the config`,
      });
  }
  for (const [i, d] of cfg.dhcp.entries()) {
    if (!bridges.has(d.bridge))
      issues.push({
        path: ['dhcp', i, 'bridge'],
        message: `DHCP of L3 ${d.l3Id} names bridge ${d.bridge}, which is not in the config`,
      });
  }
  const ports = new Set(cfg.ports.map((p) => p.name));
  const groups = new Set(cfg.security.groups.map((g) => g.id));
  for (const [i, p] of cfg.security.ports.entries()) {
    if (!ports.has(p.port))
      issues.push({
        path: ['security', 'ports', i, 'port'],
        message: `security groups name port ${p.port}, which is not in the config`,
      });
    for (const g of p.groupIds.filter((id) => !groups.has(id)))
      issues.push({
        path: ['security', 'ports', i, 'groupIds'],
        message: `port ${p.port} is in group ${g}, which is not in the config`,
      });
  }
  return issues;
}

export const HostConfigV1 = HostConfigV1Fields.superRefine((cfg, ctx) => {
  for (const i of hostConfigIssues(cfg)) ctx.addIssue({ code: 'custom', path: i.path, message: i.message });
});

export type HostConfig = z.infer<typeof HostConfigV1>;

/**
 * Patches (PATCH /v1/config): bridges, ports, DHCP servers, security ports and groups by their ids;
 * a changed item travels whole (a DHCP server with its leases, a group with its rules), members per group.
 */
export const HOST_PATCHING: Patching<HostConfig> = {
  keys: { bridges: 'l2Id', ports: 'nicId', dhcp: 'l3Id', 'security.ports': 'port', 'security.groups': 'id' },
  issues: hostConfigIssues,
};
export type HostBridge = z.infer<typeof HostBridge>;
export type HostDhcp = z.infer<typeof HostDhcp>;
export type HostSecurity = z.infer<typeof HostSecurity>;

/**
 * Device names derived from ids: short, stable, valid Linux names (≤ 15 characters). They use the
 * last 12 hex digits of the id (48 random bits of a v4 UUID); a collision on one host would be
 * refused by the config check above, never applied.
 */
const tail = (id: string) => id.replace(/-/g, '').slice(-12);
export const deviceNames = {
  bridge: (l2Id: string) => `br-${tail(l2Id)}`,
  vxlan: (vni: number) => `vx${vni}`,
  vlan: (nic: string, vlanId: number) => `${nic}.${vlanId}`,
  port: (nicId: string) => `vn${tail(nicId)}`,
  dhcpVeth: (l3Id: string) => `dh${tail(l3Id)}`,
  dhcpNamespace: (prefix: string, l3Id: string) => `${prefix}d${tail(l3Id)}`,
};
