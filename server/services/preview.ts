import type { Db, Executor } from '@/db/client';
import { planRoutes, routesOf } from '@/agent/render/links';
import { haproxyListenerOf, renderHaproxyListener } from '@/agent/render/haproxy';
import { LB_UDP_TABLE, renderUdpListenerRule } from '@/agent/render/udp-lb';
import { renderVRouterNftDelta } from '@/agent/render/vrouter-nft';
import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { desiredVRouterConfig } from '../desired';

/**
 * The load balancer listeners a change adds, changes or removes on a router, as the agent would
 * serve them: haproxy's frontend and backends (TCP, HTTP, HTTPS), the kernel's DNAT rule (UDP, with
 * every backend as if healthy).
 */
function listenerLines(before: VRouterConfig, next: VRouterConfig): string[] {
  const out: string[] = [];
  const was = new Map(before.listeners.map((l) => [l.id, JSON.stringify(l)]));
  for (const l of next.listeners) {
    if (was.get(l.id) === JSON.stringify(l)) continue;
    if (l.protocol === 'udp') {
      const rule = renderUdpListenerRule({ ...l, algorithm: l.algorithm === 'least-connections' ? 'round-robin' : l.algorithm });
      out.push(rule ? `nft add rule ip ${LB_UDP_TABLE} prerouting ${rule}` : `# UDP listener "${l.name}": no backend yet`);
    } else {
      const cert = l.certificateId ? `<certificate ${l.certificateId}>` : null;
      out.push(...renderHaproxyListener(haproxyListenerOf(l, cert)).map((line) => `haproxy ${line}`));
    }
  }
  const kept = new Set(next.listeners.map((l) => l.id));
  for (const l of before.listeners)
    if (!kept.has(l.id)) out.push(`# listener "${l.name}" (${l.protocol} ${l.vip}:${l.lbPort}) removed`);
  return out;
}

class Rollback extends Error {
  constructor(readonly after: Array<[string, VRouterConfig]>) {
    super('preview');
  }
}

/**
 * The rules a change would make its vRouter(s) apply, computed by making the change in a
 * transaction that is then rolled back: every refusal the real call would give, it gives too
 * (inline errors), and the text is what each agent would do — VIP routes and map elements added
 * and removed, the few rules that change, or the whole table when the router has none yet.
 * `change` returns the vRouters it concerns.
 */
export async function previewOn(db: Db, change: (tx: Executor) => Promise<string | string[] | null>) {
  let after: Array<[string, VRouterConfig]> = [];
  try {
    await db.transaction(async (tx) => {
      const out = await change(tx);
      const ids = [...new Set((Array.isArray(out) ? out : out ? [out] : []).filter(Boolean))];
      const configs: Array<[string, VRouterConfig]> = [];
      for (const id of ids) configs.push([id, await desiredVRouterConfig(tx, id, 2)]);
      throw new Rollback(configs);
    });
    throw new Error('unreachable');
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
    after = err.after;
  }
  if (after.length === 0)
    return { vrouterId: null, text: '', note: 'Nothing is applied until it is bound to a VM NIC or attached to a vRouter.' };
  const parts: string[] = [];
  for (const [id, next] of after) {
    const before = await desiredVRouterConfig(db, id, 1);
    const routeLines = planRoutes(routesOf(before), next).map((l) => `ip ${l}`);
    const delta = renderVRouterNftDelta(before, next)
      .text.split('\n')
      .filter(Boolean)
      .map((l) => `nft ${l}`);
    const lines = [...routeLines, ...delta, ...listenerLines(before, next)];
    if (after.length > 1) parts.push(`# vRouter ${id}`);
    parts.push(...lines);
  }
  const text = parts.join('\n');
  return { vrouterId: after[0]![0], text, note: parts.some((l) => !l.startsWith('#')) ? null : 'No change to the vRouter.' };
}
