import { z } from 'zod';
import { eips, portForwards, routeTables, vips } from '@/db/schema';
import {
  AddRouteEntry,
  BindInput,
  CreateEip,
  CreatePortForward,
  CreateRouteTable,
  CreateVip,
  EipView,
  IdInput,
  PortForwardView,
  RouteEntryInput,
  RouteTableRouterInput,
  RouteTableView,
  ServicePreviewView,
  VipView,
} from '../../domain/schema';
import { eipService, portForwardService } from '../../services/nat';
import { routeTableService } from '../../services/route-tables';
import { vipService } from '../../services/vips';
import { router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const tags = ['services'];

export const vipRouter = router({
  ...crudProcedures({
    path: '/vips',
    tag: 'services',
    what: 'VIP',
    table: vips,
    create: CreateVip,
    view: VipView,
    writes: 'tenant',
    service: vipService,
    filters: z.object({ l3Id: z.uuid().optional() }),
  }),
});

export const eipRouter = router({
  ...crudProcedures({
    path: '/eips',
    tag: 'services',
    what: 'EIP',
    table: eips,
    create: CreateEip,
    view: EipView,
    writes: 'tenant',
    service: eipService,
    filters: z.object({ vmId: z.uuid().optional() }),
  }),
  bind: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/eips/{id}/bind',
        tags,
        summary: 'Bind an EIP to a VM NIC on a vRouter network (R-EIP-2)',
        protect: true,
      },
    })
    .input(BindInput)
    .output(EipView)
    .mutation(({ ctx, input }) => eipService.bind(ctx.db, ctx.actor, input)),
  unbind: tenantProcedure
    .meta({ openapi: { method: 'POST', path: '/eips/{id}/unbind', tags, summary: 'Unbind an EIP (R-EIP-3)', protect: true } })
    .input(IdInput)
    .output(EipView)
    .mutation(({ ctx, input }) => eipService.unbind(ctx.db, ctx.actor, input.id)),
  previewCreate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/eips/preview',
        tags,
        summary: 'The rules creating this EIP would make its vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(CreateEip)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => eipService.previewCreate(ctx.db, ctx.actor, input)),
  previewBind: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/eips/{id}/bind/preview',
        tags,
        summary: 'The rules binding this EIP would make its vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(BindInput)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => eipService.previewBind(ctx.db, ctx.actor, input)),
});

export const portForwardRouter = router({
  ...crudProcedures({
    path: '/port-forwards',
    tag: 'services',
    what: 'port forwarding rule',
    table: portForwards,
    create: CreatePortForward,
    view: PortForwardView,
    writes: 'tenant',
    service: portForwardService,
    filters: z.object({ vmId: z.uuid().optional(), vipId: z.uuid().optional() }),
  }),
  bind: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/port-forwards/{id}/bind',
        tags,
        summary: 'Bind a port forwarding rule to a VM NIC (R-PF-1, R-PF-2)',
        protect: true,
      },
    })
    .input(BindInput)
    .output(PortForwardView)
    .mutation(({ ctx, input }) => portForwardService.bind(ctx.db, ctx.actor, input)),
  unbind: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/port-forwards/{id}/unbind',
        tags,
        summary: 'Unbind a port forwarding rule',
        protect: true,
      },
    })
    .input(IdInput)
    .output(PortForwardView)
    .mutation(({ ctx, input }) => portForwardService.unbind(ctx.db, ctx.actor, input.id)),
  previewCreate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/port-forwards/preview',
        tags,
        summary: 'The rules creating this port forwarding rule would make its vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(CreatePortForward)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => portForwardService.previewCreate(ctx.db, ctx.actor, input)),
  previewBind: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/port-forwards/{id}/bind/preview',
        tags,
        summary: 'The rules binding this rule would make its vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(BindInput)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => portForwardService.previewBind(ctx.db, ctx.actor, input)),
});

export const routeTableRouter = router({
  ...crudProcedures({
    path: '/route-tables',
    tag: 'services',
    what: 'route table',
    table: routeTables,
    create: CreateRouteTable,
    view: RouteTableView,
    writes: 'tenant',
    service: routeTableService,
  }),
  addEntry: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/route-tables/{id}/entries',
        tags,
        summary: 'Add a route entry "destination CIDR → next hop" (R-RT-1)',
        protect: true,
      },
    })
    .input(AddRouteEntry)
    .output(RouteTableView)
    .mutation(({ ctx, input }) => routeTableService.addEntry(ctx.db, ctx.actor, input)),
  previewAddEntry: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/route-tables/{id}/entries/preview',
        tags,
        summary: 'The routes adding this entry would make each attached vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(AddRouteEntry)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => routeTableService.previewAddEntry(ctx.db, ctx.actor, input)),
  removeEntry: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/route-tables/{id}/entries/{entryId}',
        tags,
        summary: 'Remove a route entry',
        protect: true,
      },
    })
    .input(RouteEntryInput)
    .output(RouteTableView)
    .mutation(({ ctx, input }) => routeTableService.removeEntry(ctx.db, ctx.actor, input)),
  attach: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/route-tables/{id}/vrouters/{vrouterId}',
        tags,
        summary: 'Attach a route table to a vRouter (R-RT-1)',
        protect: true,
      },
    })
    .input(RouteTableRouterInput)
    .output(RouteTableView)
    .mutation(({ ctx, input }) => routeTableService.attach(ctx.db, ctx.actor, input)),
  detach: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/route-tables/{id}/vrouters/{vrouterId}',
        tags,
        summary: 'Detach a route table from a vRouter',
        protect: true,
      },
    })
    .input(RouteTableRouterInput)
    .output(RouteTableView)
    .mutation(({ ctx, input }) => routeTableService.detach(ctx.db, ctx.actor, input)),
});
