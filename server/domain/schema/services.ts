/** vRouter services: VIPs, EIPs, port forwarding, route tables. */
import { z } from 'zod';
import { Description, Id, Name, base } from './common';

const OptionalIp = z.string().trim().optional().nullable();
const PortNumber = z.coerce
  .number()
  .int('A whole port number.')
  .min(1, 'A port from 1 to 65535.')
  .max(65535, 'A port from 1 to 65535.');
const OptionalPort = z.preprocess((v) => (v === '' ? null : v), PortNumber.nullable().optional());

export const CreateVip = z.object({ name: Name, description: Description, l3Id: Id, ip: OptionalIp });
export const VipUse = z.object({ type: z.enum(['eip', 'portForward', 'loadBalancer', 'vrouter']), id: Id, name: z.string() });
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
