import { z } from 'zod';
import { lbCertificates, lbListeners, loadBalancers } from '@/db/schema';
import {
  ConfigureListener,
  CreateLbCertificate,
  CreateListener,
  CreateLoadBalancer,
  IdInput,
  LbCertificateView,
  ListenerBackendsInput,
  ListenerCertificateInput,
  ListenerNicInput,
  ListenerPoliciesInput,
  ListenerStatsInput,
  ListenerStatsView,
  ListenerView,
  LoadBalancerView,
  ServicePreviewView,
} from '../../domain/schema';
import { lbCertificateService, listenerService, loadBalancerService } from '../../services/load-balancers';
import { router, tenantProcedure } from '../init';
import { crudProcedures } from './crud';

const tags = ['load balancing'];

/** R-LB-1: load balancers on VIPs. */
export const loadBalancerRouter = router({
  ...crudProcedures({
    path: '/load-balancers',
    tag: 'load balancing',
    what: 'load balancer',
    table: loadBalancers,
    create: CreateLoadBalancer,
    view: LoadBalancerView,
    writes: 'tenant',
    service: loadBalancerService,
    filters: z.object({ vipId: z.uuid().optional() }),
  }),
  previewCreate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/load-balancers/preview',
        tags,
        summary: 'What creating this load balancer would make its vRouter serve (nothing is saved)',
        protect: true,
      },
    })
    .input(CreateLoadBalancer)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => loadBalancerService.previewCreate(ctx.db, ctx.actor, input)),
});

/** R-LB-2 … R-LB-5: listeners, their backends, policies and certificate. */
export const listenerRouter = router({
  ...crudProcedures({
    path: '/listeners',
    tag: 'load balancing',
    what: 'listener',
    table: lbListeners,
    create: CreateListener,
    view: ListenerView,
    writes: 'tenant',
    service: listenerService,
    filters: z.object({ lbId: z.uuid().optional() }),
  }),
  previewCreate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/preview',
        tags,
        summary: 'The haproxy or nftables rules creating this listener would make its vRouter apply (nothing is saved)',
        protect: true,
      },
    })
    .input(CreateListener)
    .output(ServicePreviewView)
    .mutation(({ ctx, input }) => listenerService.previewCreate(ctx.db, ctx.actor, input)),
  stats: tenantProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/listeners/{id}/stats',
        tags,
        summary: 'A listener’s recent connections and bytes, and its backends’ health (R-LB-6)',
        protect: true,
      },
    })
    .input(ListenerStatsInput)
    .output(ListenerStatsView)
    .query(({ ctx, input }) => listenerService.stats(ctx.db, ctx.actor, input)),
  configure: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/{id}/configure',
        tags,
        summary: 'Change a listener’s VM port, health check, limits or algorithm (R-LB-2)',
        protect: true,
      },
    })
    .input(ConfigureListener)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.configure(ctx.db, ctx.actor, input)),
  addBackends: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/{id}/backends',
        tags,
        summary: 'Bind VM NICs to a listener, with weights and backend groups (R-LB-3)',
        protect: true,
      },
    })
    .input(ListenerBackendsInput)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.addBackends(ctx.db, ctx.actor, input)),
  removeBackend: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/{id}/backends/remove',
        tags,
        summary: 'Unbind a VM NIC from a listener; its open connections finish (R-LB-3)',
        protect: true,
      },
    })
    .input(ListenerNicInput)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.removeBackend(ctx.db, ctx.actor, input)),
  setPolicies: tenantProcedure
    .meta({
      openapi: {
        method: 'PUT',
        path: '/listeners/{id}/policies',
        tags,
        summary: 'Set an HTTP(S) listener’s forwarding policies, in order (R-LB-5)',
        protect: true,
      },
    })
    .input(ListenerPoliciesInput)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.setPolicies(ctx.db, ctx.actor, input)),
  bindCertificate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/{id}/certificate',
        tags,
        summary: 'Bind a certificate to an HTTPS listener (R-LB-4)',
        protect: true,
      },
    })
    .input(ListenerCertificateInput)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.bindCertificate(ctx.db, ctx.actor, input)),
  unbindCertificate: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/listeners/{id}/certificate/unbind',
        tags,
        summary: 'Unbind an HTTPS listener’s certificate (R-LB-4)',
        protect: true,
      },
    })
    .input(IdInput)
    .output(ListenerView)
    .mutation(({ ctx, input }) => listenerService.unbindCertificate(ctx.db, ctx.actor, input.id)),
});

/** R-LB-4: uploaded certificates; the key is never returned. */
export const lbCertificateRouter = router({
  ...crudProcedures({
    path: '/lb-certificates',
    tag: 'load balancing',
    what: 'certificate',
    table: lbCertificates,
    create: CreateLbCertificate,
    view: LbCertificateView,
    writes: 'tenant',
    service: lbCertificateService,
  }),
});
