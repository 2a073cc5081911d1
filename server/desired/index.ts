import type { Executor } from '@/db/client';
import type { HostConfig } from '@/agent/protocol/host';
import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { compileHostConfig } from '../domain/compile/host';
import { compileVRouterConfig } from '../domain/compile/vrouter';
import { loadHostSnapshot, loadVRouterSnapshot } from './snapshot';

/**
 * An agent's whole desired config: the database rows it depends on (one snapshot query set), run
 * through the pure compiler. The reconciler pushes it; the rule preview diffs two of them.
 */
export async function desiredHostConfig(
  db: Executor,
  hostId: string,
  generation: number,
  dhcpNamespacePrefix: string,
): Promise<HostConfig> {
  return compileHostConfig(await loadHostSnapshot(db, hostId, generation, dhcpNamespacePrefix));
}

export async function desiredVRouterConfig(db: Executor, routerId: string, generation: number): Promise<VRouterConfig> {
  return compileVRouterConfig(await loadVRouterSnapshot(db, routerId, generation));
}
