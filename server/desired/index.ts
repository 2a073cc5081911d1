import type { Executor } from '@/db/client';
import { HostConfigV1, type HostConfig } from '@/agent/protocol/host';
import { VRouterConfigV1, type VRouterConfig } from '@/agent/protocol/vrouter';
import { compileHostConfig } from '../domain/compile/host';
import { compileVRouterConfig } from '../domain/compile/vrouter';
import { loadHostSnapshot, loadVRouterSnapshot } from './snapshot';

/**
 * An agent's whole desired config: the database rows it depends on (one snapshot query set), run
 * through the pure compiler, then parsed by the agent's own schema — a config the agent would
 * refuse fails here, in the console, naming the field. The reconciler pushes it; the rule preview
 * diffs two of them.
 */
export async function desiredHostConfig(
  db: Executor,
  hostId: string,
  generation: number,
  dhcpNamespacePrefix: string,
): Promise<HostConfig> {
  return HostConfigV1.parse(compileHostConfig(await loadHostSnapshot(db, hostId, generation, dhcpNamespacePrefix)));
}

export async function desiredVRouterConfig(db: Executor, routerId: string, generation: number): Promise<VRouterConfig> {
  return VRouterConfigV1.parse(compileVRouterConfig(await loadVRouterSnapshot(db, routerId, generation)));
}
