import { randomBytes } from 'node:crypto';
import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { Executor } from '@/db/client';
import { agents, hosts, l2ClusterAttachments, l2Networks, l3Networks, nics, vxlanPoolClusters } from '@/db/schema';

/** A new agent row (a host's or a vRouter's), with its own secret. */
export async function registerAgent(tx: Executor, id: string, kind: 'host' | 'vrouter') {
  await tx.insert(agents).values({ id, kind, token: randomBytes(32).toString('base64url') });
}

/** Bumps the desired generation of these agents: the reconciler will push them their full config. */
export async function bumpAgents(tx: Executor, ids: string[]) {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  await tx
    .update(agents)
    .set({ desiredGeneration: sql`${agents.desiredGeneration} + 1`, nextAttemptAt: sql`now()`, failures: 0 })
    .where(inArray(agents.id, unique));
}

/** Hosts whose clusters carry any of these L2s (attached, or through the VXLAN pool's clusters). */
export async function hostsCarryingL2s(tx: Executor, l2Ids: string[]): Promise<string[]> {
  if (l2Ids.length === 0) return [];
  const l2s = await tx
    .select({ id: l2Networks.id, poolId: l2Networks.vxlanPoolId })
    .from(l2Networks)
    .where(inArray(l2Networks.id, l2Ids));
  const poolIds = l2s.flatMap((l) => (l.poolId ? [l.poolId] : []));
  const clusterRows = await tx
    .select({ clusterId: l2ClusterAttachments.clusterId })
    .from(l2ClusterAttachments)
    .where(inArray(l2ClusterAttachments.l2Id, l2Ids));
  const poolClusterRows = poolIds.length
    ? await tx
        .select({ clusterId: vxlanPoolClusters.clusterId })
        .from(vxlanPoolClusters)
        .where(inArray(vxlanPoolClusters.poolId, poolIds))
    : [];
  const clusterIds = [...new Set([...clusterRows, ...poolClusterRows].map((r) => r.clusterId))];
  if (clusterIds.length === 0) return [];
  return (await tx.select({ id: hosts.id }).from(hosts).where(inArray(hosts.clusterId, clusterIds))).map((h) => h.id);
}

/** Every agent a change on these L3s concerns: the hosts carrying their L2s and the vRouters on them. */
export async function bumpForL3s(tx: Executor, l3Ids: string[], extra: string[] = []) {
  if (l3Ids.length === 0) return bumpAgents(tx, extra);
  const l2Ids = (await tx.select({ l2Id: l3Networks.l2Id }).from(l3Networks).where(inArray(l3Networks.id, l3Ids))).map(
    (r) => r.l2Id,
  );
  const routerIds = (
    await tx
      .selectDistinct({ id: nics.vrouterId })
      .from(nics)
      .where(and(inArray(nics.l3Id, l3Ids), or(eq(nics.role, 'private'), eq(nics.role, 'public'), eq(nics.role, 'management'))))
  ).flatMap((r) => (r.id ? [r.id] : []));
  await bumpAgents(tx, [...(await hostsCarryingL2s(tx, [...new Set(l2Ids)])), ...routerIds, ...extra]);
}
