import { backupStorages, clusters, hosts, primaryStorages, zones } from '@/db/schema';
import {
  AgentAccessView,
  AgentCertificateView,
  AgentEndpointInput,
  ClusterView,
  CreateCluster,
  CreateHost,
  CreateStorage,
  CreateZone,
  HostView,
  IdInput,
  StorageView,
  ZoneView,
} from '../../domain/schema';
import { backupStorageService, clusterService, hostService, primaryStorageService, zoneService } from '../../services/hardware';
import { adminProcedure, router } from '../init';
import { crudProcedures } from './crud';

export const zoneRouter = router(
  crudProcedures({
    path: '/zones',
    tag: 'hardware',
    what: 'zone',
    table: zones,
    create: CreateZone,
    view: ZoneView,
    writes: 'admin',
    service: zoneService,
  }),
);
export const clusterRouter = router(
  crudProcedures({
    path: '/clusters',
    tag: 'hardware',
    what: 'cluster',
    table: clusters,
    create: CreateCluster,
    view: ClusterView,
    writes: 'admin',
    service: clusterService,
  }),
);
export const hostRouter = router({
  ...crudProcedures({
    path: '/hosts',
    tag: 'hardware',
    what: 'host',
    table: hosts,
    create: CreateHost,
    view: HostView,
    writes: 'admin',
    service: hostService,
  }),
  /** A real host's agent: its token (for the agent's --token-file) and where it listens. */
  agent: adminProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/hosts/{id}/agent',
        tags: ['hardware'],
        summary: "The host agent's endpoint and token (administrators only)",
        protect: true,
      },
    })
    .input(IdInput)
    .output(AgentAccessView)
    .query(({ ctx, input }) => hostService.agentAccess(ctx.db, ctx.actor, input.id)),
  setAgentEndpoint: adminProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/hosts/{id}/agent',
        tags: ['hardware'],
        summary: 'Where the reconciler reaches the host agent',
        protect: true,
      },
    })
    .input(AgentEndpointInput)
    .output(AgentAccessView)
    .mutation(({ ctx, input }) => hostService.setAgentEndpoint(ctx.db, ctx.actor, input)),
  issueAgentCertificate: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/hosts/{id}/agent/certificate',
        tags: ['hardware'],
        summary: 'A new TLS certificate and key for the host agent (the key is shown once; administrators only)',
        protect: true,
      },
    })
    .input(IdInput)
    .output(AgentCertificateView)
    .mutation(({ ctx, input }) => hostService.issueAgentCertificate(ctx.db, ctx.actor, input.id)),
});
export const backupStorageRouter = router(
  crudProcedures({
    path: '/backup-storages',
    tag: 'hardware',
    what: 'backup storage',
    table: backupStorages,
    create: CreateStorage,
    view: StorageView,
    writes: 'admin',
    service: backupStorageService,
  }),
);
export const primaryStorageRouter = router(
  crudProcedures({
    path: '/primary-storages',
    tag: 'hardware',
    what: 'primary storage',
    table: primaryStorages,
    create: CreateStorage,
    view: StorageView,
    writes: 'admin',
    service: primaryStorageService,
  }),
);
