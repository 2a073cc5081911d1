import { asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import {
  agents,
  hosts,
  ipRanges,
  l2ClusterAttachments,
  l2Networks,
  l3Networks,
  nics,
  vms,
  vrouters,
  vxlanPoolClusters,
} from '@/db/schema';
import { intToIp, rangeToCidrs } from '@/lib/ipv4';
import { bumpAgents } from '../services/agents';
import type { DataCenterInventory, DataCenterPort, DataCenterSyncReport, InventoryMachine } from './port';

/** Reads the data center the database describes, as the data-plane port takes it. */
export async function loadInventory(db: Db): Promise<DataCenterInventory> {
  const tokens = new Map((await db.select({ id: agents.id, token: agents.token }).from(agents)).map((a) => [a.id, a.token]));

  const publics = await db
    .select({ l3: l3Networks })
    .from(l3Networks)
    .where(eq(l3Networks.category, 'public'))
    .orderBy(asc(l3Networks.createdAt));
  const publicNetworks: DataCenterInventory['publicNetworks'] = [];
  for (const { l3 } of publics) {
    // Every range of the network (the seed's public network has two): they share its gateway and subnet.
    const ranges = await db.select().from(ipRanges).where(eq(ipRanges.l3Id, l3.id)).orderBy(asc(ipRanges.startIp));
    const [range] = ranges;
    if (!range) continue;
    publicNetworks.push({
      l3Id: l3.id,
      l2Id: l3.l2Id,
      gateway: intToIp(range.gateway),
      prefixLength: range.prefixLength,
      rangeCidrs: ranges.flatMap((r) => rangeToCidrs(r.startIp, r.endIp)),
    });
  }

  const hostRows = await db.select().from(hosts).orderBy(asc(hosts.createdAt));
  const attachments = await db
    .select({ clusterId: l2ClusterAttachments.clusterId, l2: l2Networks })
    .from(l2ClusterAttachments)
    .innerJoin(l2Networks, eq(l2Networks.id, l2ClusterAttachments.l2Id));
  const pools = await db.select().from(vxlanPoolClusters);
  const inventoryHosts = hostRows.map((host) => {
    const pool = pools.find((p) => p.clusterId === host.clusterId);
    return {
      id: host.id,
      nics: host.nics,
      l2s: attachments
        .filter((a) => a.clusterId === host.clusterId)
        .map(({ l2 }) => ({ id: l2.id, type: l2.type, physicalNic: l2.physicalNic, vlanId: l2.vlanId })),
      vtep: { ip: host.vtepIp ?? host.managementIp, prefixLength: pool ? Number(pool.vtepCidr.split('/')[1]) : 24 },
      agentToken: tokens.get(host.id) ?? '',
    };
  });

  const running = [
    ...(await db.select().from(vms).where(eq(vms.state, 'running'))).map((v) => ({ kind: 'vm' as const, row: v })),
    ...(await db.select().from(vrouters).where(eq(vrouters.state, 'running'))).map((r) => ({ kind: 'vrouter' as const, row: r })),
  ];
  const ids = running.map((m) => m.row.id);
  const vmNics = ids.length ? await db.select().from(nics).where(inArray(nics.vmId, ids)) : [];
  const routerNics = ids.length ? await db.select().from(nics).where(inArray(nics.vrouterId, ids)) : [];
  const machines: InventoryMachine[] = running.map(({ kind, row }) => ({
    kind,
    id: row.id,
    hostId: row.hostId,
    name: row.name,
    agentToken: kind === 'vrouter' ? (tokens.get(row.id) ?? '') : null,
    nics: (kind === 'vm' ? vmNics.filter((n) => n.vmId === row.id) : routerNics.filter((n) => n.vrouterId === row.id))
      .filter((n) => n.active)
      .sort((a, b) => a.deviceIndex - b.deviceIndex)
      .map((n) => ({ id: n.id, deviceIndex: n.deviceIndex, mac: n.mac, isDefault: n.isDefault })),
  }));
  return { publicNetworks, hosts: inventoryHosts, machines };
}

/** Records what the port reports: where the agents it started listen, and which hosts must plug new ports. */
export async function recordSyncReport(db: Db, report: DataCenterSyncReport): Promise<void> {
  if (report.agentEndpoints.length === 0 && report.hostsChanged !== 'all' && report.hostsChanged.length === 0) return;
  await db.transaction(async (tx) => {
    for (const { agentId, endpoint } of report.agentEndpoints) {
      await tx.update(agents).set({ endpoint }).where(eq(agents.id, agentId));
    }
    const hostIds =
      report.hostsChanged === 'all' ? (await tx.select({ id: hosts.id }).from(hosts)).map((h) => h.id) : report.hostsChanged;
    if (hostIds.length)
      await tx
        .update(agents)
        .set({ portsEpoch: sql`${agents.portsEpoch} + 1` })
        .where(inArray(agents.id, hostIds));
    await bumpAgents(tx, hostIds);
  });
}

/** One round of playing the hypervisor: the database's data center is made real by the port. */
export async function syncDataCenter(db: Db, port: DataCenterPort): Promise<void> {
  await recordSyncReport(db, await port.sync(await loadInventory(db)));
}
