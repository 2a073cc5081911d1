import { z } from 'zod';
import { vms } from '@/db/schema';
import { CreateVm, IdInput, ListInput, listOf, VmActionInput, VmView, VRouterView } from '../../domain/schema';
import { vmService, vrouterService } from '../../services/vm';
import { router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const { list, get, update, delete: remove } = crudProcedures({
  path: '/vms',
  tag: 'compute',
  what: 'VM',
  table: vms,
  create: CreateVm,
  view: VmView,
  writes: 'tenant',
  // Only list/get/update/delete are taken from here; create (which returns every VM made) is below.
  service: { ...vmService, create: () => Promise.reject(new Error('unused')) },
});

export const vmRouter = router({
  list,
  get,
  update,
  delete: remove,
  // Creating returns every VM made (R-VM-1: one or N at once).
  create: tenantProcedure
    .meta({ openapi: { method: 'POST', path: '/vms', tags: ['compute'], summary: 'Create one or N VMs (R-VM-1); the first VM on a vRouter L3 creates its vRouter (R-VM-2)', protect: true } })
    .input(CreateVm)
    .output(z.array(VmView))
    .mutation(({ ctx, input }) => vmService.create(ctx.db, ctx.actor, input)),
  action: tenantProcedure
    .meta({ openapi: { method: 'POST', path: '/vms/{id}/actions', tags: ['compute'], summary: 'Start, stop or reboot a VM', protect: true } })
    .input(VmActionInput)
    .output(VmView)
    .mutation(({ ctx, input }) => vmService.action(ctx.db, ctx.actor, input)),
});

export const vrouterRouter = router({
  list: tenantProcedure
    .meta({ openapi: { method: 'GET', path: '/vrouters', tags: ['compute'], summary: 'List vRouters', protect: true } })
    .input(ListInput)
    .output(listOf(VRouterView))
    .query(({ ctx, input }) => vrouterService.list(ctx.db, ctx.actor, input)),
  get: tenantProcedure
    .meta({ openapi: { method: 'GET', path: '/vrouters/{id}', tags: ['compute'], summary: 'Get a vRouter with its NICs and sync status', protect: true } })
    .input(IdInput)
    .output(VRouterView)
    .query(({ ctx, input }) => vrouterService.get(ctx.db, ctx.actor, input.id)),
});
