import { eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import {
  agents,
  backupStorages,
  clusters,
  hosts,
  images,
  vms,
  vrouters,
  l2ClusterAttachments,
  l2Networks,
  primaryStorages,
  vxlanPoolClusters,
  vxlanPools,
  vrouterOfferings,
  zones,
} from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { isIpv4 } from '@/lib/ipv4';
import type { CreateCluster, CreateHost, CreateStorage, CreateZone, ListInput } from '../domain/schema';
import { agentAuthority, issueAgentCertificate } from '../pki/agent-ca';
import { registerAgent } from './agents';
import { syncView } from './vm';
import { audit, deleteOwned, getReadable, listPage } from './scope';

export const zoneService = {
  list: (db: Db, actor: Actor, input: ListInput) =>
    listPage<typeof zones.$inferSelect>(
      db,
      actor,
      { table: zones, search: [zones.name, zones.description], sort: { name: zones.name, createdAt: zones.createdAt } },
      input,
    ),
  get: (db: Db, actor: Actor, id: string) => getReadable(db, actor, zones, id, 'zone'),
  async create(db: Db, actor: Actor, input: z.output<typeof CreateZone>) {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(zones)
        .values({ ...input, accountId: actor.accountId })
        .returning();
      await audit(tx, actor, 'create', 'zone', row!.id);
      return row!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, zones, 'zone', id, [
      { table: clusters, column: clusters.zoneId, label: 'cluster(s)' },
      { table: l2Networks, column: l2Networks.zoneId, label: 'L2 network(s)' },
      { table: vxlanPools, column: vxlanPools.zoneId, label: 'VXLAN pool(s)' },
      { table: backupStorages, column: backupStorages.zoneId, label: 'backup storage(s)' },
      { table: primaryStorages, column: primaryStorages.zoneId, label: 'primary storage(s)' },
      { table: vrouterOfferings, column: vrouterOfferings.zoneId, label: 'vRouter offering(s)' },
    ]),
};

export const clusterService = {
  list: (db: Db, actor: Actor, input: ListInput) =>
    listPage<typeof clusters.$inferSelect>(
      db,
      actor,
      {
        table: clusters,
        search: [clusters.name, clusters.description],
        sort: { name: clusters.name, createdAt: clusters.createdAt },
      },
      input,
    ),
  get: (db: Db, actor: Actor, id: string) => getReadable(db, actor, clusters, id, 'cluster'),
  async create(db: Db, actor: Actor, input: z.output<typeof CreateCluster>) {
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, zones, input.zoneId, 'zone', undefined, 'zoneId');
      const [row] = await tx
        .insert(clusters)
        .values({ ...input, accountId: actor.accountId })
        .returning();
      await audit(tx, actor, 'create', 'cluster', row!.id);
      return row!;
    });
  },
  delete: (db: Db, actor: Actor, id: string) =>
    deleteOwned(db, actor, clusters, 'cluster', id, [
      { table: hosts, column: hosts.clusterId, label: 'host(s)' },
      { table: l2ClusterAttachments, column: l2ClusterAttachments.clusterId, label: 'attached L2 network(s) (detach them)' },
      { table: vxlanPoolClusters, column: vxlanPoolClusters.clusterId, label: 'attached VXLAN pool(s) (detach them)' },
    ]),
};

/** Hosts with their agent's sync status (issue 4: visible in the console). */
async function withSync(db: Executor, rows: Array<typeof hosts.$inferSelect>) {
  if (rows.length === 0) return [];
  const rowsOfAgents = await db
    .select()
    .from(agents)
    .where(
      inArray(
        agents.id,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((r) => ({ ...r, sync: syncView(rowsOfAgents.find((a) => a.id === r.id)) }));
}

export const hostService = {
  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<typeof hosts.$inferSelect>(
      db,
      actor,
      {
        table: hosts,
        search: [hosts.name, hosts.managementIp, hosts.description],
        sort: { name: hosts.name, managementIp: hosts.managementIp, createdAt: hosts.createdAt },
      },
      input,
    );
    return { items: await withSync(db, page.items), total: page.total };
  },
  get: async (db: Db, actor: Actor, id: string) => (await withSync(db, [await getReadable(db, actor, hosts, id, 'host')]))[0]!,
  async create(db: Db, actor: Actor, input: z.output<typeof CreateHost>) {
    if (!isIpv4(input.managementIp))
      throw new DomainError(E.INVALID_ADDRESS, `"${input.managementIp}" is not an IPv4 address.`, 'managementIp');
    if (input.vtepIp && !isIpv4(input.vtepIp))
      throw new DomainError(E.INVALID_ADDRESS, `"${input.vtepIp}" is not an IPv4 address.`, 'vtepIp');
    const nics = [...new Set(input.nics)];
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, clusters, input.clusterId, 'cluster', undefined, 'clusterId');
      const [dup] = await tx.select({ id: hosts.id }).from(hosts).where(eq(hosts.managementIp, input.managementIp)).limit(1);
      if (dup)
        throw new DomainError(E.NAME_TAKEN, `Another host already has management IP ${input.managementIp}.`, 'managementIp');
      const [row] = await tx
        .insert(hosts)
        .values({ ...input, vtepIp: input.vtepIp || null, nics, accountId: actor.accountId })
        .returning();
      await registerAgent(tx, row!.id, 'host');
      await audit(tx, actor, 'create', 'host', row!.id);
      return (await withSync(tx, [row!]))[0]!;
    });
  },
  async agentAccess(db: Db, actor: Actor, id: string) {
    await getReadable(db, actor, hosts, id, 'host');
    const [a] = await db.select().from(agents).where(eq(agents.id, id));
    if (!a) throw new DomainError(E.NOT_FOUND, 'This host has no agent record.');
    return { id, endpoint: a.endpoint, token: a.token, sync: syncView(a) };
  },
  async setAgentEndpoint(db: Db, actor: Actor, input: { id: string; endpoint: string }) {
    return db.transaction(async (tx) => {
      await getReadable(tx, actor, hosts, input.id, 'host');
      // A new endpoint: push the full config there at once.
      const [a] = await tx
        .update(agents)
        .set({ endpoint: input.endpoint, appliedGeneration: 0, nextAttemptAt: new Date(), failures: 0 })
        .where(eq(agents.id, input.id))
        .returning();
      await audit(tx, actor, 'set-agent-endpoint', 'host', input.id, { endpoint: input.endpoint });
      return { id: input.id, endpoint: a!.endpoint, token: a!.token, sync: syncView(a) };
    });
  },
  /** Issues the host agent a TLS certificate (CN = its id, SAN = its management IP); the key is not kept. */
  async issueAgentCertificate(db: Db, actor: Actor, id: string) {
    const host = await getReadable(db, actor, hosts, id, 'host');
    const issued = await issueAgentCertificate(await agentAuthority(db), id, [host.managementIp]);
    await audit(db, actor, 'issue-agent-certificate', 'host', id, { fingerprint: issued.fingerprint, notAfter: issued.notAfter });
    return {
      id,
      certificate: issued.certPem,
      privateKey: issued.keyPem,
      ca: issued.caPem,
      notAfter: issued.notAfter.toISOString(),
      fingerprint: issued.fingerprint,
    };
  },
  async delete(db: Db, actor: Actor, id: string) {
    await deleteOwned(db, actor, hosts, 'host', id, [
      { table: vms, column: vms.hostId, label: 'VM(s)' },
      { table: vrouters, column: vrouters.hostId, label: 'vRouter(s)' },
    ]);
    await db.delete(agents).where(eq(agents.id, id));
  },
};

function storageService(table: typeof backupStorages | typeof primaryStorages, what: string, type: string) {
  return {
    list: (db: Db, actor: Actor, input: ListInput) =>
      listPage<typeof table.$inferSelect>(
        db,
        actor,
        { table, search: [table.name, table.url], sort: { name: table.name, createdAt: table.createdAt } },
        input,
      ),
    get: (db: Db, actor: Actor, id: string) => getReadable(db, actor, table, id, what),
    async create(db: Db, actor: Actor, input: z.output<typeof CreateStorage>) {
      return db.transaction(async (tx) => {
        await getReadable(tx, actor, zones, input.zoneId, 'zone', undefined, 'zoneId');
        const [row] = await tx
          .insert(table)
          .values({ ...input, type, accountId: actor.accountId })
          .returning();
        await audit(tx, actor, 'create', what, row!.id);
        return row!;
      });
    },
    delete: (db: Db, actor: Actor, id: string) =>
      deleteOwned(
        db,
        actor,
        table,
        what,
        id,
        table === backupStorages ? [{ table: images, column: images.backupStorageId, label: 'image(s)' }] : [],
      ),
  };
}

export const backupStorageService = storageService(backupStorages, 'backup storage', 'ImageStore');
export const primaryStorageService = storageService(primaryStorages, 'primary storage', 'LocalStorage');
