import { and, desc, eq, gt, inArray, sql } from 'drizzle-orm';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '@/db/client';
import { lbListeners, lbListenerSamples, loadBalancers, nics, vips, vms } from '@/db/schema';
import { intToIp } from '@/lib/ipv4';
import type { Actor } from '../auth/actor';
import { readable } from './scope';

/** Samples older than this are not exported: a listener whose router stopped answering has no current value. */
const FRESH_SECONDS = 60;

/**
 * `/metrics` (Prometheus text): what the caller may read — an administrator everything, a tenant
 * its own — from the latest sample of each listener (R-LB-6), with labels a person can read: the
 * load balancer's and listener's names, the VIP and port, the backend's VM and address.
 */
export async function metricsText(db: Db, actor: Actor): Promise<{ text: string; contentType: string }> {
  const registry = new Registry();
  const listenerLabels = ['load_balancer', 'listener', 'protocol', 'vip', 'port'] as const;
  const backendLabels = [...listenerLabels, 'vm', 'backend'] as const;
  const m = {
    connections: new Gauge({
      name: 'cloudrouter_lb_listener_connections',
      help: 'Connections open now',
      labelNames: listenerLabels,
      registers: [registry],
    }),
    opened: new Counter({
      name: 'cloudrouter_lb_listener_connections_total',
      help: 'Connections (UDP: flows) since the listener was loaded',
      labelNames: listenerLabels,
      registers: [registry],
    }),
    bytesIn: new Counter({
      name: 'cloudrouter_lb_listener_bytes_in_total',
      help: 'Bytes from clients',
      labelNames: listenerLabels,
      registers: [registry],
    }),
    bytesOut: new Counter({
      name: 'cloudrouter_lb_listener_bytes_out_total',
      help: 'Bytes to clients',
      labelNames: listenerLabels,
      registers: [registry],
    }),
    up: new Gauge({
      name: 'cloudrouter_lb_backend_up',
      help: '1 when the backend passes its health check, 0 when it fails it',
      labelNames: backendLabels,
      registers: [registry],
    }),
    backendConnections: new Gauge({
      name: 'cloudrouter_lb_backend_connections',
      help: 'Connections to the backend open now',
      labelNames: backendLabels,
      registers: [registry],
    }),
    backendOpened: new Counter({
      name: 'cloudrouter_lb_backend_connections_total',
      help: 'Connections (UDP: flows) the backend took',
      labelNames: backendLabels,
      registers: [registry],
    }),
  };
  const listeners = await db
    .select({
      id: lbListeners.id,
      name: lbListeners.name,
      protocol: lbListeners.protocol,
      lbPort: lbListeners.lbPort,
      lb: loadBalancers.name,
      vip: vips.ip,
    })
    .from(lbListeners)
    .innerJoin(loadBalancers, eq(loadBalancers.id, lbListeners.lbId))
    .innerJoin(vips, eq(vips.id, loadBalancers.vipId))
    .where(readable(actor, lbListeners));
  if (listeners.length) {
    const latest = await db
      .selectDistinctOn([lbListenerSamples.listenerId])
      .from(lbListenerSamples)
      .where(
        and(
          inArray(
            lbListenerSamples.listenerId,
            listeners.map((l) => l.id),
          ),
          gt(lbListenerSamples.at, sql`now() - make_interval(secs => ${FRESH_SECONDS})`),
        ),
      )
      .orderBy(lbListenerSamples.listenerId, desc(lbListenerSamples.at));
    const nicIds = [...new Set(latest.flatMap((s) => s.backends.map((b) => b.nicId)))];
    const who = nicIds.length
      ? await db
          .select({ id: nics.id, ip: nics.ip, vm: vms.name })
          .from(nics)
          .leftJoin(vms, eq(vms.id, nics.vmId))
          .where(inArray(nics.id, nicIds))
      : [];
    for (const s of latest) {
      const l = listeners.find((x) => x.id === s.listenerId)!;
      const labels = { load_balancer: l.lb, listener: l.name, protocol: l.protocol, vip: intToIp(l.vip), port: String(l.lbPort) };
      m.connections.set(labels, s.current);
      m.opened.inc(labels, s.total);
      m.bytesIn.inc(labels, s.bytesIn);
      m.bytesOut.inc(labels, s.bytesOut);
      for (const b of s.backends) {
        const nic = who.find((n) => n.id === b.nicId);
        const bl = { ...labels, vm: nic?.vm ?? '', backend: nic ? intToIp(nic.ip) : b.nicId };
        if (b.health !== 'unchecked') m.up.set(bl, b.health === 'healthy' ? 1 : 0);
        m.backendConnections.set(bl, b.current);
        m.backendOpened.inc(bl, b.total);
      }
    }
  }
  return { text: await registry.metrics(), contentType: registry.contentType };
}
