import { z } from 'zod';

/** Shapes every agent config is built from. Strict: a value that would need quoting is refused. */
export const IfName = z.string().regex(/^[A-Za-z0-9_.-]{1,15}$/, 'a Linux interface name (1–15 of A-Z a-z 0-9 _ . -)');
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = `${OCTET}(\\.${OCTET}){3}`;
export const Ipv4 = z.string().regex(new RegExp(`^${IPV4}$`), 'an IPv4 address');
/** An address with its prefix, e.g. 10.108.10.5/8 (an interface address) or 192.168.10.0/24. */
export const Ipv4Cidr = z.string().regex(new RegExp(`^${IPV4}/(3[0-2]|[12]?\\d)$`), 'an IPv4 address/prefix');
export const Mac = z.string().regex(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/, 'a lower-case MAC address');
export const Uuid = z.uuid();

/**
 * The version of the configs and status this code speaks. A config carries it as `version`; an
 * agent reports it in its status, and the reconciler refuses to push to an agent of another version.
 */
export const PROTOCOL_VERSION = 1;

/**
 * Over TCP, agents and consoles authenticate each other with certificates of the consoles' own
 * authority (mutual TLS): an agent's certificate names the agent's id as its CN; a console's client
 * certificate has this CN and the clientAuth usage, and is the only kind an agent accepts.
 */
export const CONSOLE_CERT_CN = 'cloudrouter-console';

/** What an agent answers about itself (GET /v1/status, and after every PUT /v1/config or resync). */
export const AgentStatus = z.object({
  kind: z.enum(['host', 'vrouter']),
  id: z.string(),
  protocolVersion: z.number().int().positive(),
  /** Generation of the last config applied successfully; 0 when none yet. */
  appliedGeneration: z.number().int().nonnegative(),
  /** SHA-256 of what is really in the kernel for the parts the agent owns. */
  kernelHash: z.string(),
  /**
   * The kernel hash taken after the last apply, once the agent was idle (off the answer's path):
   * kernelHash differs from it when someone changed the kernel. "pending" in the answer to an apply.
   */
  appliedKernelHash: z.string(),
  /** A config is applied and the kernel no longer matches it: the reconciler asks for a resync. */
  drift: z.boolean(),
  /** What no longer holds for the applied config whatever the snapshot (e.g. "ip_forward is 0"): part of drift. */
  broken: z.array(z.string()).optional(),
  lastError: z
    .object({
      code: z.string(),
      message: z.string(),
      at: z.string(),
      /**
       * After an apply that failed part-way: "rolled-back" — the last good config is back in force
       * whole; "retrying" — it is not yet (the agent retries it every few seconds).
       */
      recovery: z.enum(['rolled-back', 'retrying']).optional(),
    })
    .nullable(),
  startedAt: z.string(),
});
export type AgentStatus = z.infer<typeof AgentStatus>;

/** Error codes an agent answers with. */
export const AgentErrorCode = z.enum([
  'CONFIG_INVALID',
  'CONFIG_STALE',
  /** A patch's base generation is not the one the agent holds: send the whole config. */
  'CONFIG_BASE',
  'APPLY_FAILED',
  'UNAUTHORIZED',
  'NOT_FOUND',
]);
export type AgentErrorCode = z.infer<typeof AgentErrorCode>;
export const AgentError = z.object({ code: AgentErrorCode, message: z.string(), details: z.unknown().optional() });
export type AgentError = z.infer<typeof AgentError>;
