/** Load balancing (R-LB-1 … R-LB-5): load balancers, listeners, backends, certificates. */
import { z } from 'zod';
import { Description, Id, Name, base } from './common';

const PortNumber = z.coerce
  .number()
  .int('A whole port number.')
  .min(1, 'A port from 1 to 65535.')
  .max(65535, 'A port from 1 to 65535.');
const blankToNull = (v: unknown) => (v === '' ? null : v);
/** Numbers whose limits the domain rules check (with the seed's words), coerced from form text. */
const Whole = z.coerce.number().int('A whole number.');

export const ListenerProtocol = z.enum(['tcp', 'http', 'https', 'udp']);
export const LbAlgorithm = z.enum(['round-robin', 'least-connections', 'source-hash', 'weighted-round-robin']);
export const HealthCheckProtocol = z.enum(['tcp', 'http', 'udp']);
export const HttpCodeClass = z.enum(['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx']);

/** The advanced section of the listener dialog (R-LB-2): every field optional, the seed's defaults apply. */
export const ListenerAdvanced = z.object({
  algorithm: LbAlgorithm.optional(),
  maxConnections: Whole.optional(),
  idleTimeoutSeconds: Whole.optional(),
  healthCheckProtocol: HealthCheckProtocol.optional(),
  healthCheckPort: z.preprocess(blankToNull, PortNumber.nullable().optional()),
  healthCheckUri: z.preprocess(blankToNull, z.string().trim().max(200).nullable().optional()),
  healthCheckMethod: z.enum(['HEAD', 'GET']).optional(),
  healthCheckHttpCodes: z.array(HttpCodeClass).max(4).optional(),
  healthyThreshold: Whole.optional(),
  unhealthyThreshold: Whole.optional(),
  healthCheckIntervalSeconds: Whole.optional(),
});

export const ListenerFields = z.object({
  name: Name,
  description: Description,
  protocol: ListenerProtocol,
  lbPort: PortNumber,
  vmPort: PortNumber,
  ...ListenerAdvanced.shape,
  certificateId: Id.optional().nullable(),
});

/** R-LB-1: a load balancer on an existing VIP, or on a new one on a public L3; optionally its first listener. */
export const CreateLoadBalancer = z.object({
  name: Name,
  description: Description,
  vipId: Id.optional().nullable(),
  l3Id: Id.optional().nullable(),
  ip: z.string().trim().optional().nullable(),
  listener: ListenerFields.optional().nullable(),
});

export const BackendInput = z.object({
  nicId: Id,
  weight: Whole.optional(),
  group: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'A group name: 1–32 letters, digits, - or _.')
    .optional(),
});

export const CreateListener = ListenerFields.extend({ lbId: Id, backends: z.array(BackendInput).max(256).optional() });
/** What may change on a listener: everything but its protocol and LB port (delete and create for those). */
export const ConfigureListener = ListenerAdvanced.extend({ id: Id, vmPort: PortNumber.optional() });
export const ListenerBackendsInput = z.object({ id: Id, backends: z.array(BackendInput).min(1).max(256) });
export const ListenerNicInput = z.object({ id: Id, nicId: Id });
export const LbPolicyInput = z.object({
  name: z.string().trim().max(64),
  host: z.preprocess(blankToNull, z.string().trim().toLowerCase().nullable()),
  pathPrefix: z.preprocess(blankToNull, z.string().trim().nullable()),
  group: z.string().trim().max(32),
});
export const ListenerPoliciesInput = z.object({ id: Id, policies: z.array(LbPolicyInput).max(64) });
export const ListenerCertificateInput = z.object({ id: Id, certificateId: Id });

export const LbBackendView = z.object({
  nicId: Id,
  ip: z.string(),
  l3Id: Id,
  vmId: Id.nullable(),
  vmName: z.string().nullable(),
  weight: z.number(),
  group: z.string(),
});

export const ListenerView = z.object({
  ...base,
  lbId: Id,
  lbName: z.string(),
  vip: z.string(),
  protocol: ListenerProtocol,
  lbPort: z.number(),
  vmPort: z.number(),
  algorithm: LbAlgorithm,
  maxConnections: z.number(),
  idleTimeoutSeconds: z.number(),
  healthCheckProtocol: HealthCheckProtocol,
  healthCheckPort: z.number().nullable(),
  healthCheckUri: z.string().nullable(),
  healthCheckMethod: z.enum(['HEAD', 'GET']),
  healthCheckHttpCodes: z.array(HttpCodeClass),
  healthyThreshold: z.number(),
  unhealthyThreshold: z.number(),
  healthCheckIntervalSeconds: z.number(),
  certificateId: Id.nullable(),
  certificateName: z.string().nullable(),
  policies: z.array(
    z.object({ name: z.string(), host: z.string().nullable(), pathPrefix: z.string().nullable(), group: z.string() }),
  ),
  backends: z.array(LbBackendView),
});

export const LoadBalancerView = z.object({
  ...base,
  vipId: Id,
  vip: z.string(),
  l3Id: Id,
  /** The vRouter serving its backends (null until one is bound). */
  vrouterId: Id.nullable(),
  listeners: z.array(
    z.object({
      id: Id,
      name: z.string(),
      protocol: ListenerProtocol,
      lbPort: z.number(),
      vmPort: z.number(),
      backends: z.number(),
    }),
  ),
});

/** R-LB-4: PEM text as pasted or read from files; the key is never shown back. */
export const CreateLbCertificate = z.object({
  name: Name,
  description: Description,
  certificate: z.string().max(65536),
  chain: z.string().max(262144).optional().nullable(),
  privateKey: z.string().max(65536),
});
export const LbCertificateView = z.object({
  ...base,
  subject: z.string(),
  issuer: z.string(),
  sans: z.array(z.string()),
  notBefore: z.date(),
  notAfter: z.date(),
  fingerprint: z.string(),
  hasChain: z.boolean(),
  listeners: z.array(z.object({ id: Id, name: z.string() })),
});

/** R-LB-6: a listener's recent counters and its backends' health. */
export const ListenerStatsInput = z.object({ id: Id, minutes: z.coerce.number().int().min(1).max(60).optional() });
const Counts = { current: z.number(), total: z.number(), bytesIn: z.number(), bytesOut: z.number() };
export const ListenerStatsView = z.object({
  id: Id,
  /** When the latest sample was taken; null before the first. */
  at: z.date().nullable(),
  samples: z.array(z.object({ at: z.date(), ...Counts })),
  backends: z.array(LbBackendView.extend({ health: z.enum(['healthy', 'unhealthy', 'unchecked', 'unknown']), ...Counts })),
});
