/**
 * Input and output shapes shared by the procedures (tRPC + REST) and the console's forms.
 * Pure zod, no server-only imports: components may import this file.
 */
import { z } from 'zod';

export const Id = z.uuid();
export const Name = z.string().trim().min(1, 'Enter a name.').max(128);
export const Description = z.string().trim().max(1024).default('');
const Ipv4 = z.string().trim().min(1, 'Enter an IPv4 address.');

export const ListInput = z.object({
  search: z.string().trim().max(128).optional(),
  sort: z.string().max(64).optional(),
  dir: z.enum(['asc', 'desc']).default('asc'),
  // Coerced: REST sends these as query-string text.
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(20),
});
export type ListInput = Partial<z.output<typeof ListInput>>;

export const IdInput = z.object({ id: Id });

export const listOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), total: z.number().int() });

const base = { id: Id, accountId: Id, name: z.string(), description: z.string(), createdAt: z.date() };

// ── Hardware ─────────────────────────────────────────────────────────────────
export const CreateZone = z.object({ name: Name, description: Description });
export const ZoneView = z.object({ ...base });

export const CreateCluster = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  hypervisor: z.enum(['KVM']).default('KVM'),
});
export const ClusterView = z.object({ ...base, zoneId: Id, hypervisor: z.string() });

export const SyncView = z
  .object({
    desiredGeneration: z.number(),
    appliedGeneration: z.number(),
    inSync: z.boolean(),
    lastError: z.string().nullable(),
    lastAppliedAt: z.date().nullable(),
    drift: z.boolean(),
  })
  .nullable();
const NicName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:-]{1,15}$/, 'A NIC name such as em01.');
export const CreateHost = z.object({
  name: Name,
  description: Description,
  clusterId: Id,
  managementIp: Ipv4,
  vtepIp: Ipv4.optional().nullable(),
  nics: z.array(NicName).min(1, 'A host has at least one NIC.').max(32),
});
export const HostView = z.object({
  ...base,
  clusterId: Id,
  managementIp: z.string(),
  vtepIp: z.string().nullable(),
  nics: z.array(z.string()),
  state: z.enum(['enabled', 'disabled', 'maintenance']),
  sync: SyncView,
});

export const CreateStorage = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  url: z.string().trim().min(1, 'Enter a URL or path.').max(1024),
});
/** Where the reconciler reaches a host's agent: its Unix socket, or HTTP on the management network. */
export const AgentEndpointInput = z.object({
  id: Id,
  endpoint: z
    .string()
    .trim()
    .regex(
      /^(unix:\/[\w./-]+|http:\/\/\d{1,3}(\.\d{1,3}){3}:\d{1,5})$/,
      'unix:/path/to/agent.sock or http://<management IP>:<port>',
    ),
});
export const AgentAccessView = z.object({ id: Id, endpoint: z.string().nullable(), token: z.string(), sync: SyncView });

export const StorageView = z.object({ ...base, zoneId: Id, type: z.string(), url: z.string() });

// ── Catalog ──────────────────────────────────────────────────────────────────
export const CreateImage = z.object({
  name: Name,
  description: Description,
  kind: z.enum(['vm', 'vrouter']).default('vm'),
  backupStorageId: Id,
  url: z.string().trim().min(1, 'Enter the image URL.').max(2048),
  format: z.enum(['qcow2', 'raw', 'iso']).default('qcow2'),
  platform: z.enum(['Linux', 'Windows', 'Other']).default('Linux'),
  shared: z.boolean().default(false),
});
export const ImageView = z.object({
  ...base,
  kind: z.enum(['vm', 'vrouter']),
  backupStorageId: Id,
  url: z.string(),
  format: z.string(),
  platform: z.string(),
  shared: z.boolean(),
});

export const MemoryUnit = z.enum(['M', 'G', 'T']);
export const CreateInstanceOffering = z.object({
  name: Name,
  description: Description,
  cpu: z.number().int(),
  memory: z.number().positive('Enter the memory size.'),
  memoryUnit: MemoryUnit.default('G'),
  shared: z.boolean().default(false),
});
export const InstanceOfferingView = z.object({ ...base, cpu: z.number(), memoryMb: z.number(), shared: z.boolean() });

export const CreateVRouterOffering = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  cpu: z.number().int(),
  memory: z.number().positive('Enter the memory size.'),
  memoryUnit: MemoryUnit.default('G'),
  imageId: Id,
  managementL3Id: Id,
  publicL3Id: Id,
  shared: z.boolean().default(false),
});
export const VRouterOfferingView = z.object({
  ...base,
  zoneId: Id,
  cpu: z.number(),
  memoryMb: z.number(),
  imageId: Id,
  managementL3Id: Id,
  publicL3Id: Id,
  shared: z.boolean(),
});

// ── L2 ───────────────────────────────────────────────────────────────────────
export const CreateL2 = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  type: z.enum(['novlan', 'vlan']),
  physicalNic: z.string().trim(),
  vlanId: z.number().int().optional().nullable(),
  sriov: z.boolean().default(false),
  clusterIds: z.array(Id).default([]),
  shared: z.boolean().default(false),
});
export const L2View = z.object({
  ...base,
  zoneId: Id,
  type: z.enum(['novlan', 'vlan', 'vxlan']),
  physicalNic: z.string().nullable(),
  vlanId: z.number().nullable(),
  vxlanPoolId: Id.nullable(),
  vni: z.number().nullable(),
  sriov: z.boolean(),
  shared: z.boolean(),
  clusterIds: z.array(Id),
});
export const L2ClusterInput = z.object({ id: Id, clusterId: Id });

export const CreateVxlanPool = z.object({
  name: Name,
  description: Description,
  zoneId: Id,
  vniStart: z.number().int(),
  vniEnd: z.number().int(),
  shared: z.boolean().default(false),
});
export const VxlanPoolView = z.object({
  ...base,
  zoneId: Id,
  vniStart: z.number(),
  vniEnd: z.number(),
  shared: z.boolean(),
  clusters: z.array(z.object({ clusterId: Id, vtepCidr: z.string() })),
});
export const VxlanPoolAttachInput = z.object({ id: Id, clusterId: Id, vtepCidr: z.string().trim() });

export const CreateVxlanNetwork = z.object({
  name: Name,
  description: Description,
  poolId: Id,
  /** Blank: the lowest free VNI of the pool. */
  vni: z.number().int().optional().nullable(),
});

// ── L3 + IP ranges ───────────────────────────────────────────────────────────
export const RangeInput = z.discriminatedUnion('method', [
  z.object({ method: z.literal('bounds'), startIp: Ipv4, endIp: Ipv4, netmask: Ipv4, gateway: Ipv4 }),
  z.object({ method: z.literal('cidr'), cidr: z.string().trim().min(1, 'Enter a CIDR such as 192.168.10.0/24.') }),
]);
export type RangeInput = z.infer<typeof RangeInput>;

export const CreateL3 = z.object({
  name: Name,
  description: Description,
  l2Id: Id,
  category: z.enum(['public', 'system', 'private']),
  type: z.enum(['flat', 'vrouter']).optional().nullable(),
  dhcpEnabled: z.boolean().default(true),
  dhcpServerIp: z.string().trim().optional().nullable(),
  dnsServers: z.array(z.string().trim()).max(3).default([]),
  vrouterOfferingId: Id.optional().nullable(),
  sriov: z.boolean().default(false),
  shared: z.boolean().default(false),
  /** The first range, optional at creation. */
  range: RangeInput.optional().nullable(),
});
export const L3View = z.object({
  ...base,
  l2Id: Id,
  category: z.enum(['public', 'system', 'private']),
  type: z.enum(['flat', 'vrouter']).nullable(),
  dhcpEnabled: z.boolean(),
  dhcpServerIp: z.string().nullable(),
  dnsServers: z.array(z.string()),
  vrouterOfferingId: Id.nullable(),
  sriov: z.boolean(),
  shared: z.boolean(),
});

export const AddRange = z.object({
  l3Id: Id,
  name: z.string().trim().max(128).default(''),
  dhcpServerIp: z.string().trim().optional().nullable(),
  range: RangeInput,
});
export const IpRangeView = z.object({
  id: Id,
  l3Id: Id,
  name: z.string(),
  startIp: z.string(),
  endIp: z.string(),
  netmask: z.string(),
  gateway: z.string(),
  cidr: z.string(),
  size: z.number(),
});

export const IpUsageView = z.object({
  l3Id: Id,
  total: z.number(),
  used: z.number(),
  ranges: z.array(IpRangeView.extend({ used: z.number() })),
  holders: z.array(z.object({ ip: z.string(), kind: z.string(), ownerType: z.string().nullable(), ownerId: Id.nullable() })),
  holdersTotal: z.number(),
});

export const AllocateIpInput = z.object({ l3Id: Id, ip: z.string().trim().optional().nullable() });
export const IpAllocationView = z.object({ id: Id, l3Id: Id, ip: z.string(), kind: z.string() });

// ── VMs and vRouters ─────────────────────────────────────────────────────────
export const CreateVm = z.object({
  name: Name,
  description: Description,
  instanceOfferingId: Id,
  imageId: Id,
  /** The first network gives the default route (R-VM-1). */
  l3Ids: z.array(Id).min(1, 'Choose at least one network.').max(8),
  count: z.number().int().min(1).max(50).default(1),
});
export const NicView = z.object({
  id: Id,
  l3Id: Id,
  role: z.enum(['vm', 'management', 'public', 'private']),
  ip: z.string(),
  mac: z.string(),
  deviceIndex: z.number(),
  isDefault: z.boolean(),
  active: z.boolean(),
});
export const VmView = z.object({
  ...base,
  instanceOfferingId: Id,
  imageId: Id,
  hostId: Id,
  state: z.enum(['running', 'stopped']),
  nics: z.array(NicView),
});
export const VmActionInput = z.object({ id: Id, action: z.enum(['start', 'stop', 'reboot']) });
export const VRouterView = z.object({
  ...base,
  offeringId: Id,
  hostId: Id,
  state: z.enum(['running', 'stopped']),
  nics: z.array(NicView),
  sync: SyncView,
});

const Target = z
  .string()
  .trim()
  .regex(
    /^(\d{1,3}(\.\d{1,3}){3}|[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)$/,
    'An IPv4 address or a host name.',
  );
const Port = z.coerce.number().int().min(1, 'A port from 1 to 65535.').max(65535, 'A port from 1 to 65535.');
/** The fixed set of connectivity checks a VM can run (issue 4: never arbitrary shell). */
export const CheckSpec = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ping'), target: Target, count: z.coerce.number().int().min(1).max(10).default(3) }),
  z.object({ kind: z.literal('tcp'), target: Target, port: Port }),
  z.object({ kind: z.literal('udp'), target: Target, port: Port }),
  z.object({ kind: z.literal('http'), url: z.url({ protocol: /^https?$/, error: 'An http:// or https:// URL.' }) }),
  z.object({ kind: z.literal('dns'), name: Target }),
  z.object({
    kind: z.literal('listen'),
    port: Port,
    protocol: z.enum(['tcp', 'udp']).default('tcp'),
    seconds: z.coerce.number().int().min(1).max(300).default(30),
  }),
]);
export const CheckInput = z.object({ vmId: Id, check: CheckSpec });
export type CheckInput = z.infer<typeof CheckInput>;
export const CheckResultView = z.object({ ok: z.boolean(), ms: z.number(), summary: z.string(), output: z.string() });
export const SystemStatusView = z.object({
  reconciler: z.enum(['running', 'stopped']),
  lab: z.enum(['running', 'off', 'unavailable']),
  labName: z.string().nullable(),
  note: z.string().nullable(),
});

// ── Accounts ─────────────────────────────────────────────────────────────────
export const Password = z.string().min(8, 'At least 8 characters.').max(256);
export const LoginInput = z.object({
  name: z.string().trim().min(1, 'Enter your account name.'),
  password: z.string().min(1, 'Enter your password.'),
});
export const AccountView = z.object({ id: Id, name: z.string(), role: z.enum(['admin', 'tenant']), createdAt: z.date() });
export const CreateAccount = z.object({
  name: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9_.-]{1,62}$/, 'Lowercase letters, digits, "._-"; 2–63 characters.'),
  password: Password,
  role: z.enum(['admin', 'tenant']).default('tenant'),
});
export const CreateApiToken = z.object({ name: Name });
export const ApiTokenView = z.object({
  id: Id,
  name: z.string(),
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export const ShareInput = z.object({ id: Id, shared: z.boolean() });

// ── vRouter services: VIPs, EIPs, port forwarding, route tables ──────────────
const OptionalIp = z.string().trim().optional().nullable();
const PortNumber = z.coerce
  .number()
  .int('A whole port number.')
  .min(1, 'A port from 1 to 65535.')
  .max(65535, 'A port from 1 to 65535.');
const OptionalPort = z.preprocess((v) => (v === '' ? null : v), PortNumber.nullable().optional());

export const CreateVip = z.object({ name: Name, description: Description, l3Id: Id, ip: OptionalIp });
export const VipUse = z.object({ type: z.enum(['eip', 'portForward', 'vrouter']), id: Id, name: z.string() });
export const VipView = z.object({
  ...base,
  l3Id: Id,
  ip: z.string(),
  system: z.boolean(),
  vrouterId: Id.nullable(),
  usedBy: z.array(VipUse),
});

/** R-EIP-1: an existing VIP, or a new one on a public L3 (optionally a fixed address). */
export const CreateEip = z.object({
  name: Name,
  description: Description,
  vipId: Id.optional().nullable(),
  l3Id: Id.optional().nullable(),
  ip: OptionalIp,
  nicId: Id.optional().nullable(),
});
export const BindInput = z.object({ id: Id, nicId: Id });
export const EipView = z.object({
  ...base,
  vipId: Id,
  vip: z.string(),
  l3Id: Id,
  nicId: Id.nullable(),
  vmId: Id.nullable(),
  vmName: z.string().nullable(),
  nicIp: z.string().nullable(),
});

/** R-PF-1: single-port or range mode; blank VM ports default to the VIP's. */
export const CreatePortForward = z.object({
  name: Name,
  description: Description,
  vipId: Id.optional().nullable(),
  l3Id: Id.optional().nullable(),
  ip: OptionalIp,
  protocol: z.enum(['tcp', 'udp']),
  mode: z.enum(['single', 'range']).default('single'),
  vipPortStart: PortNumber,
  vipPortEnd: OptionalPort,
  vmPortStart: OptionalPort,
  vmPortEnd: OptionalPort,
  allowedCidr: z.string().trim().optional().nullable(),
  nicId: Id.optional().nullable(),
});
export const PortForwardView = z.object({
  ...base,
  vipId: Id,
  vip: z.string(),
  l3Id: Id,
  protocol: z.enum(['tcp', 'udp']),
  vipPortStart: z.number(),
  vipPortEnd: z.number(),
  vmPortStart: z.number(),
  vmPortEnd: z.number(),
  allowedCidr: z.string().nullable(),
  nicId: Id.nullable(),
  vmId: Id.nullable(),
  vmName: z.string().nullable(),
  nicIp: z.string().nullable(),
  lastL3Id: Id.nullable(),
});

export const CreateRouteTable = z.object({ name: Name, description: Description, vrouterIds: z.array(Id).max(64).default([]) });
export const RouteEntryView = z.object({ id: Id, destination: z.string(), nextHop: z.string(), description: z.string() });
export const RouteTableView = z.object({ ...base, entries: z.array(RouteEntryView), vrouterIds: z.array(Id) });
export const AddRouteEntry = z.object({
  id: Id,
  destination: z.string().trim().min(1, 'Enter a CIDR.'),
  nextHop: z.string().trim().min(1, 'Enter the next-hop IP.'),
  description: Description,
});
export const RouteEntryInput = z.object({ id: Id, entryId: Id });
export const RouteTableRouterInput = z.object({ id: Id, vrouterId: Id });

/** R-MPUB-1: another public L3 on a running vRouter; or another private L3 it serves. */
export const VRouterL3Input = z.object({ id: Id, l3Id: Id });
/** R-VM-1: a NIC on another L3, taking effect at the next reboot of a running VM. */
export const VmNicInput = z.object({ id: Id, l3Id: Id });

/** What a service form would make the vRouter apply (R-EIP-2, R-PF-1), before confirming. */
export const ServicePreviewView = z.object({ vrouterId: Id.nullable(), text: z.string(), note: z.string().nullable() });

// ── Security groups (R-SG-1..3) ──────────────────────────────────────────────
const LooseInt = z.preprocess((v) => (v === '' ? null : v), z.coerce.number().int('A whole number.').nullable().optional());
/** R-SG-1: the seed's rule form (类型, 协议, 开始/结束端口, CIDR, 源安全组); shapes are checked by checkSgRule. */
export const SgRuleInput = z.object({
  direction: z.enum(['ingress', 'egress']),
  protocol: z.enum(['all', 'tcp', 'udp', 'icmp']),
  portStart: LooseInt,
  portEnd: LooseInt,
  icmpType: LooseInt,
  icmpCode: LooseInt,
  cidr: z.string().trim().optional().nullable(),
  remoteGroupId: Id.optional().nullable(),
  description: Description,
});
export const CreateSecurityGroup = z.object({
  name: Name,
  description: Description,
  /** The networks it serves (seed: 网络); only their NICs may join. */
  l3Ids: z.array(Id).max(64).default([]),
  rules: z.array(SgRuleInput).max(200).default([]),
  /** VM NICs to add at once (seed: 网卡). */
  nicIds: z.array(Id).max(500).default([]),
});
export const SgRuleView = z.object({
  id: Id,
  direction: z.enum(['ingress', 'egress']),
  protocol: z.enum(['all', 'tcp', 'udp', 'icmp']),
  portStart: z.number().nullable(),
  portEnd: z.number().nullable(),
  icmpType: z.number().nullable(),
  icmpCode: z.number().nullable(),
  cidr: z.string().nullable(),
  remoteGroupId: Id.nullable(),
  remoteGroupName: z.string().nullable(),
  isDefault: z.boolean(),
  description: z.string(),
});
export const SgMemberView = z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string(), l3Id: Id });
export const SecurityGroupView = z.object({
  ...base,
  rules: z.array(SgRuleView),
  l3Ids: z.array(Id),
  members: z.array(SgMemberView),
});
export const AddSgRule = SgRuleInput.extend({ id: Id });
export const SgRuleRef = z.object({ id: Id, ruleId: Id });
export const SgL3Input = z.object({ id: Id, l3Id: Id });
export const SgNicsInput = z.object({ id: Id, nicIds: z.array(Id).min(1, 'Choose at least one NIC.').max(500) });
export const SgNicInput = z.object({ id: Id, nicId: Id });
/** A VM NIC's groups and what their union allows (R-SG-2). */
export const EffectiveRulesView = z.object({
  nicId: Id,
  ip: z.string(),
  groups: z.array(z.object({ id: Id, name: z.string() })),
  rules: z.array(SgRuleView.extend({ groupId: Id, groupName: z.string() })),
  /** Ingress is filtered (whitelist) when the NIC is in any group. */
  filtered: z.boolean(),
  /** Egress is open when one of its groups has no user-defined egress rule. */
  egressOpen: z.boolean(),
});
export const WhyBlockedInput = z.object({
  fromNicId: Id,
  toNicId: Id,
  protocol: z.enum(['tcp', 'udp', 'icmp']),
  port: z.coerce.number().int().min(1, 'A port from 1 to 65535.').max(65535, 'A port from 1 to 65535.').optional().nullable(),
});
const DecisionView = z.object({
  allowed: z.boolean(),
  by: z.enum(['rule', 'no-group', 'egress-open', 'no-rule']),
  groupId: Id.nullable(),
  ruleId: Id.nullable(),
  text: z.string(),
});
export const WhyBlockedView = z.object({
  allowed: z.boolean(),
  from: z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string() }),
  to: z.object({ nicId: Id, vmId: Id, vmName: z.string(), ip: z.string() }),
  egress: DecisionView,
  ingress: DecisionView,
});
