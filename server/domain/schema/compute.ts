/** VMs and vRouters. */
import { z } from 'zod';
import { Description, Id, Name, base } from './common';
import { SyncView } from './hardware';

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
