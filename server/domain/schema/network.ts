/** L2 and L3 networks, IP ranges. */
import { z } from 'zod';
import { Description, Id, Ipv4, Name, base } from './common';

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
