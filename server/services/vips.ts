import { randomUUID } from 'node:crypto';
import { and, count, eq, inArray, isNotNull } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { eips, l3Networks, loadBalancers, nics, portForwards, vips, vms, vrouters } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { intToIp } from '@/lib/ipv4';
import type { CreateVip, ListInput } from '../domain/schema';
import type { NicFacts, VipFacts } from '../domain/vrouter-services/rules';
import { bumpAgents } from './agents';
import { allocateIp, parseIpField, releaseIp } from './ipam';
import { audit, getReadable, getWritable, listPage } from './scope';

type VipRow = typeof vips.$inferSelect;

/** Allocates a VIP on a public L3 through IPAM (R-EIP-1, R-PF-1), optionally at a fixed address. */
export async function allocateVip(
  tx: Executor,
  actor: Actor,
  input: { name: string; description?: string; l3Id: string; ip?: string | null },
  opts: { system?: boolean; vrouterId?: string; accountId?: string } = {},
): Promise<VipRow> {
  const l3 = await getReadable(tx, actor, l3Networks, input.l3Id, 'L3 network', l3Networks.shared, 'l3Id');
  if (l3.category !== 'public')
    throw new DomainError(E.L3_KIND_MISMATCH, `"${l3.name}" is not a public network; VIPs come from public networks.`, 'l3Id');
  const id = randomUUID();
  const alloc = await allocateIp(tx, {
    l3Id: l3.id,
    ip: parseIpField(input.ip, 'ip'),
    kind: 'vip',
    ownerType: 'vip',
    ownerId: id,
  });
  const [row] = await tx
    .insert(vips)
    .values({
      id,
      name: input.name,
      description: input.description ?? '',
      accountId: opts.accountId ?? actor.accountId,
      l3Id: l3.id,
      ip: alloc.ip,
      system: opts.system ?? false,
      vrouterId: opts.vrouterId ?? null,
    })
    .returning();
  return row!;
}

/** A vRouter's public address as its system VIP (R-VM-2); the address itself is the NIC's. */
export async function recordSystemVip(
  tx: Executor,
  router: { id: string; name: string; accountId: string },
  l3Id: string,
  ip: number,
) {
  await tx.insert(vips).values({
    accountId: router.accountId,
    name: `system-vip-${router.name}`.slice(0, 128),
    description: `System VIP of vRouter ${router.name}`,
    l3Id,
    ip,
    system: true,
    vrouterId: router.id,
  });
}

type VipUse = { type: 'eip' | 'portForward' | 'loadBalancer' | 'vrouter'; id: string; name: string };

/** What uses each VIP: its EIP, its port forwarding rules, its load balancers, its vRouter. */
async function usesOf(db: Executor, rows: VipRow[]) {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return new Map<string, VipUse[]>();
  const e = await db.select({ id: eips.id, name: eips.name, vipId: eips.vipId }).from(eips).where(inArray(eips.vipId, ids));
  const p = await db
    .select({ id: portForwards.id, name: portForwards.name, vipId: portForwards.vipId })
    .from(portForwards)
    .where(inArray(portForwards.vipId, ids));
  const l = await db
    .select({ id: loadBalancers.id, name: loadBalancers.name, vipId: loadBalancers.vipId })
    .from(loadBalancers)
    .where(inArray(loadBalancers.vipId, ids));
  const routerIds = rows.flatMap((r) => (r.vrouterId ? [r.vrouterId] : []));
  const r = routerIds.length
    ? await db.select({ id: vrouters.id, name: vrouters.name }).from(vrouters).where(inArray(vrouters.id, routerIds))
    : [];
  return new Map(
    rows.map((v) => [
      v.id,
      [
        ...r.filter((x) => x.id === v.vrouterId).map((x) => ({ type: 'vrouter' as const, id: x.id, name: x.name })),
        ...e.filter((x) => x.vipId === v.id).map((x) => ({ type: 'eip' as const, id: x.id, name: x.name })),
        ...p.filter((x) => x.vipId === v.id).map((x) => ({ type: 'portForward' as const, id: x.id, name: x.name })),
        ...l.filter((x) => x.vipId === v.id).map((x) => ({ type: 'loadBalancer' as const, id: x.id, name: x.name })),
      ],
    ]),
  );
}

export async function vipViews(db: Executor, rows: VipRow[]) {
  const uses = await usesOf(db, rows);
  return rows.map((v) => ({ ...v, ip: intToIp(v.ip), usedBy: uses.get(v.id) ?? [] }));
}

export async function vipFacts(tx: Executor, vip: VipRow): Promise<VipFacts> {
  const [e] = await tx.select({ n: count() }).from(eips).where(eq(eips.vipId, vip.id));
  const [p] = await tx.select({ n: count() }).from(portForwards).where(eq(portForwards.vipId, vip.id));
  const [l] = await tx.select({ n: count() }).from(loadBalancers).where(eq(loadBalancers.vipId, vip.id));
  return {
    name: vip.name,
    system: vip.system,
    vrouterId: vip.vrouterId,
    l3Id: vip.l3Id,
    usedBy: { eip: Number(e?.n ?? 0) > 0, portForwards: Number(p?.n ?? 0), loadBalancers: Number(l?.n ?? 0) },
  };
}

/** The vRouter serving an L3: the one with a private NIC on it. */
export async function routerOfL3(tx: Executor, l3Id: string): Promise<string | null> {
  const [r] = await tx
    .select({ id: nics.vrouterId })
    .from(nics)
    .where(and(eq(nics.l3Id, l3Id), eq(nics.role, 'private'), isNotNull(nics.vrouterId)))
    .limit(1);
  return r?.id ?? null;
}

/** A VM NIC the actor may use, with its network and the router serving it. */
export async function nicFacts(
  tx: Executor,
  actor: Actor,
  nicId: string,
): Promise<NicFacts & { vmId: string | null; ip: number }> {
  const [nic] = await tx.select().from(nics).where(eq(nics.id, nicId));
  if (!nic) throw new DomainError(E.NOT_FOUND, 'No such NIC.', 'nicId');
  if (nic.vmId) await getReadable(tx, actor, vms, nic.vmId, 'NIC', undefined, 'nicId');
  else if (actor.role !== 'admin') throw new DomainError(E.NOT_FOUND, 'No such NIC.', 'nicId');
  const [l3] = await tx.select().from(l3Networks).where(eq(l3Networks.id, nic.l3Id));
  const routerId = await routerOfL3(tx, nic.l3Id);
  const pubs = routerId
    ? await tx
        .select({ l3Id: nics.l3Id })
        .from(nics)
        .where(and(eq(nics.vrouterId, routerId), eq(nics.role, 'public')))
    : [];
  return {
    id: nic.id,
    vmId: nic.vmId,
    ip: nic.ip,
    owner: nic.vmId ? 'vm' : 'vrouter',
    l3Id: nic.l3Id,
    l3Name: l3!.name,
    l3Category: l3!.category,
    l3Type: l3!.type,
    routerId,
    routerPublicL3s: pubs.map((p) => p.l3Id),
  };
}

/** Resolves the VIP of a new EIP/PF: an existing one the actor owns, or a new one on `l3Id`. */
export async function vipForService(
  tx: Executor,
  actor: Actor,
  input: { name: string; vipId?: string | null; l3Id?: string | null; ip?: string | null },
): Promise<VipRow> {
  if (input.vipId) return getWritable(tx, actor, vips, input.vipId, 'VIP');
  if (!input.l3Id) throw new DomainError(E.INVALID_INPUT, 'Choose an existing VIP or a public network for a new one.', 'vipId');
  return allocateVip(tx, actor, { name: `vip-${input.name}`.slice(0, 128), l3Id: input.l3Id, ip: input.ip });
}

export async function bumpRouters(tx: Executor, ids: Array<string | null | undefined>) {
  await bumpAgents(
    tx,
    ids.filter((x): x is string => !!x),
  );
}

const USE_LABEL: Record<VipUse['type'], string> = {
  eip: 'EIP',
  portForward: 'port forwarding rule',
  loadBalancer: 'load balancer',
  vrouter: 'vRouter',
};

export const vipService = {
  async list(db: Db, actor: Actor, input: ListInput & { l3Id?: string }) {
    const page = await listPage<VipRow>(
      db,
      actor,
      { table: vips, search: [vips.name, vips.description], sort: { name: vips.name, ip: vips.ip, createdAt: vips.createdAt } },
      input,
      input.l3Id ? eq(vips.l3Id, input.l3Id) : undefined,
    );
    return { items: await vipViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await vipViews(db, [await getReadable(db, actor, vips, id, 'VIP')]))[0]!;
  },
  async create(db: Db, actor: Actor, input: z.output<typeof CreateVip>) {
    return db.transaction(async (tx) => {
      const row = await allocateVip(tx, actor, input);
      await audit(tx, actor, 'create', 'VIP', row.id);
      return (await vipViews(tx, [row]))[0]!;
    });
  },
  /** A VIP in use is refused, naming its users; a system VIP goes with its vRouter. */
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const vip = await getWritable(tx, actor, vips, id, 'VIP');
      if (vip.system) throw new DomainError(E.IN_USE, `"${vip.name}" is a vRouter's system VIP; it goes away with its vRouter.`);
      const used = (await usesOf(tx, [vip])).get(vip.id) ?? [];
      if (used.length)
        throw new DomainError(
          E.IN_USE,
          `"${vip.name}" is used by ` +
            `${used.map((u) => `${USE_LABEL[u.type]} "${u.name}"`).join(', ')}; ` +
            `delete ${used.length === 1 ? 'it' : 'them'} first.`,
        );
      await tx.delete(vips).where(eq(vips.id, vip.id));
      await releaseIp(tx, vip.l3Id, vip.ip);
      await audit(tx, actor, 'delete', 'VIP', vip.id);
    });
  },
};
