import { and, asc, desc, eq, gt, inArray, ne, sql } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import {
  lbBackends,
  lbCertificates,
  lbListeners,
  lbListenerSamples,
  loadBalancers,
  nics,
  portForwards,
  vips,
  vms,
} from '@/db/schema';
import { intToIp } from '@/lib/ipv4';
import type { Actor } from '../auth/actor';
import { DomainError, enforce, ErrorCodes as E } from '../domain/errors';
import { checkCertificate, checkCertificateBind } from '../domain/load-balancing/certificates';
import {
  checkAlgorithmFor,
  checkBackendBind,
  checkBackendWeight,
  checkHealthCheck,
  checkListenerLimits,
  checkListenerPortFree,
  checkListenerPorts,
  checkLbVip,
  checkPolicies,
  LISTENER_DEFAULTS,
  type ListenerProtocol,
} from '../domain/load-balancing/rules';
import type {
  BackendInput,
  ConfigureListener,
  CreateLbCertificate,
  CreateListener,
  CreateLoadBalancer,
  LbPolicyInput,
  ListenerFields,
  ListInput,
} from '../domain/schema';
import { bumpRouters, nicFacts, routerOfL3, vipFacts, vipForService } from './vips';
import { previewOn } from './preview';
import { audit, getReadable, getWritable, listPage } from './scope';

type LbRow = typeof loadBalancers.$inferSelect;
type ListenerRow = typeof lbListeners.$inferSelect;
type CertRow = typeof lbCertificates.$inferSelect;
type ListenerValues = Omit<typeof lbListeners.$inferInsert, 'id' | 'accountId' | 'lbId' | 'createdAt'>;

const DEFAULT_GROUP = 'default';

/**
 * A listener's settings with the seed's defaults filled in (R-LB-2), checked by the domain rules:
 * the first refusal names its field. `prev`: the listener being reconfigured.
 */
function listenerSettings(
  protocol: ListenerProtocol,
  input: Partial<z.output<typeof ListenerFields>>,
  prev?: ListenerRow,
): Omit<ListenerValues, 'name' | 'description' | 'protocol' | 'lbPort' | 'certificateId'> & { vmPort: number } {
  const d = LISTENER_DEFAULTS;
  const hcProtocol = input.healthCheckProtocol ?? prev?.healthCheckProtocol ?? d.healthCheck.protocol(protocol);
  const s = {
    vmPort: input.vmPort ?? prev?.vmPort ?? 0,
    algorithm: input.algorithm ?? prev?.algorithm ?? d.algorithm,
    maxConnections: input.maxConnections ?? prev?.maxConnections ?? d.maxConnections,
    idleTimeoutSeconds: input.idleTimeoutSeconds ?? prev?.idleTimeoutSeconds ?? d.idleTimeoutSeconds,
    healthCheckProtocol: hcProtocol,
    healthCheckPort: input.healthCheckPort !== undefined ? input.healthCheckPort : (prev?.healthCheckPort ?? d.healthCheck.port),
    healthCheckUri: hcProtocol === 'http' ? (input.healthCheckUri ?? prev?.healthCheckUri ?? null) : null,
    healthCheckMethod: input.healthCheckMethod ?? (prev?.healthCheckMethod as 'HEAD' | 'GET' | undefined) ?? d.healthCheck.method,
    healthCheckHttpCodes: input.healthCheckHttpCodes ?? prev?.healthCheckHttpCodes ?? d.healthCheck.httpCodes,
    healthyThreshold: input.healthyThreshold ?? prev?.healthyThreshold ?? d.healthCheck.healthyThreshold,
    unhealthyThreshold: input.unhealthyThreshold ?? prev?.unhealthyThreshold ?? d.healthCheck.unhealthyThreshold,
    healthCheckIntervalSeconds:
      input.healthCheckIntervalSeconds ?? prev?.healthCheckIntervalSeconds ?? d.healthCheck.intervalSeconds,
  };
  enforce(
    checkListenerPorts({ lbPort: input.lbPort ?? prev?.lbPort ?? 0, vmPort: s.vmPort, healthCheckPort: s.healthCheckPort }),
  );
  enforce(checkListenerLimits(s));
  enforce(checkAlgorithmFor(protocol, s.algorithm));
  enforce(
    checkHealthCheck(protocol, {
      protocol: s.healthCheckProtocol,
      httpCodes: s.healthCheckHttpCodes,
      uri: s.healthCheckUri,
      method: s.healthCheckMethod,
      healthyThreshold: s.healthyThreshold,
      unhealthyThreshold: s.unhealthyThreshold,
      intervalSeconds: s.healthCheckIntervalSeconds,
    }),
  );
  return s;
}

/** Locks the VIP (serializing every change of its ports and backends) and returns it. */
async function lockVip(tx: Executor, vipId: string) {
  return (await tx.select().from(vips).where(eq(vips.id, vipId)).for('update'))[0]!;
}

/** The listeners of every load balancer on a VIP. */
async function listenersOnVip(tx: Executor, vipId: string) {
  return tx
    .select({ id: lbListeners.id, name: lbListeners.name, protocol: lbListeners.protocol, lbPort: lbListeners.lbPort })
    .from(lbListeners)
    .innerJoin(loadBalancers, eq(loadBalancers.id, lbListeners.lbId))
    .where(eq(loadBalancers.vipId, vipId));
}

/**
 * The vRouters serving the NICs bound to anything on this VIP — backends of its load balancers and
 * targets of its port forwards: the one router that holds the VIP (R-LB-3).
 */
export async function routersOnVip(tx: Executor, vipId: string): Promise<string[]> {
  const lbNics = await tx
    .select({ l3Id: nics.l3Id })
    .from(lbBackends)
    .innerJoin(nics, eq(nics.id, lbBackends.nicId))
    .innerJoin(lbListeners, eq(lbListeners.id, lbBackends.listenerId))
    .innerJoin(loadBalancers, eq(loadBalancers.id, lbListeners.lbId))
    .where(eq(loadBalancers.vipId, vipId));
  const pfNics = await tx
    .select({ l3Id: nics.l3Id })
    .from(portForwards)
    .innerJoin(nics, eq(nics.id, portForwards.nicId))
    .where(eq(portForwards.vipId, vipId));
  const l3s = [...new Set([...lbNics, ...pfNics].map((n) => n.l3Id))];
  const routers = await Promise.all(l3s.map((l3) => routerOfL3(tx, l3)));
  return [...new Set(routers.filter((r): r is string => !!r))];
}

/** The vRouters a load balancer's listeners are served by (at most one, R-LB-3). */
async function routersOfLb(tx: Executor, lbId: string): Promise<string[]> {
  const rows = await tx
    .select({ l3Id: nics.l3Id })
    .from(lbBackends)
    .innerJoin(nics, eq(nics.id, lbBackends.nicId))
    .innerJoin(lbListeners, eq(lbListeners.id, lbBackends.listenerId))
    .where(eq(lbListeners.lbId, lbId));
  const routers = await Promise.all([...new Set(rows.map((r) => r.l3Id))].map((l3) => routerOfL3(tx, l3)));
  return [...new Set(routers.filter((r): r is string => !!r))];
}

/** The router serving a load balancer: that of its backends, or — with none yet — the one whose system VIP it is on. */
async function servingRouters(tx: Executor, lb: LbRow): Promise<string[]> {
  const routers = await routersOfLb(tx, lb.id);
  if (routers.length) return routers;
  const [vip] = await tx.select({ vrouterId: vips.vrouterId }).from(vips).where(eq(vips.id, lb.vipId));
  return vip?.vrouterId ? [vip.vrouterId] : [];
}

async function lbViews(db: Executor, rows: LbRow[]) {
  if (rows.length === 0) return [];
  const vipRows = await db
    .select()
    .from(vips)
    .where(
      inArray(
        vips.id,
        rows.map((r) => r.vipId),
      ),
    );
  const vipOf = new Map(vipRows.map((v) => [v.id, v]));
  const ls = await db
    .select()
    .from(lbListeners)
    .where(
      inArray(
        lbListeners.lbId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(lbListeners.lbPort);
  const counts = ls.length
    ? await db
        .select({ listenerId: lbBackends.listenerId })
        .from(lbBackends)
        .where(
          inArray(
            lbBackends.listenerId,
            ls.map((l) => l.id),
          ),
        )
    : [];
  const out = [];
  for (const r of rows) {
    const vip = vipOf.get(r.vipId)!;
    const [routerId] = await routersOfLb(db, r.id);
    out.push({
      ...r,
      vip: intToIp(vip.ip),
      l3Id: vip.l3Id,
      vrouterId: routerId ?? null,
      listeners: ls
        .filter((l) => l.lbId === r.id)
        .map((l) => ({
          id: l.id,
          name: l.name,
          protocol: l.protocol,
          lbPort: l.lbPort,
          vmPort: l.vmPort,
          backends: counts.filter((c) => c.listenerId === l.id).length,
        })),
    });
  }
  return out;
}

async function listenerViews(db: Executor, rows: ListenerRow[]) {
  if (rows.length === 0) return [];
  const lbs = await db
    .select({ id: loadBalancers.id, name: loadBalancers.name, ip: vips.ip })
    .from(loadBalancers)
    .innerJoin(vips, eq(vips.id, loadBalancers.vipId))
    .where(
      inArray(
        loadBalancers.id,
        rows.map((r) => r.lbId),
      ),
    );
  const backends = await db
    .select({
      listenerId: lbBackends.listenerId,
      nicId: lbBackends.nicId,
      weight: lbBackends.weight,
      group: lbBackends.group,
      ip: nics.ip,
      l3Id: nics.l3Id,
      vmId: nics.vmId,
      vmName: vms.name,
    })
    .from(lbBackends)
    .innerJoin(nics, eq(nics.id, lbBackends.nicId))
    .leftJoin(vms, eq(vms.id, nics.vmId))
    .where(
      inArray(
        lbBackends.listenerId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(lbBackends.createdAt, vms.name, nics.ip);
  const certIds = rows.flatMap((r) => (r.certificateId ? [r.certificateId] : []));
  const certs = certIds.length
    ? await db
        .select({ id: lbCertificates.id, name: lbCertificates.name })
        .from(lbCertificates)
        .where(inArray(lbCertificates.id, certIds))
    : [];
  return rows.map((r) => {
    const lb = lbs.find((x) => x.id === r.lbId)!;
    return {
      ...r,
      healthCheckMethod: r.healthCheckMethod as 'HEAD' | 'GET',
      healthCheckHttpCodes: r.healthCheckHttpCodes as Array<'http_2xx' | 'http_3xx' | 'http_4xx' | 'http_5xx'>,
      lbName: lb.name,
      vip: intToIp(lb.ip),
      certificateName: certs.find((c) => c.id === r.certificateId)?.name ?? null,
      backends: backends
        .filter((b) => b.listenerId === r.id)
        .map((b) => ({
          nicId: b.nicId,
          ip: intToIp(b.ip),
          l3Id: b.l3Id,
          vmId: b.vmId,
          vmName: b.vmName,
          weight: b.weight,
          group: b.group,
        })),
    };
  });
}

async function certificateViews(db: Executor, rows: CertRow[]) {
  const users = rows.length
    ? await db
        .select({ id: lbListeners.id, name: lbListeners.name, certificateId: lbListeners.certificateId })
        .from(lbListeners)
        .where(
          inArray(
            lbListeners.certificateId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  // The PEM text stays in the database: the key is never shown back, nor the certificate (its facts are).
  return rows.map(({ certificatePem: _c, chainPem, privateKeyPem: _k, ...r }) => ({
    ...r,
    hasChain: !!chainPem,
    listeners: users.filter((u) => u.certificateId === r.id).map((u) => ({ id: u.id, name: u.name })),
  }));
}

/** A certificate the actor may bind: its own (an admin: any). */
async function usableCertificate(tx: Executor, actor: Actor, id: string) {
  return getReadable(tx, actor, lbCertificates, id, 'certificate', undefined, 'certificateId');
}

/** R-LB-3: NICs become backends of a listener, each checked against the VIP and the router already serving it. */
async function addBackends(tx: Executor, actor: Actor, listener: ListenerRow, input: Array<z.output<typeof BackendInput>>) {
  const lb = (await tx.select().from(loadBalancers).where(eq(loadBalancers.id, listener.lbId)))[0]!;
  const vip = await lockVip(tx, lb.vipId);
  const facts = await vipFacts(tx, vip);
  const touched: string[] = [];
  for (const b of input) {
    const nic = await nicFacts(tx, actor, b.nicId);
    const [bound] = await tx
      .select({ id: lbBackends.id })
      .from(lbBackends)
      .where(and(eq(lbBackends.listenerId, listener.id), eq(lbBackends.nicId, b.nicId)));
    enforce(checkBackendBind(facts, nic, { lbRouterIds: await routersOnVip(tx, vip.id), boundToListener: !!bound }));
    const weight = b.weight ?? LISTENER_DEFAULTS.weight;
    enforce(checkBackendWeight(listener.algorithm, weight));
    await tx.insert(lbBackends).values({ listenerId: listener.id, nicId: b.nicId, weight, group: b.group ?? DEFAULT_GROUP });
    touched.push(nic.routerId!);
  }
  await bumpRouters(tx, [...new Set(touched)]);
  return touched[0] ?? null;
}

async function createListenerIn(tx: Executor, actor: Actor, lb: LbRow, input: z.output<typeof ListenerFields>) {
  const settings = listenerSettings(input.protocol, input);
  const vip = await lockVip(tx, lb.vipId);
  const pfs = await tx
    .select({
      name: portForwards.name,
      protocol: portForwards.protocol,
      vipPortStart: portForwards.vipPortStart,
      vipPortEnd: portForwards.vipPortEnd,
    })
    .from(portForwards)
    .where(eq(portForwards.vipId, vip.id));
  enforce(
    checkListenerPortFree(
      { protocol: input.protocol, lbPort: input.lbPort },
      { listeners: await listenersOnVip(tx, vip.id), portForwards: pfs },
    ),
  );
  if (input.certificateId) {
    enforce(checkCertificateBind({ name: input.name, protocol: input.protocol, certificateId: null }));
    await usableCertificate(tx, actor, input.certificateId);
  }
  const [row] = await tx
    .insert(lbListeners)
    .values({
      ...settings,
      name: input.name,
      description: input.description,
      accountId: lb.accountId,
      lbId: lb.id,
      protocol: input.protocol,
      lbPort: input.lbPort,
      certificateId: input.certificateId ?? null,
    })
    .returning();
  return row!;
}

async function createLb(tx: Executor, actor: Actor, input: z.output<typeof CreateLoadBalancer>) {
  const vip = await vipForService(tx, actor, input);
  await lockVip(tx, vip.id);
  enforce(checkLbVip(await vipFacts(tx, vip)));
  const [row] = await tx
    .insert(loadBalancers)
    .values({ name: input.name, description: input.description, accountId: actor.accountId, vipId: vip.id })
    .returning();
  if (input.listener) await createListenerIn(tx, actor, row!, input.listener);
  return row!;
}

export const loadBalancerService = {
  async list(db: Db, actor: Actor, input: ListInput & { vipId?: string }) {
    const page = await listPage<LbRow>(
      db,
      actor,
      {
        table: loadBalancers,
        search: [loadBalancers.name, loadBalancers.description],
        sort: { name: loadBalancers.name, createdAt: loadBalancers.createdAt },
      },
      input,
      input.vipId ? eq(loadBalancers.vipId, input.vipId) : undefined,
    );
    return { items: await lbViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await lbViews(db, [await getReadable(db, actor, loadBalancers, id, 'load balancer')]))[0]!;
  },
  /** R-LB-1 (+ R-LB-2 for the first listener). */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateLoadBalancer>) {
    return db.transaction(async (tx) => {
      const row = await createLb(tx, actor, input);
      await audit(tx, actor, 'create', 'load balancer', row.id);
      return (await lbViews(tx, [row]))[0]!;
    });
  },
  /** What creating it (with its first listener) would make its vRouter serve; nothing is saved. */
  previewCreate(db: Db, actor: Actor, input: z.output<typeof CreateLoadBalancer>) {
    return previewOn(db, async (tx) => servingRouters(tx, await createLb(tx, actor, input)));
  },
  /** Its listeners and their backends go with it; the vRouter stops serving them. */
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const lb = await getWritable(tx, actor, loadBalancers, id, 'load balancer');
      await bumpRouters(tx, await routersOfLb(tx, lb.id));
      await tx.delete(loadBalancers).where(eq(loadBalancers.id, lb.id));
      await audit(tx, actor, 'delete', 'load balancer', lb.id);
    });
  },
};

export const listenerService = {
  async list(db: Db, actor: Actor, input: ListInput & { lbId?: string }) {
    const page = await listPage<ListenerRow>(
      db,
      actor,
      {
        table: lbListeners,
        search: [lbListeners.name, lbListeners.description],
        sort: { name: lbListeners.name, lbPort: lbListeners.lbPort, createdAt: lbListeners.createdAt },
      },
      input,
      input.lbId ? eq(lbListeners.lbId, input.lbId) : undefined,
    );
    return { items: await listenerViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await listenerViews(db, [await getReadable(db, actor, lbListeners, id, 'listener')]))[0]!;
  },
  /** R-LB-2 (+ R-LB-3 for the backends given). */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateListener>) {
    return db.transaction(async (tx) => {
      const lb = await getWritable(tx, actor, loadBalancers, input.lbId, 'load balancer');
      const row = await createListenerIn(tx, actor, lb, input);
      if (input.backends?.length) await addBackends(tx, actor, row, input.backends);
      await bumpRouters(tx, await routersOfLb(tx, lb.id));
      await audit(tx, actor, 'create', 'listener', row.id);
      return (await listenerViews(tx, [row]))[0]!;
    });
  },
  /** R-LB-6: live counters and backend health, as the reconciler collected them. */
  async stats(db: Db, actor: Actor, input: { id: string; minutes?: number }) {
    return listenerStats(db, await getReadable(db, actor, lbListeners, input.id, 'listener'), input.minutes ?? 10);
  },
  /** What creating this listener (and binding its backends) would make the vRouter serve; nothing is saved. */
  previewCreate(db: Db, actor: Actor, input: z.output<typeof CreateListener>) {
    return previewOn(db, async (tx) => {
      const lb = await getWritable(tx, actor, loadBalancers, input.lbId, 'load balancer');
      const row = await createListenerIn(tx, actor, lb, input);
      if (input.backends?.length) await addBackends(tx, actor, row, input.backends);
      return servingRouters(tx, lb);
    });
  },
  /** R-LB-2: the advanced settings and the VM port. */
  async configure(db: Db, actor: Actor, input: z.output<typeof ConfigureListener>) {
    return db.transaction(async (tx) => {
      const prev = await getWritable(tx, actor, lbListeners, input.id, 'listener');
      const settings = listenerSettings(prev.protocol, input, prev);
      if (settings.algorithm !== 'weighted-round-robin') {
        const weighted = await tx
          .select({ weight: lbBackends.weight })
          .from(lbBackends)
          .where(and(eq(lbBackends.listenerId, prev.id), ne(lbBackends.weight, LISTENER_DEFAULTS.weight)));
        if (weighted.length)
          throw new DomainError(
            E.INVALID_INPUT,
            `${weighted.length} backend(s) have weights; keep weighted round-robin, or set their weights to 1 first.`,
            'algorithm',
          );
      }
      const [row] = await tx.update(lbListeners).set(settings).where(eq(lbListeners.id, prev.id)).returning();
      await bumpRouters(tx, await routersOfLb(tx, prev.lbId));
      await audit(tx, actor, 'configure', 'listener', prev.id, settings);
      return (await listenerViews(tx, [row!]))[0]!;
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, id, 'listener');
      await bumpRouters(tx, await routersOfLb(tx, l.lbId));
      await tx.delete(lbListeners).where(eq(lbListeners.id, l.id));
      await audit(tx, actor, 'delete', 'listener', l.id);
    });
  },
  /** R-LB-3: bind VM NICs (all on networks of one vRouter). */
  async addBackends(db: Db, actor: Actor, input: { id: string; backends: Array<z.output<typeof BackendInput>> }) {
    return db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, input.id, 'listener');
      await addBackends(tx, actor, l, input.backends);
      await audit(tx, actor, 'add backends', 'listener', l.id, { nicIds: input.backends.map((b) => b.nicId) });
      return (await listenerViews(tx, [l]))[0]!;
    });
  },
  /** R-LB-3: unbind a NIC; connections through it end on their own (haproxy drains, conntrack keeps UDP flows). */
  async removeBackend(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, input.id, 'listener');
      const [b] = await tx
        .select()
        .from(lbBackends)
        .where(and(eq(lbBackends.listenerId, l.id), eq(lbBackends.nicId, input.nicId)));
      if (!b) throw new DomainError(E.NOT_FOUND, 'This NIC is not a backend of the listener.', 'nicId');
      const policy = l.policies.find((p) => p.group === b.group);
      if (policy && b.group !== DEFAULT_GROUP) {
        const [other] = await tx
          .select({ id: lbBackends.id })
          .from(lbBackends)
          .where(and(eq(lbBackends.listenerId, l.id), eq(lbBackends.group, b.group), ne(lbBackends.id, b.id)))
          .limit(1);
        if (!other)
          throw new DomainError(
            E.IN_USE,
            `This is the last backend of group "${b.group}", where policy "${policy.name}" sends requests; change the policy first.`,
            'nicId',
          );
      }
      const [nic] = await tx.select({ l3Id: nics.l3Id }).from(nics).where(eq(nics.id, b.nicId));
      await tx.delete(lbBackends).where(eq(lbBackends.id, b.id));
      await bumpRouters(tx, [nic ? await routerOfL3(tx, nic.l3Id) : null]);
      await audit(tx, actor, 'remove backend', 'listener', l.id, { nicId: input.nicId });
      return (await listenerViews(tx, [l]))[0]!;
    });
  },
  /** R-LB-5: the forwarding policies, in order; each names a backend group of the listener. */
  async setPolicies(db: Db, actor: Actor, input: { id: string; policies: Array<z.output<typeof LbPolicyInput>> }) {
    return db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, input.id, 'listener');
      const groups = await tx.selectDistinct({ group: lbBackends.group }).from(lbBackends).where(eq(lbBackends.listenerId, l.id));
      enforce(checkPolicies(l.protocol, input.policies, [DEFAULT_GROUP, ...groups.map((g) => g.group)]));
      const [row] = await tx.update(lbListeners).set({ policies: input.policies }).where(eq(lbListeners.id, l.id)).returning();
      await bumpRouters(tx, await routersOfLb(tx, l.lbId));
      await audit(tx, actor, 'set policies', 'listener', l.id);
      return (await listenerViews(tx, [row!]))[0]!;
    });
  },
  /** R-LB-4: one certificate per HTTPS listener; replacing it takes an unbind first. */
  async bindCertificate(db: Db, actor: Actor, input: { id: string; certificateId: string }) {
    return db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, input.id, 'listener');
      enforce(checkCertificateBind(l));
      await usableCertificate(tx, actor, input.certificateId);
      const [row] = await tx
        .update(lbListeners)
        .set({ certificateId: input.certificateId })
        .where(eq(lbListeners.id, l.id))
        .returning();
      await bumpRouters(tx, await routersOfLb(tx, l.lbId));
      await audit(tx, actor, 'bind certificate', 'listener', l.id, { certificateId: input.certificateId });
      return (await listenerViews(tx, [row!]))[0]!;
    });
  },
  async unbindCertificate(db: Db, actor: Actor, id: string) {
    return db.transaction(async (tx) => {
      const l = await getWritable(tx, actor, lbListeners, id, 'listener');
      if (!l.certificateId) throw new DomainError(E.INVALID_STATE, 'The listener has no certificate.', 'certificateId');
      const [row] = await tx.update(lbListeners).set({ certificateId: null }).where(eq(lbListeners.id, l.id)).returning();
      await bumpRouters(tx, await routersOfLb(tx, l.lbId));
      await audit(tx, actor, 'unbind certificate', 'listener', l.id);
      return (await listenerViews(tx, [row!]))[0]!;
    });
  },
};

/**
 * R-LB-6: a listener's recent samples (oldest first, at most `minutes` back) and its backends'
 * counters and health in the latest one, with the VM each backend is.
 */
async function listenerStats(db: Executor, listener: ListenerRow, minutes: number) {
  const samples = await db
    .select()
    .from(lbListenerSamples)
    .where(
      and(
        eq(lbListenerSamples.listenerId, listener.id),
        gt(lbListenerSamples.at, sql`now() - make_interval(mins => ${minutes})`),
      ),
    )
    .orderBy(asc(lbListenerSamples.at));
  const [latest] = samples.length
    ? [samples[samples.length - 1]!]
    : await db
        .select()
        .from(lbListenerSamples)
        .where(eq(lbListenerSamples.listenerId, listener.id))
        .orderBy(desc(lbListenerSamples.at))
        .limit(1);
  const [view] = await listenerViews(db, [listener]);
  return {
    id: listener.id,
    at: latest?.at ?? null,
    samples: samples.map(({ at, current, total, bytesIn, bytesOut }) => ({ at, current, total, bytesIn, bytesOut })),
    backends: view!.backends.map((b) => {
      const s = latest?.backends.find((x) => x.nicId === b.nicId);
      return {
        ...b,
        health: s?.health ?? ('unknown' as const),
        current: s?.current ?? 0,
        total: s?.total ?? 0,
        bytesIn: s?.bytesIn ?? 0,
        bytesOut: s?.bytesOut ?? 0,
      };
    }),
  };
}

export const lbCertificateService = {
  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<CertRow>(
      db,
      actor,
      {
        table: lbCertificates,
        search: [lbCertificates.name, lbCertificates.description, lbCertificates.subject],
        sort: { name: lbCertificates.name, notAfter: lbCertificates.notAfter, createdAt: lbCertificates.createdAt },
      },
      input,
    );
    return { items: await certificateViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await certificateViews(db, [await getReadable(db, actor, lbCertificates, id, 'certificate')]))[0]!;
  },
  /** R-LB-4: refused when it does not parse, is not valid now, its chain does not issue it, or the key is not its own. */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateLbCertificate>) {
    const facts = checkCertificate(
      { certificatePem: input.certificate, chainPem: input.chain, privateKeyPem: input.privateKey },
      new Date(),
    );
    if (facts instanceof DomainError) throw facts;
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(lbCertificates)
        .values({
          name: input.name,
          description: input.description,
          accountId: actor.accountId,
          certificatePem: input.certificate.trim() + '\n',
          chainPem: input.chain?.trim() ? input.chain.trim() + '\n' : null,
          privateKeyPem: input.privateKey.trim() + '\n',
          subject: facts.subject,
          issuer: facts.issuer,
          sans: facts.sans,
          notBefore: facts.notBefore,
          notAfter: facts.notAfter,
          fingerprint: facts.fingerprint,
        })
        .returning();
      await audit(tx, actor, 'create', 'certificate', row!.id);
      return (await certificateViews(tx, [row!]))[0]!;
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const c = await getWritable(tx, actor, lbCertificates, id, 'certificate');
      const users = await tx.select({ name: lbListeners.name }).from(lbListeners).where(eq(lbListeners.certificateId, c.id));
      if (users.length)
        throw new DomainError(
          E.IN_USE,
          `"${c.name}" is bound to ${users.map((u) => `listener "${u.name}"`).join(', ')}; unbind it first.`,
        );
      await tx.delete(lbCertificates).where(eq(lbCertificates.id, c.id));
      await audit(tx, actor, 'delete', 'certificate', c.id);
    });
  },
};

/** Listener ports a new port forward must not take (R-LB-2: LB ports and forwarded ports of one VIP are apart). */
export const listenerPortsOnVip = listenersOnVip;
