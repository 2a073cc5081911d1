import { z } from 'zod';
import { l2Networks, l3Networks, vxlanPools } from '@/db/schema';
import {
  AddRange,
  AllocateIpInput,
  CreateL2,
  CreateL3,
  CreateVxlanNetwork,
  CreateVxlanPool,
  IdInput,
  IpAllocationView,
  IpRangeView,
  IpUsageView,
  L2ClusterInput,
  L2View,
  L3View,
  ShareInput,
  VxlanPoolAttachInput,
  VxlanPoolView,
} from '../../domain/schema';
import { l2Service, vxlanPoolService } from '../../services/l2';
import { l3Service } from '../../services/l3';
import { adminProcedure, router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const L2Filters = z.object({ type: z.enum(['novlan', 'vlan', 'vxlan']).optional() });
const L3Filters = z.object({ category: z.enum(['public', 'system', 'private']).optional() });

export const l2Router = router({
  ...crudProcedures({
    path: '/l2-networks',
    tag: 'network',
    what: 'L2 network',
    table: l2Networks,
    create: CreateL2,
    view: L2View,
    writes: 'admin',
    service: l2Service,
    filters: L2Filters,
  }),
  attachCluster: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/l2-networks/{id}/clusters/{clusterId}',
        tags: ['network'],
        summary: 'Attach an L2 network to a cluster (R-L2-3)',
        protect: true,
      },
    })
    .input(L2ClusterInput)
    .output(L2View)
    .mutation(({ ctx, input }) => l2Service.attachCluster(ctx.db, ctx.actor, input)),
  detachCluster: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/l2-networks/{id}/clusters/{clusterId}',
        tags: ['network'],
        summary: 'Detach an L2 network from a cluster (R-L2-3)',
        protect: true,
      },
    })
    .input(L2ClusterInput)
    .output(L2View)
    .mutation(({ ctx, input }) => l2Service.detachCluster(ctx.db, ctx.actor, input)),
  share: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/l2-networks/{id}/share',
        tags: ['network'],
        summary: 'Share an L2 network with tenants',
        protect: true,
      },
    })
    .input(ShareInput)
    .output(L2View)
    .mutation(({ ctx, input }) => l2Service.setShared(ctx.db, ctx.actor, input)),
  createVxlan: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vxlan-networks',
        tags: ['network'],
        summary: 'Create a VXLAN network from a pool',
        protect: true,
      },
    })
    .input(CreateVxlanNetwork)
    .output(L2View)
    .mutation(({ ctx, input }) => l2Service.createVxlan(ctx.db, ctx.actor, input)),
});

export const vxlanPoolRouter = router({
  ...crudProcedures({
    path: '/vxlan-pools',
    tag: 'network',
    what: 'VXLAN pool',
    table: vxlanPools,
    create: CreateVxlanPool,
    view: VxlanPoolView,
    writes: 'admin',
    service: vxlanPoolService,
  }),
  attachCluster: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/vxlan-pools/{id}/clusters/{clusterId}',
        tags: ['network'],
        summary: 'Attach a VXLAN pool to a cluster with a VTEP CIDR',
        protect: true,
      },
    })
    .input(VxlanPoolAttachInput)
    .output(VxlanPoolView)
    .mutation(({ ctx, input }) => vxlanPoolService.attachCluster(ctx.db, ctx.actor, input)),
  detachCluster: adminProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/vxlan-pools/{id}/clusters/{clusterId}',
        tags: ['network'],
        summary: 'Detach a VXLAN pool from a cluster',
        protect: true,
      },
    })
    .input(L2ClusterInput)
    .output(VxlanPoolView)
    .mutation(({ ctx, input }) => vxlanPoolService.detachCluster(ctx.db, ctx.actor, input)),
});

export const l3Router = router({
  // Writes are 'tenant': tenants create private L3s; the service refuses public/system ones to them.
  ...crudProcedures({
    path: '/l3-networks',
    tag: 'network',
    what: 'L3 network',
    table: l3Networks,
    create: CreateL3,
    view: L3View,
    writes: 'tenant',
    service: l3Service,
    filters: L3Filters,
  }),
  share: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/l3-networks/{id}/share',
        tags: ['network'],
        summary: 'Share a public L3 network with tenants',
        protect: true,
      },
    })
    .input(ShareInput)
    .output(L3View)
    .mutation(({ ctx, input }) => l3Service.setShared(ctx.db, ctx.actor, input)),
  ranges: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/l3-networks/{id}/ranges',
        tags: ['network'],
        summary: 'List the IP ranges of an L3 network',
        protect: true,
      },
    })
    .input(IdInput)
    .output(z.array(IpRangeView))
    .query(({ ctx, input }) => l3Service.ranges(ctx.db, ctx.actor, input.id)),
  addRange: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/l3-networks/{l3Id}/ranges',
        tags: ['network'],
        summary: 'Add an IP range (R-L3-4, R-L3-5)',
        protect: true,
      },
    })
    .input(AddRange)
    .output(IpRangeView)
    .mutation(({ ctx, input }) => l3Service.addRange(ctx.db, ctx.actor, input)),
  deleteRange: tenantProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/ip-ranges/{id}', tags: ['network'], summary: 'Delete an IP range', protect: true },
    })
    .input(IdInput)
    .output(z.object({ id: z.uuid() }))
    .mutation(async ({ ctx, input }) => {
      await l3Service.deleteRange(ctx.db, ctx.actor, input);
      return { id: input.id };
    }),
  usage: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/l3-networks/{l3Id}/ip-usage',
        tags: ['network'],
        summary: 'IP usage of an L3 network',
        protect: true,
      },
    })
    .input(
      z.object({
        l3Id: z.uuid(),
        page: z.coerce.number().int().min(1).default(1),
        pageSize: z.coerce.number().int().min(1).max(500).default(50),
      }),
    )
    .output(IpUsageView)
    .query(({ ctx, input }) => l3Service.usage(ctx.db, ctx.actor, input)),
  reserveIp: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/l3-networks/{l3Id}/ip-reservations',
        tags: ['network'],
        summary: 'Reserve an address (specific or next free)',
        protect: true,
      },
    })
    .input(AllocateIpInput)
    .output(IpAllocationView)
    .mutation(({ ctx, input }) => l3Service.reserveIp(ctx.db, ctx.actor, input)),
  releaseIp: tenantProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/l3-networks/{l3Id}/ip-reservations/{ip}',
        tags: ['network'],
        summary: 'Release a reserved address',
        protect: true,
      },
    })
    .input(z.object({ l3Id: z.uuid(), ip: z.string() }))
    .output(IpAllocationView)
    .mutation(({ ctx, input }) => l3Service.releaseIp(ctx.db, ctx.actor, input)),
});
