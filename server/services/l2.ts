import { and, asc, eq, inArray, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { clusters, l2ClusterAttachments, l2Networks, l3Networks, vxlanPoolClusters, vxlanPools, zones } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, enforce, ErrorCodes as E } from '../domain/errors';
import { checkL2Definition, checkNicConflict, checkVni, checkVniRange, checkVtepCidr } from '../domain/network/l2';
import type { CreateL2, CreateVxlanNetwork, CreateVxlanPool, ListInput } from '../domain/schema';
import { audit, deleteOwned, getReadable, getWritable, listPage } from './scope';

type L2Row = typeof l2Networks.$inferSelect;

async function withClusters(db: Executor, rows: L2Row[]) {
  if (rows.length === 0) return [];
  const links = await db
    .select()
    .from(l2ClusterAttachments)
    .where(
      inArray(
        l2ClusterAttachments.l2Id,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((r) => ({ ...r, clusterIds: links.filter((l) => l.l2Id === r.id).map((l) => l.clusterId) }));
}

/** R-L2-2/R-L2-3: attach one L2 to one cluster, refusing a NIC/VLAN conflict inside that cluster. */
async function attach(tx: Executor, actor: Actor, l2: L2Row, clusterId: string) {
  if (l2.type === 'vxlan') {
    throw new DomainError(
      E.L2_KIND_MISMATCH,
      "A VXLAN network follows its pool's clusters; attach the pool instead.",
      'clusterId',
    );
  }
  const cluster = await getReadable(tx, actor, clusters, clusterId, 'cluster', undefined, 'clusterIds');
  if (cluster.zoneId !== l2.zoneId)
    throw new DomainError(E.INVALID_INPUT, `Cluster "${cluster.name}" is in another zone.`, 'clusterIds');
  // Serialize attachments per cluster so two concurrent attaches cannot both pass the check.
  await tx.select({ id: clusters.id }).from(clusters).where(eq(clusters.id, clusterId)).for('update');
  const attached = await tx
    .select({ name: l2Networks.name, type: l2Networks.type, physicalNic: l2Networks.physicalNic, vlanId: l2Networks.vlanId })
    .from(l2ClusterAttachments)
    .innerJoin(l2Networks, eq(l2Networks.id, l2ClusterAttachments.l2Id))
    .where(and(eq(l2ClusterAttachments.clusterId, clusterId), ne(l2Networks.id, l2.id)));
  enforce(checkNicConflict({ type: l2.type, physicalNic: l2.physicalNic!, vlanId: l2.vlanId }, cluster.name, attached));
  await tx.insert(l2ClusterAttachments).values({ l2Id: l2.id, clusterId }).onConflictDoNothing();
}

export const l2Service = {
  async list(db: Db, actor: Actor, input: ListInput & { type?: 'novlan' | 'vlan' | 'vxlan' }) {
    const page = await listPage<L2Row>(
      db,
      actor,
      {
        table: l2Networks,
        search: [l2Networks.name, l2Networks.physicalNic, l2Networks.description],
        sort: { name: l2Networks.name, type: l2Networks.type, vlanId: l2Networks.vlanId, createdAt: l2Networks.createdAt },
        shared: l2Networks.shared,
      },
      input,
      input.type ? eq(l2Networks.type, input.type) : undefined,
    );
    return { items: await withClusters(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    const row = await getReadable(db, actor, l2Networks, id, 'L2 network', l2Networks.shared);
    return (await withClusters(db, [row]))[0]!;
  },
  async create(db: Db, actor: Actor, input: z.output<typeof CreateL2>) {
    const vlanId = input.type === 'vlan' ? (input.vlanId ?? null) : (input.vlanId ?? null);
    enforce(checkL2Definition({ type: input.type, physicalNic: input.physicalNic, vlanId }));
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, zones, input.zoneId, 'zone', undefined, 'zoneId');
      const [row] = await tx
        .insert(l2Networks)
        .values({
          name: input.name,
          description: input.description,
          zoneId: input.zoneId,
          type: input.type,
          physicalNic: input.physicalNic,
          vlanId: input.type === 'vlan' ? vlanId : null,
          sriov: input.sriov,
          shared: input.shared,
          accountId: actor.accountId,
        })
        .returning();
      for (const clusterId of new Set(input.clusterIds)) await attach(tx, actor, row!, clusterId);
      await audit(tx, actor, 'create', 'L2 network', row!.id);
      return (await withClusters(tx, [row!]))[0]!;
    });
  },
  async attachCluster(db: Db, actor: Actor, input: { id: string; clusterId: string }) {
    return db.transaction(async (tx) => {
      const l2 = await getWritable(tx, actor, l2Networks, input.id, 'L2 network');
      await attach(tx, actor, l2, input.clusterId);
      await audit(tx, actor, 'attach', 'L2 network', l2.id, { clusterId: input.clusterId });
      return (await withClusters(tx, [l2]))[0]!;
    });
  },
  async detachCluster(db: Db, actor: Actor, input: { id: string; clusterId: string }) {
    return db.transaction(async (tx) => {
      const l2 = await getWritable(tx, actor, l2Networks, input.id, 'L2 network');
      await tx
        .delete(l2ClusterAttachments)
        .where(and(eq(l2ClusterAttachments.l2Id, l2.id), eq(l2ClusterAttachments.clusterId, input.clusterId)));
      await audit(tx, actor, 'detach', 'L2 network', l2.id, { clusterId: input.clusterId });
      return (await withClusters(tx, [l2]))[0]!;
    });
  },
  async setShared(db: Db, actor: Actor, input: { id: string; shared: boolean }) {
    return db.transaction(async (tx) => {
      const l2 = await getWritable(tx, actor, l2Networks, input.id, 'L2 network');
      const [row] = await tx.update(l2Networks).set({ shared: input.shared }).where(eq(l2Networks.id, l2.id)).returning();
      await audit(tx, actor, 'share', 'L2 network', l2.id, { shared: input.shared });
      return (await withClusters(tx, [row!]))[0]!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, l2Networks, 'L2 network', id, [
      { table: l3Networks, column: l3Networks.l2Id, label: 'L3 network(s)' },
    ]),

  /** VXLAN network from a pool (R-L2, seed 4.1): VNI inside the pool, unique in it; blank → lowest free. */
  async createVxlan(db: Db, actor: Actor, input: z.output<typeof CreateVxlanNetwork>) {
    return db.transaction(async (tx) => {
      const pool = await getReadable(tx, actor, vxlanPools, input.poolId, 'VXLAN pool', vxlanPools.shared, 'poolId');
      await tx.select({ id: vxlanPools.id }).from(vxlanPools).where(eq(vxlanPools.id, pool.id)).for('update');
      let vni = input.vni ?? undefined;
      if (vni === undefined) {
        vni = await lowestFreeVni(tx, pool);
        if (vni === undefined) throw new DomainError(E.VNI_IN_USE, `Every VNI of pool "${pool.name}" is in use.`, 'vni');
      }
      const [used] = await tx
        .select({ id: l2Networks.id })
        .from(l2Networks)
        .where(and(eq(l2Networks.vxlanPoolId, pool.id), eq(l2Networks.vni, vni)))
        .limit(1);
      enforce(checkVni(vni, pool, Boolean(used)));
      const [row] = await tx
        .insert(l2Networks)
        .values({
          name: input.name,
          description: input.description,
          zoneId: pool.zoneId,
          type: 'vxlan',
          vxlanPoolId: pool.id,
          vni,
          accountId: actor.accountId,
        })
        .returning();
      await audit(tx, actor, 'create', 'VXLAN network', row!.id);
      return (await withClusters(tx, [row!]))[0]!;
    });
  },
};

/** Lowest VNI of the pool not yet used: the pool start, or one past a used VNI whose successor is free. */
async function lowestFreeVni(tx: Executor, pool: { id: string; vniStart: number; vniEnd: number }): Promise<number | undefined> {
  const rows = await tx.execute(sql`
    SELECT c.vni FROM (
      SELECT ${pool.vniStart}::int AS vni
      UNION ALL
      SELECT vni + 1 FROM l2_networks WHERE vxlan_pool_id = ${pool.id}
    ) c
    WHERE c.vni BETWEEN ${pool.vniStart} AND ${pool.vniEnd}
      AND NOT EXISTS (SELECT 1 FROM l2_networks u WHERE u.vxlan_pool_id = ${pool.id} AND u.vni = c.vni)
    ORDER BY c.vni LIMIT 1`);
  const first = (rows as unknown as { rows: Array<{ vni: number }> }).rows[0];
  return first ? Number(first.vni) : undefined;
}

type PoolRow = typeof vxlanPools.$inferSelect;

async function poolsWithClusters(db: Executor, rows: PoolRow[]) {
  if (rows.length === 0) return [];
  const links = await db
    .select()
    .from(vxlanPoolClusters)
    .where(
      inArray(
        vxlanPoolClusters.poolId,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((r) => ({
    ...r,
    clusters: links.filter((l) => l.poolId === r.id).map((l) => ({ clusterId: l.clusterId, vtepCidr: l.vtepCidr })),
  }));
}

export const vxlanPoolService = {
  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<PoolRow>(
      db,
      actor,
      {
        table: vxlanPools,
        search: [vxlanPools.name],
        sort: { name: vxlanPools.name, vniStart: vxlanPools.vniStart, createdAt: vxlanPools.createdAt },
        shared: vxlanPools.shared,
      },
      input,
    );
    return { items: await poolsWithClusters(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    const row = await getReadable(db, actor, vxlanPools, id, 'VXLAN pool', vxlanPools.shared);
    return (await poolsWithClusters(db, [row]))[0]!;
  },
  async create(db: Db, actor: Actor, input: z.output<typeof CreateVxlanPool>) {
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, zones, input.zoneId, 'zone', undefined, 'zoneId');
      await tx.select({ id: zones.id }).from(zones).where(eq(zones.id, input.zoneId)).for('update');
      const others = await tx
        .select({ name: vxlanPools.name, vniStart: vxlanPools.vniStart, vniEnd: vxlanPools.vniEnd })
        .from(vxlanPools)
        .where(eq(vxlanPools.zoneId, input.zoneId))
        .orderBy(asc(vxlanPools.vniStart));
      enforce(checkVniRange(input, others));
      const [row] = await tx
        .insert(vxlanPools)
        .values({ ...input, accountId: actor.accountId })
        .returning();
      await audit(tx, actor, 'create', 'VXLAN pool', row!.id);
      return (await poolsWithClusters(tx, [row!]))[0]!;
    });
  },
  async attachCluster(db: Db, actor: Actor, input: { id: string; clusterId: string; vtepCidr: string }) {
    enforce(checkVtepCidr(input.vtepCidr));
    return db.transaction(async (tx) => {
      const pool = await getWritable(tx, actor, vxlanPools, input.id, 'VXLAN pool');
      const cluster = await getReadable(tx, actor, clusters, input.clusterId, 'cluster', undefined, 'clusterId');
      if (cluster.zoneId !== pool.zoneId)
        throw new DomainError(E.INVALID_INPUT, `Cluster "${cluster.name}" is in another zone.`, 'clusterId');
      await tx
        .insert(vxlanPoolClusters)
        .values({ poolId: pool.id, clusterId: cluster.id, vtepCidr: input.vtepCidr })
        .onConflictDoUpdate({
          target: [vxlanPoolClusters.poolId, vxlanPoolClusters.clusterId],
          set: { vtepCidr: input.vtepCidr },
        });
      await audit(tx, actor, 'attach', 'VXLAN pool', pool.id, { clusterId: cluster.id, vtepCidr: input.vtepCidr });
      return (await poolsWithClusters(tx, [pool]))[0]!;
    });
  },
  async detachCluster(db: Db, actor: Actor, input: { id: string; clusterId: string }) {
    return db.transaction(async (tx) => {
      const pool = await getWritable(tx, actor, vxlanPools, input.id, 'VXLAN pool');
      await tx
        .delete(vxlanPoolClusters)
        .where(and(eq(vxlanPoolClusters.poolId, pool.id), eq(vxlanPoolClusters.clusterId, input.clusterId)));
      await audit(tx, actor, 'detach', 'VXLAN pool', pool.id, { clusterId: input.clusterId });
      return (await poolsWithClusters(tx, [pool]))[0]!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, vxlanPools, 'VXLAN pool', id, [
      { table: l2Networks, column: l2Networks.vxlanPoolId, label: 'VXLAN network(s)' },
    ]),
};
