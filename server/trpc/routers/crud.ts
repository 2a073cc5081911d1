import { z } from 'zod';
import type { Db } from '@/db/client';
import type { Actor } from '../../auth/actor';
import { Description, IdInput, ListInput, listOf, Name } from '../../domain/schema';
import { type OwnedTable, updateNaming } from '../../services/scope';
import { adminProcedure, tenantProcedure } from '../init';

interface CrudService<TCreate, TRow> {
  list(db: Db, actor: Actor, input: z.output<typeof ListInput>): Promise<{ items: TRow[]; total: number }>;
  get(db: Db, actor: Actor, id: string): Promise<TRow>;
  create(db: Db, actor: Actor, input: TCreate): Promise<TRow>;
  delete(db: Db, actor: Actor, id: string): Promise<void>;
}

/**
 * (TypeScript cannot relate a generic zod schema's input type to tRPC's inferred output type, so
 * the resolvers cast to `never`; the CrudService constraint above is what checks the service's
 * rows against the view schema at each call site, and the output parser checks them at run time.)
 *
 * The five plain procedures of a resource, on tRPC and REST alike:
 * GET /path, GET /path/{id}, POST /path, PATCH /path/{id}, DELETE /path/{id}.
 * `writes` is who may create/update/delete (reads are always scoped to the caller).
 */
export function crudProcedures<TCreateSchema extends z.ZodObject, TView extends z.ZodObject>(opts: {
  path: `/${string}`;
  tag: string;
  what: string;
  table: OwnedTable;
  create: TCreateSchema;
  view: TView;
  writes: 'admin' | 'tenant';
  service: CrudService<z.output<TCreateSchema>, TView['_zod']['input']>;
  /** Extra list filters (e.g. L3 category), merged into the list input. */
  filters?: z.ZodObject;
}) {
  const { path, tag, what } = opts;
  const writer = opts.writes === 'admin' ? adminProcedure : tenantProcedure;
  const tags = [tag];
  return {
    list: tenantProcedure
      .meta({ openapi: { method: 'GET', path, tags, summary: `List ${what}s`, protect: true } })
      .input(opts.filters ? ListInput.extend(opts.filters.shape) : ListInput)
      .output(listOf(opts.view))
      .query(({ ctx, input }) => opts.service.list(ctx.db, ctx.actor, input as z.output<typeof ListInput>) as Promise<never>),
    get: tenantProcedure
      .meta({ openapi: { method: 'GET', path: `${path}/{id}`, tags, summary: `Get a ${what}`, protect: true } })
      .input(IdInput)
      .output(opts.view)
      .query(({ ctx, input }) => opts.service.get(ctx.db, ctx.actor, input.id) as Promise<never>),
    create: writer
      .meta({ openapi: { method: 'POST', path, tags, summary: `Create a ${what}`, protect: true } })
      .input(opts.create)
      .output(opts.view)
      .mutation(({ ctx, input }) => opts.service.create(ctx.db, ctx.actor, input as z.output<TCreateSchema>) as Promise<never>),
    update: writer
      .meta({
        openapi: { method: 'PATCH', path: `${path}/{id}`, tags, summary: `Rename or re-describe a ${what}`, protect: true },
      })
      .input(z.object({ id: z.uuid(), name: Name.optional(), description: Description.optional() }))
      .output(opts.view)
      .mutation(async ({ ctx, input }) => {
        await ctx.db.transaction((tx) => updateNaming(tx, ctx.actor, opts.table, what, input));
        return opts.service.get(ctx.db, ctx.actor, input.id) as Promise<never>;
      }),
    delete: writer
      .meta({ openapi: { method: 'DELETE', path: `${path}/{id}`, tags, summary: `Delete a ${what}`, protect: true } })
      .input(IdInput)
      .output(z.object({ id: z.uuid() }))
      .mutation(async ({ ctx, input }) => {
        await opts.service.delete(ctx.db, ctx.actor, input.id);
        return { id: input.id };
      }),
  };
}
