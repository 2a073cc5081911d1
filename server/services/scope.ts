import { and, asc, count, desc, eq, ilike, or, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Db, Executor } from '@/db/client';
import { auditEvents } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import type { ListInput } from '../domain/schema';

/** A table with the columns every owned resource has. */
export type OwnedTable = PgTable & { id: PgColumn; accountId: PgColumn; name: PgColumn; createdAt: PgColumn };

/** Rows the actor may read: all for an admin; own (and shared, where the table has it) for a tenant. */
export function readable(actor: Actor, table: OwnedTable, shared?: PgColumn): SQL | undefined {
  if (actor.role === 'admin') return undefined;
  const own = eq(table.accountId, actor.accountId);
  return shared ? or(own, eq(shared, true)) : own;
}

/** Rows the actor may change or delete: all for an admin, own for a tenant. */
export function writable(actor: Actor, table: OwnedTable): SQL | undefined {
  return actor.role === 'admin' ? undefined : eq(table.accountId, actor.accountId);
}

export function notFound(what: string): DomainError {
  return new DomainError(E.NOT_FOUND, `No such ${what}.`);
}

/** One visible row by id, or NOT_FOUND — another tenant's row looks exactly like a missing one. */
export async function getReadable<T extends OwnedTable>(
  db: Executor,
  actor: Actor,
  table: T,
  id: string,
  what: string,
  shared?: PgColumn,
  field?: string,
): Promise<T['$inferSelect']> {
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), readable(actor, table, shared)))
    .limit(1);
  const row = rows[0];
  if (!row) throw new DomainError(E.NOT_FOUND, `No such ${what}.`, field);
  return row as T['$inferSelect'];
}

export async function getWritable<T extends OwnedTable>(
  db: Executor,
  actor: Actor,
  table: T,
  id: string,
  what: string,
): Promise<T['$inferSelect']> {
  const rows = await db
    .select()
    .from(table as PgTable)
    .where(and(eq(table.id, id), writable(actor, table)))
    .for('update')
    .limit(1);
  const row = rows[0];
  if (!row) throw notFound(what);
  return row as T['$inferSelect'];
}

export interface ListSpec {
  table: OwnedTable;
  search: PgColumn[];
  sort: Record<string, PgColumn>;
  shared?: PgColumn;
}

const likePattern = (s: string) => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Server-side search, sort and pagination over the rows the actor may read. */
export async function listPage<Row>(
  db: Executor,
  actor: Actor,
  spec: ListSpec,
  input: ListInput,
  extra?: SQL,
): Promise<{ items: Row[]; total: number }> {
  const page = input.page ?? 1;
  const pageSize = input.pageSize ?? 20;
  const term = input.search?.trim();
  const where = and(
    readable(actor, spec.table, spec.shared),
    extra,
    term ? or(...spec.search.map((c) => ilike(c, likePattern(term)))) : undefined,
  );
  const sortCol = (input.sort && spec.sort[input.sort]) || spec.table.createdAt;
  const order = input.dir === 'desc' ? desc(sortCol) : asc(sortCol);
  const [items, totals] = await Promise.all([
    db
      .select()
      .from(spec.table as PgTable)
      .where(where)
      .orderBy(order, asc(spec.table.id))
      .limit(pageSize)
      .offset((page - 1) * pageSize),
    db
      .select({ n: count() })
      .from(spec.table as PgTable)
      .where(where),
  ]);
  return { items: items as Row[], total: Number(totals[0]?.n ?? 0) };
}

/** Refuses when any dependent rows exist: `label` names them for a person. */
export async function refuseIfUsed(
  db: Executor,
  what: string,
  deps: Array<{ table: PgTable; column: PgColumn; id: string; label: string }>,
) {
  for (const d of deps) {
    const [row] = await db.select({ n: count() }).from(d.table).where(eq(d.column, d.id));
    const n = Number(row?.n ?? 0);
    if (n > 0)
      throw new DomainError(E.IN_USE, `This ${what} is used by ${n} ${d.label}; remove ${n === 1 ? 'it' : 'them'} first.`);
  }
}

export type Dependents = Array<{ table: PgTable; column: PgColumn; label: string }>;

/** Deletes one owned row in its own transaction: refuses with IN_USE while `deps` reference it. */
export async function deleteOwned(db: Db, actor: Actor, table: OwnedTable, what: string, id: string, deps: Dependents = []) {
  await db.transaction(async (tx) => {
    await getWritable(tx, actor, table, id, what);
    await refuseIfUsed(
      tx,
      what,
      deps.map((d) => ({ ...d, id })),
    );
    await tx.delete(table as PgTable).where(eq(table.id, id));
    await audit(tx, actor, 'delete', what, id);
  });
}

export async function audit(
  db: Executor,
  actor: Actor,
  action: string,
  resourceType: string,
  resourceId: string | null,
  detail?: unknown,
) {
  await db.insert(auditEvents).values({ accountId: actor.accountId, action, resourceType, resourceId, detail: detail ?? null });
}

/** Rename / re-describe: the fields every resource lets you edit. */
export async function updateNaming<T extends OwnedTable>(
  db: Executor,
  actor: Actor,
  table: T,
  what: string,
  input: { id: string; name?: string; description?: string },
): Promise<T['$inferSelect']> {
  await getWritable(db, actor, table, input.id, what);
  const set: Record<string, string> = {};
  if (input.name !== undefined) set.name = input.name;
  if (input.description !== undefined) set.description = input.description;
  const rows = Object.keys(set).length
    ? await db
        .update(table as PgTable)
        .set(set)
        .where(eq(table.id, input.id))
        .returning()
    : await db
        .select()
        .from(table as PgTable)
        .where(eq(table.id, input.id));
  await audit(db, actor, 'update', what, input.id, set);
  return rows[0] as T['$inferSelect'];
}
