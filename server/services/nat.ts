import { and, eq, inArray, ne } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { eips, nics, portForwards, vips, vms } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { enforce, ErrorCodes as E, DomainError } from '../domain/errors';
import { intToIp } from '@/lib/ipv4';
import type { CreateEip, CreatePortForward, ListInput } from '../domain/schema';
import {
  checkAllowedCidr,
  checkEipBind,
  checkEipVip,
  checkPfBind,
  checkPfOverlap,
  isRefusal,
  resolvePfPorts,
} from '../domain/vrouter-services/rules';
import { checkOneRouterPerVip, checkPfClearOfListeners } from '../domain/load-balancing/rules';
import { listenerPortsOnVip, routersOnVip } from './load-balancers';
import { previewOn } from './preview';
import { bumpRouters, nicFacts, routerOfL3, vipFacts, vipForService } from './vips';
import { audit, getReadable, getWritable, listPage } from './scope';

type EipRow = typeof eips.$inferSelect;
type PfRow = typeof portForwards.$inferSelect;

/** VIP address and the bound NIC's VM, for views. */
async function boundInfo(db: Executor, vipIds: string[], nicIds: string[]) {
  const v = vipIds.length ? await db.select().from(vips).where(inArray(vips.id, vipIds)) : [];
  const n = nicIds.length
    ? await db
        .select({ id: nics.id, ip: nics.ip, vmId: nics.vmId, vmName: vms.name })
        .from(nics)
        .leftJoin(vms, eq(vms.id, nics.vmId))
        .where(inArray(nics.id, nicIds))
    : [];
  return { vipOf: new Map(v.map((x) => [x.id, x])), nicOf: new Map(n.map((x) => [x.id, x])) };
}

async function eipViews(db: Executor, rows: EipRow[]) {
  const { vipOf, nicOf } = await boundInfo(
    db,
    rows.map((r) => r.vipId),
    rows.flatMap((r) => (r.nicId ? [r.nicId] : [])),
  );
  return rows.map((r) => {
    const vip = vipOf.get(r.vipId)!;
    const nic = r.nicId ? nicOf.get(r.nicId) : undefined;
    return {
      ...r,
      vip: intToIp(vip.ip),
      l3Id: vip.l3Id,
      vmId: nic?.vmId ?? null,
      vmName: nic?.vmName ?? null,
      nicIp: nic ? intToIp(nic.ip) : null,
    };
  });
}

async function pfViews(db: Executor, rows: PfRow[]) {
  const { vipOf, nicOf } = await boundInfo(
    db,
    rows.map((r) => r.vipId),
    rows.flatMap((r) => (r.nicId ? [r.nicId] : [])),
  );
  return rows.map((r) => {
    const vip = vipOf.get(r.vipId)!;
    const nic = r.nicId ? nicOf.get(r.nicId) : undefined;
    return {
      ...r,
      vip: intToIp(vip.ip),
      l3Id: vip.l3Id,
      vmId: nic?.vmId ?? null,
      vmName: nic?.vmName ?? null,
      nicIp: nic ? intToIp(nic.ip) : null,
    };
  });
}

async function bindEip(tx: Executor, actor: Actor, eip: EipRow, nicId: string) {
  const vip = (await tx.select().from(vips).where(eq(vips.id, eip.vipId)))[0]!;
  const nic = await nicFacts(tx, actor, nicId);
  const [other] = await tx
    .select({ id: eips.id })
    .from(eips)
    .where(and(eq(eips.nicId, nicId), ne(eips.id, eip.id)));
  enforce(checkEipBind({ bound: eip.nicId !== null }, await vipFacts(tx, vip), nic, !!other));
  await tx.update(eips).set({ nicId }).where(eq(eips.id, eip.id));
  await bumpRouters(tx, [nic.routerId]);
  return nic.routerId;
}

async function unbindEip(tx: Executor, eip: EipRow) {
  if (!eip.nicId) throw new DomainError(E.INVALID_STATE, 'The EIP is not bound.', 'nicId');
  const [nic] = await tx.select().from(nics).where(eq(nics.id, eip.nicId));
  await tx.update(eips).set({ nicId: null }).where(eq(eips.id, eip.id));
  const routerId = nic ? await routerOfL3(tx, nic.l3Id) : null;
  await bumpRouters(tx, [routerId]);
  return routerId;
}

async function createEip(tx: Executor, actor: Actor, input: z.output<typeof CreateEip>) {
  const vip = await vipForService(tx, actor, input);
  enforce(checkEipVip(await vipFacts(tx, vip)));
  const [row] = await tx
    .insert(eips)
    .values({ name: input.name, description: input.description, accountId: actor.accountId, vipId: vip.id })
    .returning();
  const routerId = input.nicId ? await bindEip(tx, actor, row!, input.nicId) : null;
  return { row: (await tx.select().from(eips).where(eq(eips.id, row!.id)))[0]!, routerId };
}

export const eipService = {
  async list(db: Db, actor: Actor, input: ListInput & { vmId?: string }) {
    const extra = input.vmId
      ? inArray(eips.nicId, db.select({ id: nics.id }).from(nics).where(eq(nics.vmId, input.vmId)))
      : undefined;
    const page = await listPage<EipRow>(
      db,
      actor,
      { table: eips, search: [eips.name, eips.description], sort: { name: eips.name, createdAt: eips.createdAt } },
      input,
      extra,
    );
    return { items: await eipViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await eipViews(db, [await getReadable(db, actor, eips, id, 'EIP')]))[0]!;
  },
  /** R-EIP-1 (+ R-EIP-2 when a NIC is given). */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateEip>) {
    return db.transaction(async (tx) => {
      const { row } = await createEip(tx, actor, input);
      await audit(tx, actor, 'create', 'EIP', row.id);
      return (await eipViews(tx, [row]))[0]!;
    });
  },
  previewCreate(db: Db, actor: Actor, input: z.output<typeof CreateEip>) {
    return previewOn(db, async (tx) => (await createEip(tx, actor, input)).routerId);
  },
  /** R-EIP-2. */
  async bind(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return db.transaction(async (tx) => {
      const eip = await getWritable(tx, actor, eips, input.id, 'EIP');
      await bindEip(tx, actor, eip, input.nicId);
      await audit(tx, actor, 'bind', 'EIP', eip.id, { nicId: input.nicId });
      return (await eipViews(tx, [(await tx.select().from(eips).where(eq(eips.id, eip.id)))[0]!]))[0]!;
    });
  },
  previewBind(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return previewOn(db, async (tx) => bindEip(tx, actor, await getWritable(tx, actor, eips, input.id, 'EIP'), input.nicId));
  },
  /** R-EIP-3: unbind; the agent forgets the VIP's flows so a later bind reaches the new VM at once. */
  async unbind(db: Db, actor: Actor, id: string) {
    return db.transaction(async (tx) => {
      const eip = await getWritable(tx, actor, eips, id, 'EIP');
      await unbindEip(tx, eip);
      await audit(tx, actor, 'unbind', 'EIP', eip.id);
      return (await eipViews(tx, [{ ...eip, nicId: null }]))[0]!;
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const eip = await getWritable(tx, actor, eips, id, 'EIP');
      if (eip.nicId) await unbindEip(tx, eip);
      await tx.delete(eips).where(eq(eips.id, eip.id));
      await audit(tx, actor, 'delete', 'EIP', eip.id);
    });
  },
};

async function bindPf(tx: Executor, actor: Actor, rule: PfRow, nicId: string) {
  const vip = (await tx.select().from(vips).where(eq(vips.id, rule.vipId)).for('update'))[0]!;
  const nic = await nicFacts(tx, actor, nicId);
  const siblings = await tx
    .select({ l3Id: nics.l3Id })
    .from(portForwards)
    .innerJoin(nics, eq(nics.id, portForwards.nicId))
    .where(and(eq(portForwards.vipId, vip.id), ne(portForwards.id, rule.id)));
  const onNic = await tx
    .select({ vipId: portForwards.vipId })
    .from(portForwards)
    .where(and(eq(portForwards.nicId, nicId), ne(portForwards.id, rule.id)));
  enforce(
    checkPfBind({ bound: rule.nicId !== null, lastL3Id: rule.lastL3Id, vipId: vip.id }, await vipFacts(tx, vip), nic, {
      vipBoundL3s: siblings.map((s) => s.l3Id),
      nicPfVips: onNic.map((o) => o.vipId),
    }),
  );
  enforce(checkOneRouterPerVip(nic.routerId, await routersOnVip(tx, vip.id)));
  await tx.update(portForwards).set({ nicId, lastL3Id: nic.l3Id }).where(eq(portForwards.id, rule.id));
  await bumpRouters(tx, [nic.routerId]);
  return nic.routerId;
}

async function unbindPf(tx: Executor, rule: PfRow) {
  if (!rule.nicId) throw new DomainError(E.INVALID_STATE, 'The rule is not bound.', 'nicId');
  const [nic] = await tx.select().from(nics).where(eq(nics.id, rule.nicId));
  await tx.update(portForwards).set({ nicId: null }).where(eq(portForwards.id, rule.id));
  const routerId = nic ? await routerOfL3(tx, nic.l3Id) : null;
  await bumpRouters(tx, [routerId]);
  return routerId;
}

async function createPf(tx: Executor, actor: Actor, input: z.output<typeof CreatePortForward>) {
  const ports = resolvePfPorts(input);
  if (isRefusal(ports)) throw ports;
  if (!ports) throw new DomainError(E.PORT_RANGE_INVALID, 'Enter the ports.', 'vipPortStart');
  enforce(checkAllowedCidr(input.allowedCidr));
  const vip = await vipForService(tx, actor, input);
  // Serializes rules on one VIP, so two concurrent creations cannot both pass the overlap check.
  await tx.select({ id: vips.id }).from(vips).where(eq(vips.id, vip.id)).for('update');
  const facts = await vipFacts(tx, vip);
  if (facts.usedBy.eip)
    throw new DomainError(E.VIP_NOT_ALLOWED, `"${vip.name}" backs an EIP; port forwarding needs another VIP.`, 'vipId');
  const others = await tx.select().from(portForwards).where(eq(portForwards.vipId, vip.id));
  enforce(checkPfOverlap({ protocol: input.protocol, vip: ports.vip }, others));
  enforce(
    checkPfClearOfListeners(
      { protocol: input.protocol, vipPortStart: ports.vip.start, vipPortEnd: ports.vip.end },
      await listenerPortsOnVip(tx, vip.id),
    ),
  );
  const [row] = await tx
    .insert(portForwards)
    .values({
      name: input.name,
      description: input.description,
      accountId: actor.accountId,
      vipId: vip.id,
      protocol: input.protocol,
      vipPortStart: ports.vip.start,
      vipPortEnd: ports.vip.end,
      vmPortStart: ports.vm.start,
      vmPortEnd: ports.vm.end,
      allowedCidr: input.allowedCidr || null,
    })
    .returning();
  const routerId = input.nicId ? await bindPf(tx, actor, row!, input.nicId) : null;
  return { row: (await tx.select().from(portForwards).where(eq(portForwards.id, row!.id)))[0]!, routerId };
}

export const portForwardService = {
  async list(db: Db, actor: Actor, input: ListInput & { vmId?: string; vipId?: string }) {
    const extra = and(
      input.vmId
        ? inArray(portForwards.nicId, db.select({ id: nics.id }).from(nics).where(eq(nics.vmId, input.vmId)))
        : undefined,
      input.vipId ? eq(portForwards.vipId, input.vipId) : undefined,
    );
    const page = await listPage<PfRow>(
      db,
      actor,
      {
        table: portForwards,
        search: [portForwards.name, portForwards.description],
        sort: { name: portForwards.name, vipPortStart: portForwards.vipPortStart, createdAt: portForwards.createdAt },
      },
      input,
      extra,
    );
    return { items: await pfViews(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await pfViews(db, [await getReadable(db, actor, portForwards, id, 'port forwarding rule')]))[0]!;
  },
  /** R-PF-1 / R-PF-2 (+ binding when a NIC is given). */
  async create(db: Db, actor: Actor, input: z.output<typeof CreatePortForward>) {
    return db.transaction(async (tx) => {
      const { row } = await createPf(tx, actor, input);
      await audit(tx, actor, 'create', 'port forwarding rule', row.id);
      return (await pfViews(tx, [row]))[0]!;
    });
  },
  previewCreate(db: Db, actor: Actor, input: z.output<typeof CreatePortForward>) {
    return previewOn(db, async (tx) => (await createPf(tx, actor, input)).routerId);
  },
  async bind(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return db.transaction(async (tx) => {
      const rule = await getWritable(tx, actor, portForwards, input.id, 'port forwarding rule');
      await bindPf(tx, actor, rule, input.nicId);
      await audit(tx, actor, 'bind', 'port forwarding rule', rule.id, { nicId: input.nicId });
      return (await pfViews(tx, [(await tx.select().from(portForwards).where(eq(portForwards.id, rule.id)))[0]!]))[0]!;
    });
  },
  previewBind(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return previewOn(db, async (tx) =>
      bindPf(tx, actor, await getWritable(tx, actor, portForwards, input.id, 'port forwarding rule'), input.nicId),
    );
  },
  async unbind(db: Db, actor: Actor, id: string) {
    return db.transaction(async (tx) => {
      const rule = await getWritable(tx, actor, portForwards, id, 'port forwarding rule');
      await unbindPf(tx, rule);
      await audit(tx, actor, 'unbind', 'port forwarding rule', rule.id);
      return (await pfViews(tx, [{ ...rule, nicId: null }]))[0]!;
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const rule = await getWritable(tx, actor, portForwards, id, 'port forwarding rule');
      if (rule.nicId) await unbindPf(tx, rule);
      await tx.delete(portForwards).where(eq(portForwards.id, rule.id));
      await audit(tx, actor, 'delete', 'port forwarding rule', rule.id);
    });
  },
};
