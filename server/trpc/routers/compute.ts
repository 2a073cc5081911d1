import { z } from 'zod';
import { vms } from '@/db/schema';
import {
  CheckInput,
  CheckResultView,
  CheckSpec,
  CreateVm,
  IdInput,
  ListInput,
  listOf,
  SystemStatusView,
  VmActionInput,
  VmNicInput,
  VmView,
  VRouterL3Input,
  VRouterView,
} from '../../domain/schema';
import { checkFromInternet, checkFromVm } from '../../services/checks';
import { dataPlane } from '../../dataplane/current';
import { vmService, vrouterService } from '../../services/vm';
import { router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const {
  list,
  get,
  update,
  delete: remove,
} = crudProcedures({
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
    .meta({
      openapi: {
        method: 'POST',
        path: '/vms',
        tags: ['compute'],
        summary: 'Create one or N VMs (R-VM-1); the first VM on a vRouter L3 creates its vRouter (R-VM-2)',
        protect: true,
      },
    })
    .input(CreateVm)
    .output(z.array(VmView))
    .mutation(({ ctx, input }) => vmService.create(ctx.db, ctx.actor, input)),
  action: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vms/{id}/actions',
        tags: ['compute'],
        summary: 'Start, stop or reboot a VM',
        protect: true,
      },
    })
    .input(VmActionInput)
    .output(VmView)
    .mutation(({ ctx, input }) => vmService.action(ctx.db, ctx.actor, input)),
  attachNic: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vms/{id}/nics',
        tags: ['compute'],
        summary: 'Attach a NIC on another network; on a running VM it takes effect after a reboot (R-VM-1)',
        protect: true,
      },
    })
    .input(VmNicInput)
    .output(VmView)
    .mutation(({ ctx, input }) => vmService.attachNic(ctx.db, ctx.actor, input)),
  check: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vms/{vmId}/checks',
        tags: ['compute'],
        summary: 'Run a connectivity check from inside a VM (ping, tcp, udp, http, dns, listen)',
        protect: true,
      },
    })
    .input(CheckInput)
    .output(CheckResultView)
    .mutation(({ ctx, input }) => checkFromVm(ctx.db, ctx.actor, input)),
});

export const systemRouter = router({
  checkFromInternet: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/system/internet-checks',
        tags: ['compute'],
        summary: 'Run a connectivity check from the lab internet (to an EIP or a forwarded port)',
        protect: true,
      },
    })
    .input(z.object({ check: CheckSpec }))
    .output(CheckResultView)
    .mutation(({ input }) => checkFromInternet(input)),
  status: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/system/status',
        tags: ['compute'],
        summary: 'Data plane status: reconciler and built-in lab',
        protect: true,
      },
    })
    .input(z.void())
    .output(SystemStatusView)
    .query(
      () =>
        dataPlane()?.status() ?? {
          reconciler: 'stopped',
          lab: 'off',
          labName: null,
          note: 'The data plane has not started in this process.',
        },
    ),
});

export const vrouterRouter = router({
  list: tenantProcedure
    .meta({ openapi: { method: 'GET', path: '/vrouters', tags: ['compute'], summary: 'List vRouters', protect: true } })
    .input(ListInput)
    .output(listOf(VRouterView))
    .query(({ ctx, input }) => vrouterService.list(ctx.db, ctx.actor, input)),
  get: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/vrouters/{id}',
        tags: ['compute'],
        summary: 'Get a vRouter with its NICs and sync status',
        protect: true,
      },
    })
    .input(IdInput)
    .output(VRouterView)
    .query(({ ctx, input }) => vrouterService.get(ctx.db, ctx.actor, input.id)),
  attachL3: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vrouters/{id}/l3-networks',
        tags: ['compute'],
        summary: 'Attach another public L3 (R-MPUB-1) or a vRouter L3 to a running vRouter',
        protect: true,
      },
    })
    .input(VRouterL3Input)
    .output(VRouterView)
    .mutation(({ ctx, input }) => vrouterService.attachL3(ctx.db, ctx.actor, input)),
  detachL3: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/vrouters/{id}/l3-networks/{l3Id}',
        tags: ['compute'],
        summary: 'Detach an additional L3 from a vRouter (R-MPUB-1)',
        protect: true,
      },
    })
    .input(VRouterL3Input)
    .output(VRouterView)
    .mutation(({ ctx, input }) => vrouterService.detachL3(ctx.db, ctx.actor, input)),
});
