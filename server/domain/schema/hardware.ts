/** Hardware. */
import { z } from 'zod';
import { Description, Id, Ipv4, Name, base } from './common';

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
/** Where the reconciler reaches a host's agent: its Unix socket, or HTTPS (mutual TLS) on the management network. */
export const AgentEndpointInput = z.object({
  id: Id,
  endpoint: z
    .string()
    .trim()
    .regex(
      /^(unix:\/[\w./-]+|https:\/\/\d{1,3}(\.\d{1,3}){3}:\d{1,5})$/,
      'unix:/path/to/agent.sock or https://<management IP>:<port> (plain HTTP is refused)',
    ),
});
/**
 * A host agent's TLS certificate, issued by the consoles' authority: its key is shown once, here,
 * and stored nowhere by the console. Install the three files on the host and restart the agent, or
 * send it SIGHUP to rotate.
 */
export const AgentCertificateView = z.object({
  id: Id,
  certificate: z.string(),
  privateKey: z.string(),
  ca: z.string(),
  notAfter: z.string(),
  fingerprint: z.string(),
});
export const AgentAccessView = z.object({ id: Id, endpoint: z.string().nullable(), token: z.string(), sync: SyncView });

export const StorageView = z.object({ ...base, zoneId: Id, type: z.string(), url: z.string() });
