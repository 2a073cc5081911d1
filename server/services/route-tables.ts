import { and, asc, eq, inArray } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { ipRanges, nics, routeEntries, routeTableRouters, routeTables, vrouters } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { inSubnet, ipToInt, subnetOf } from '@/lib/ipv4';
import type { AddRouteEntry, CreateRouteTable, ListInput } from '../domain/schema';
import { checkRouteEntry, isRefusal } from '../domain/vrouter-services/rules';
import { bumpAgents } from './agents';
import { previewOn } from './preview';
import { audit, getReadable, getWritable, listPage } from './scope';

type TableRow = typeof routeTables.$inferSelect;

async function views(db: Executor, rows: TableRow[]) {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const entries = await db
    .select()
    .from(routeEntries)
    .where(inArray(routeEntries.tableId, ids))
    .orderBy(asc(routeEntries.createdAt));
  const links = await db.select().from(routeTableRouters).where(inArray(routeTableRouters.tableId, ids));
  return rows.map((r) => ({
    ...r,
    entries: entries
      .filter((e) => e.tableId === r.id)
      .map((e) => ({ id: e.id, destination: e.destination, nextHop: e.nextHop, description: e.description })),
    vrouterIds: links.filter((l) => l.tableId === r.id).map((l) => l.vrouterId),
  }));
}

/**
 * A next hop must be on the subnet of one of the router's NICs, or the router cannot reach it
 * (R-RT-1). It may be the router's own address: one table can serve both ends (seed 4.1), and each
 * router skips the entry that points at itself.
 */
async function checkReachable(tx: Executor, routerId: string, nextHop: string, field: string) {
  const [router] = await tx.select().from(vrouters).where(eq(vrouters.id, routerId));
  const own = await tx.select({ l3Id: nics.l3Id, ip: nics.ip }).from(nics).where(eq(nics.vrouterId, routerId));
  const ranges = own.length
    ? await tx
        .select()
        .from(ipRanges)
        .where(
          inArray(
            ipRanges.l3Id,
            own.map((n) => n.l3Id),
          ),
        )
    : [];
  const hop = ipToInt(nextHop);
  const ok = own.some((n) => ranges.some((r) => r.l3Id === n.l3Id && inSubnet(hop, subnetOf(n.ip, r.prefixLength))));
  if (!ok)
    throw new DomainError(
      E.ROUTE_INVALID,
      `${nextHop} is not on any network of vRouter "${router?.name}"; a next hop must be directly reachable.`,
      field,
    );
}

async function attachedRouters(tx: Executor, tableId: string) {
  return (
    await tx.select({ id: routeTableRouters.vrouterId }).from(routeTableRouters).where(eq(routeTableRouters.tableId, tableId))
  ).map((r) => r.id);
}

async function attach(tx: Executor, actor: Actor, table: TableRow, vrouterId: string) {
  await getReadable(tx, actor, vrouters, vrouterId, 'vRouter', undefined, 'vrouterIds');
  const entries = await tx.select().from(routeEntries).where(eq(routeEntries.tableId, table.id));
  for (const e of entries) await checkReachable(tx, vrouterId, e.nextHop, 'vrouterIds');
  await tx.insert(routeTableRouters).values({ tableId: table.id, vrouterId }).onConflictDoNothing();
  await bumpAgents(tx, [vrouterId]);
}

async function addEntry(tx: Executor, actor: Actor, input: z.output<typeof AddRouteEntry>) {
  const table = await getWritable(tx, actor, routeTables, input.id, 'route table');
  const checked = checkRouteEntry(input.destination, input.nextHop);
  if (isRefusal(checked)) throw checked;
  const [dup] = await tx
    .select()
    .from(routeEntries)
    .where(and(eq(routeEntries.tableId, table.id), eq(routeEntries.destination, input.destination)));
  if (dup)
    throw new DomainError(E.ROUTE_INVALID, `This table already routes ${input.destination} (via ${dup.nextHop}).`, 'destination');
  const routers = await attachedRouters(tx, table.id);
  for (const r of routers) await checkReachable(tx, r, input.nextHop, 'nextHop');
  await tx
    .insert(routeEntries)
    .values({ tableId: table.id, destination: input.destination, nextHop: input.nextHop, description: input.description });
  await bumpAgents(tx, routers);
  return { table, routers };
}

export const routeTableService = {
  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<TableRow>(
      db,
      actor,
      {
        table: routeTables,
        search: [routeTables.name, routeTables.description],
        sort: { name: routeTables.name, createdAt: routeTables.createdAt },
      },
      input,
    );
    return { items: await views(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await views(db, [await getReadable(db, actor, routeTables, id, 'route table')]))[0]!;
  },
  /** R-RT-1: create, optionally attached to vRouters at once. */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateRouteTable>) {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(routeTables)
        .values({ name: input.name, description: input.description, accountId: actor.accountId })
        .returning();
      for (const id of input.vrouterIds) await attach(tx, actor, row!, id);
      await audit(tx, actor, 'create', 'route table', row!.id);
      return (await views(tx, [row!]))[0]!;
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const table = await getWritable(tx, actor, routeTables, id, 'route table');
      const routers = await attachedRouters(tx, table.id);
      await tx.delete(routeTables).where(eq(routeTables.id, table.id));
      await bumpAgents(tx, routers);
      await audit(tx, actor, 'delete', 'route table', table.id);
    });
  },
  /** R-RT-1: "destination CIDR → next-hop IP"; every attached router must reach the next hop. */
  async addEntry(db: Db, actor: Actor, input: z.output<typeof AddRouteEntry>) {
    return db.transaction(async (tx) => {
      const { table } = await addEntry(tx, actor, input);
      await audit(tx, actor, 'add-entry', 'route table', table.id, { destination: input.destination, nextHop: input.nextHop });
      return (await views(tx, [table]))[0]!;
    });
  },
  /** The routes and SNAT exclusions each attached vRouter would apply (nothing is saved). */
  previewAddEntry(db: Db, actor: Actor, input: z.output<typeof AddRouteEntry>) {
    return previewOn(db, async (tx) => (await addEntry(tx, actor, input)).routers);
  },
  async removeEntry(db: Db, actor: Actor, input: { id: string; entryId: string }) {
    return db.transaction(async (tx) => {
      const table = await getWritable(tx, actor, routeTables, input.id, 'route table');
      const [gone] = await tx
        .delete(routeEntries)
        .where(and(eq(routeEntries.id, input.entryId), eq(routeEntries.tableId, table.id)))
        .returning();
      if (!gone) throw new DomainError(E.NOT_FOUND, 'No such route entry.', 'entryId');
      await bumpAgents(tx, await attachedRouters(tx, table.id));
      await audit(tx, actor, 'remove-entry', 'route table', table.id, { destination: gone.destination });
      return (await views(tx, [table]))[0]!;
    });
  },
  async attach(db: Db, actor: Actor, input: { id: string; vrouterId: string }) {
    return db.transaction(async (tx) => {
      const table = await getWritable(tx, actor, routeTables, input.id, 'route table');
      await attach(tx, actor, table, input.vrouterId);
      await audit(tx, actor, 'attach', 'route table', table.id, { vrouterId: input.vrouterId });
      return (await views(tx, [table]))[0]!;
    });
  },
  async detach(db: Db, actor: Actor, input: { id: string; vrouterId: string }) {
    return db.transaction(async (tx) => {
      const table = await getWritable(tx, actor, routeTables, input.id, 'route table');
      await tx
        .delete(routeTableRouters)
        .where(and(eq(routeTableRouters.tableId, table.id), eq(routeTableRouters.vrouterId, input.vrouterId)));
      await bumpAgents(tx, [input.vrouterId]);
      await audit(tx, actor, 'detach', 'route table', table.id, { vrouterId: input.vrouterId });
      return (await views(tx, [table]))[0]!;
    });
  },
};
