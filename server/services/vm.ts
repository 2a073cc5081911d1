import { randomBytes } from 'node:crypto';
import { and, asc, count, eq, inArray, isNotNull, or } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import {
  agents,
  eips,
  hosts,
  images,
  instanceOfferings,
  ipRanges,
  l2ClusterAttachments,
  l2Networks,
  l3Networks,
  nics,
  portForwards,
  vips,
  vms,
  vrouterOfferings,
  vrouters,
  vxlanPoolClusters,
} from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { intToIp } from '@/lib/ipv4';
import type { CreateVm, ListInput } from '../domain/schema';
import { bumpAgents, bumpForL3s, hostsCarryingL2s, registerAgent } from './agents';
import { hostsWatchingNics } from './security-groups';
import { allocateIp, releaseIp } from './ipam';
import { recordSystemVip, routerOfL3 } from './vips';
import { audit, getReadable, getWritable, listPage } from './scope';

type L3Row = typeof l3Networks.$inferSelect;

/** A locally administered unicast MAC; the unique index on nics.mac refuses the (rare) repeat. */
export function newMac(): string {
  const b = randomBytes(5);
  return ['02', ...[...b].map((x) => x.toString(16).padStart(2, '0'))].join(':');
}

/** Clusters that carry an L2: attached directly, or through its VXLAN pool. */
async function clustersOf(tx: Executor, l2Id: string): Promise<Set<string>> {
  const [l2] = await tx.select().from(l2Networks).where(eq(l2Networks.id, l2Id));
  if (!l2) return new Set();
  const rows = l2.vxlanPoolId
    ? await tx
        .select({ c: vxlanPoolClusters.clusterId })
        .from(vxlanPoolClusters)
        .where(eq(vxlanPoolClusters.poolId, l2.vxlanPoolId))
    : await tx
        .select({ c: l2ClusterAttachments.clusterId })
        .from(l2ClusterAttachments)
        .where(eq(l2ClusterAttachments.l2Id, l2Id));
  return new Set(rows.map((r) => r.c));
}

/** The least loaded enabled host in a cluster that carries every one of these L2s. */
async function placeOn(tx: Executor, l2Ids: string[], what: string, field: string): Promise<string> {
  let clusters: Set<string> | undefined;
  for (const l2Id of l2Ids) {
    const here = await clustersOf(tx, l2Id);
    clusters = clusters ? new Set([...clusters].filter((c) => here.has(c))) : here;
  }
  const candidates = clusters?.size
    ? await tx
        .select({ id: hosts.id })
        .from(hosts)
        .where(and(inArray(hosts.clusterId, [...clusters]), eq(hosts.state, 'enabled')))
        .orderBy(asc(hosts.createdAt))
    : [];
  if (candidates.length === 0) {
    throw new DomainError(
      E.NO_HOST,
      `No enabled host is in a cluster attached to every network of this ${what}; attach the L2 networks to a cluster with hosts.`,
      field,
    );
  }
  const load = await tx
    .select({ hostId: vms.hostId, n: count() })
    .from(vms)
    .where(
      inArray(
        vms.hostId,
        candidates.map((c) => c.id),
      ),
    )
    .groupBy(vms.hostId);
  const loadOf = new Map(load.map((l) => [l.hostId, Number(l.n)]));
  return candidates.reduce((best, c) => ((loadOf.get(c.id) ?? 0) < (loadOf.get(best.id) ?? 0) ? c : best)).id;
}

/**
 * R-VM-2: the vRouter of a vRouter L3 — created with the first VM from the L3's offering (a
 * management IP, a public IP that is its system VIP, and the L3's gateway as its private IP);
 * later VMs reuse it.
 */
export async function ensureVRouter(tx: Executor, l3: L3Row): Promise<{ id: string; created: boolean }> {
  const [existing] = await tx
    .select({ id: nics.vrouterId })
    .from(nics)
    .where(and(eq(nics.l3Id, l3.id), eq(nics.role, 'private'), isNotNull(nics.vrouterId)))
    .limit(1);
  if (existing?.id) return { id: existing.id, created: false };
  if (!l3.vrouterOfferingId) throw new DomainError(E.INVALID_INPUT, `Network "${l3.name}" has no vRouter offering.`, 'l3Ids');
  const [offering] = await tx.select().from(vrouterOfferings).where(eq(vrouterOfferings.id, l3.vrouterOfferingId));
  const [mgmt] = await tx.select().from(l3Networks).where(eq(l3Networks.id, offering!.managementL3Id));
  const [pub] = await tx.select().from(l3Networks).where(eq(l3Networks.id, offering!.publicL3Id));
  const [range] = await tx.select().from(ipRanges).where(eq(ipRanges.l3Id, l3.id)).orderBy(asc(ipRanges.startIp)).limit(1);
  if (!range) throw new DomainError(E.IP_RANGE_EXHAUSTED, `Network "${l3.name}" has no IP range yet; add one first.`, 'l3Ids');
  const hostId = await placeOn(tx, [...new Set([l3.l2Id, mgmt!.l2Id, pub!.l2Id])], 'vRouter', 'l3Ids');
  const [router] = await tx
    .insert(vrouters)
    .values({
      name: `vrouter-${l3.name}`.slice(0, 128),
      description: `vRouter of ${l3.name}`,
      accountId: l3.accountId,
      offeringId: offering!.id,
      hostId,
    })
    .returning();
  const plan: Array<{ l3Id: string; role: 'management' | 'public' | 'private'; ip?: number }> = [
    { l3Id: mgmt!.id, role: 'management' },
    { l3Id: pub!.id, role: 'public' },
    { l3Id: l3.id, role: 'private', ip: range.gateway },
  ];
  for (const [i, p] of plan.entries()) {
    const alloc = await allocateIp(tx, {
      l3Id: p.l3Id,
      ip: p.ip,
      kind: 'vrouter',
      ownerType: 'vrouter',
      ownerId: router!.id,
      insideSubnetOk: p.role === 'private',
    });
    await tx.insert(nics).values({
      vrouterId: router!.id,
      l3Id: p.l3Id,
      role: p.role,
      ip: alloc.ip,
      mac: newMac(),
      deviceIndex: i,
      isDefault: p.role === 'public',
    });
    if (p.role === 'public') await recordSystemVip(tx, router!, p.l3Id, alloc.ip);
  }
  await registerAgent(tx, router!.id, 'vrouter');
  await bumpForL3s(tx, [mgmt!.id, pub!.id, l3.id], [router!.id]);
  return { id: router!.id, created: true };
}

export function nicView(n: typeof nics.$inferSelect) {
  return {
    id: n.id,
    l3Id: n.l3Id,
    role: n.role,
    ip: intToIp(n.ip),
    mac: n.mac,
    deviceIndex: n.deviceIndex,
    isDefault: n.isDefault,
    active: n.active,
  };
}

async function withNics(db: Executor, rows: Array<typeof vms.$inferSelect>) {
  if (rows.length === 0) return [];
  const all = await db
    .select()
    .from(nics)
    .where(
      inArray(
        nics.vmId,
        rows.map((r) => r.id),
      ),
    )
    .orderBy(asc(nics.deviceIndex));
  return rows.map((r) => ({ ...r, nics: all.filter((n) => n.vmId === r.id).map(nicView) }));
}

export const vmService = {
  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<typeof vms.$inferSelect>(
      db,
      actor,
      { table: vms, search: [vms.name, vms.description], sort: { name: vms.name, state: vms.state, createdAt: vms.createdAt } },
      input,
    );
    return { items: await withNics(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await withNics(db, [await getReadable(db, actor, vms, id, 'VM')]))[0]!;
  },

  /** R-VM-1: one or N VMs at once, all or nothing; the first L3 gives the default route. */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateVm>) {
    return db.transaction(async (tx) => {
      await getReadable(
        tx,
        actor,
        instanceOfferings,
        input.instanceOfferingId,
        'instance offering',
        instanceOfferings.shared,
        'instanceOfferingId',
      );
      const image = await getReadable(tx, actor, images, input.imageId, 'image', images.shared, 'imageId');
      if (image.kind !== 'vm')
        throw new DomainError(E.INVALID_INPUT, `"${image.name}" is a vRouter image; choose a VM image.`, 'imageId');
      const l3s: L3Row[] = [];
      for (const l3Id of input.l3Ids) {
        const l3 = await getReadable(tx, actor, l3Networks, l3Id, 'L3 network', l3Networks.shared, 'l3Ids');
        if (l3.category === 'system')
          throw new DomainError(
            E.L3_KIND_MISMATCH,
            `"${l3.name}" is a system network; VMs use private or public networks.`,
            'l3Ids',
          );
        l3s.push(l3);
      }
      for (const l3 of l3s) if (l3.category === 'private' && l3.type === 'vrouter') await ensureVRouter(tx, l3);
      const created: string[] = [];
      for (let i = 0; i < input.count; i++) {
        const name = input.count > 1 ? `${input.name}-${i + 1}` : input.name;
        const hostId = await placeOn(tx, [...new Set(l3s.map((l) => l.l2Id))], 'VM', 'l3Ids');
        const [vm] = await tx
          .insert(vms)
          .values({
            name,
            description: input.description,
            accountId: actor.accountId,
            instanceOfferingId: input.instanceOfferingId,
            imageId: input.imageId,
            hostId,
          })
          .returning();
        for (const [idx, l3] of l3s.entries()) {
          const alloc = await allocateIp(tx, { l3Id: l3.id, kind: 'vm-nic', ownerType: 'vm', ownerId: vm!.id });
          await tx.insert(nics).values({
            vmId: vm!.id,
            l3Id: l3.id,
            role: 'vm',
            ip: alloc.ip,
            mac: newMac(),
            deviceIndex: idx,
            isDefault: idx === 0,
          });
        }
        await bumpAgents(tx, [hostId]);
        created.push(vm!.id);
        await audit(tx, actor, 'create', 'VM', vm!.id);
      }
      await bumpAgents(tx, await hostsCarryingL2s(tx, [...new Set(l3s.map((l) => l.l2Id))]));
      return withNics(tx, await tx.select().from(vms).where(inArray(vms.id, created)).orderBy(asc(vms.name)));
    });
  },

  /** stop / start / reboot: the state machine of R-VM-1; a reboot activates NICs attached while running. */
  async action(db: Db, actor: Actor, input: { id: string; action: 'start' | 'stop' | 'reboot' }) {
    return db.transaction(async (tx) => {
      const vm = await getWritable(tx, actor, vms, input.id, 'VM');
      const allowed = { start: ['stopped'], stop: ['running'], reboot: ['running'] } as const;
      if (!(allowed[input.action] as readonly string[]).includes(vm.state)) {
        throw new DomainError(E.INVALID_STATE, `A ${vm.state} VM cannot ${input.action}.`);
      }
      const state = input.action === 'stop' ? 'stopped' : 'running';
      await tx.update(vms).set({ state }).where(eq(vms.id, vm.id));
      if (input.action !== 'stop') await tx.update(nics).set({ active: true }).where(eq(nics.vmId, vm.id));
      await bumpAgents(tx, [vm.hostId]);
      await audit(tx, actor, input.action, 'VM', vm.id);
      return (await withNics(tx, [{ ...vm, state }]))[0]!;
    });
  },

  /**
   * R-VM-1: a NIC on another network. On a running VM it takes effect at the next reboot (its
   * `active` flag); on a stopped VM at the next start. A vRouter L3 gets its vRouter if it has none.
   */
  async attachNic(db: Db, actor: Actor, input: { id: string; l3Id: string }) {
    return db.transaction(async (tx) => {
      const vm = await getWritable(tx, actor, vms, input.id, 'VM');
      const l3 = await getReadable(tx, actor, l3Networks, input.l3Id, 'L3 network', l3Networks.shared, 'l3Id');
      if (l3.category === 'system')
        throw new DomainError(
          E.L3_KIND_MISMATCH,
          `"${l3.name}" is a system network; VMs use private or public networks.`,
          'l3Id',
        );
      const own = await tx.select().from(nics).where(eq(nics.vmId, vm.id));
      if (own.some((n) => n.l3Id === l3.id))
        throw new DomainError(E.INVALID_INPUT, `The VM already has a NIC on "${l3.name}".`, 'l3Id');
      if (own.length >= 8) throw new DomainError(E.INVALID_INPUT, 'A VM has at most 8 NICs.', 'l3Id');
      const carriers = new Set(await hostsCarryingL2s(tx, [l3.l2Id]));
      if (!carriers.has(vm.hostId))
        throw new DomainError(E.NO_HOST, `The VM's host is not in a cluster attached to "${l3.name}".`, 'l3Id');
      if (l3.category === 'private' && l3.type === 'vrouter') await ensureVRouter(tx, l3);
      const alloc = await allocateIp(tx, { l3Id: l3.id, kind: 'vm-nic', ownerType: 'vm', ownerId: vm.id });
      const deviceIndex = own.reduce((m, n) => Math.max(m, n.deviceIndex + 1), 0);
      await tx.insert(nics).values({
        vmId: vm.id,
        l3Id: l3.id,
        role: 'vm',
        ip: alloc.ip,
        mac: newMac(),
        deviceIndex,
        isDefault: own.length === 0,
        active: vm.state !== 'running',
      });
      await bumpForL3s(tx, [l3.id], [vm.hostId]);
      await audit(tx, actor, 'attach-nic', 'VM', vm.id, { l3Id: l3.id });
      return (await withNics(tx, [vm]))[0]!;
    });
  },

  /** Deleting a VM releases every one of its addresses. */
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const vm = await getWritable(tx, actor, vms, id, 'VM');
      const own = await tx.select().from(nics).where(eq(nics.vmId, vm.id));
      // R-SG-3: hosts holding its addresses in remote-group sets (looked up before the memberships go).
      const watching = await hostsWatchingNics(
        tx,
        own.map((n) => n.id),
      );
      for (const n of own) await releaseIp(tx, n.l3Id, n.ip);
      await tx.delete(vms).where(eq(vms.id, vm.id));
      await bumpForL3s(tx, [...new Set(own.map((n) => n.l3Id))], [vm.hostId, ...watching]);
      await audit(tx, actor, 'delete', 'VM', vm.id);
    });
  },
};

/** The next device index of a vRouter and its row, for NIC changes. */
async function routerForChange(tx: Executor, actor: Actor, id: string) {
  const router = await getWritable(tx, actor, vrouters, id, 'vRouter');
  const own = await tx.select().from(nics).where(eq(nics.vrouterId, router.id)).orderBy(asc(nics.deviceIndex));
  return { router, own, next: own.reduce((m, n) => Math.max(m, n.deviceIndex + 1), 0) };
}

export const vrouterService = {
  /**
   * R-MPUB-1: another public L3 on a running vRouter (its address becomes a system VIP of that
   * router, and its private networks are SNATed out of it too); or a vRouter L3 that has no
   * vRouter yet, which this router then serves (traffic between its private L3s is routed).
   */
  async attachL3(db: Db, actor: Actor, input: { id: string; l3Id: string }) {
    return db.transaction(async (tx) => {
      const { router, own, next } = await routerForChange(tx, actor, input.id);
      const l3 = await getReadable(tx, actor, l3Networks, input.l3Id, 'L3 network', l3Networks.shared, 'l3Id');
      if (own.some((n) => n.l3Id === l3.id))
        throw new DomainError(E.INVALID_INPUT, `The vRouter is already on "${l3.name}".`, 'l3Id');
      const carriers = new Set(await hostsCarryingL2s(tx, [l3.l2Id]));
      if (!carriers.has(router.hostId))
        throw new DomainError(E.NO_HOST, `The vRouter's host is not in a cluster attached to "${l3.name}".`, 'l3Id');
      if (l3.category === 'public') {
        const alloc = await allocateIp(tx, { l3Id: l3.id, kind: 'vrouter', ownerType: 'vrouter', ownerId: router.id });
        await tx
          .insert(nics)
          .values({ vrouterId: router.id, l3Id: l3.id, role: 'public', ip: alloc.ip, mac: newMac(), deviceIndex: next });
        await recordSystemVip(tx, router, l3.id, alloc.ip);
      } else if (l3.category === 'private' && l3.type === 'vrouter') {
        const servedBy = await routerOfL3(tx, l3.id);
        if (servedBy) throw new DomainError(E.INVALID_INPUT, `"${l3.name}" is served by another vRouter already.`, 'l3Id');
        const [range] = await tx.select().from(ipRanges).where(eq(ipRanges.l3Id, l3.id)).orderBy(asc(ipRanges.startIp)).limit(1);
        if (!range)
          throw new DomainError(E.IP_RANGE_EXHAUSTED, `Network "${l3.name}" has no IP range yet; add one first.`, 'l3Id');
        const alloc = await allocateIp(tx, {
          l3Id: l3.id,
          ip: range.gateway,
          kind: 'vrouter',
          ownerType: 'vrouter',
          ownerId: router.id,
          insideSubnetOk: true,
        });
        await tx
          .insert(nics)
          .values({ vrouterId: router.id, l3Id: l3.id, role: 'private', ip: alloc.ip, mac: newMac(), deviceIndex: next });
      } else {
        throw new DomainError(E.L3_KIND_MISMATCH, `"${l3.name}" is neither a public network nor a vRouter network.`, 'l3Id');
      }
      await bumpForL3s(tx, [l3.id], [router.id, router.hostId]);
      await audit(tx, actor, 'attach-l3', 'vRouter', router.id, { l3Id: l3.id });
      return (await routersWithNics(tx, [router]))[0]!;
    });
  },

  /** R-MPUB-1: detach an additional public L3 (refused while its VIPs serve EIPs or port forwarding), or a private L3 without VMs. */
  async detachL3(db: Db, actor: Actor, input: { id: string; l3Id: string }) {
    return db.transaction(async (tx) => {
      const { router, own } = await routerForChange(tx, actor, input.id);
      const nic = own.find((n) => n.l3Id === input.l3Id);
      if (!nic) throw new DomainError(E.NOT_FOUND, 'The vRouter has no NIC on that network.', 'l3Id');
      if (nic.role === 'management') throw new DomainError(E.INVALID_INPUT, 'The management network cannot be detached.', 'l3Id');
      if (nic.role === 'public' && nic.isDefault)
        throw new DomainError(
          E.INVALID_INPUT,
          "The offering's public network gives the default route; it cannot be detached.",
          'l3Id',
        );
      if (nic.role === 'public') {
        const users = await tx
          .select({ name: vips.name })
          .from(vips)
          .where(
            and(
              eq(vips.l3Id, nic.l3Id),
              or(
                inArray(vips.id, tx.select({ id: eips.vipId }).from(eips).where(isNotNull(eips.nicId))),
                inArray(vips.id, tx.select({ id: portForwards.vipId }).from(portForwards).where(isNotNull(portForwards.nicId))),
              ),
            ),
          );
        const served = users.length
          ? await tx
              .select({ id: nics.id })
              .from(nics)
              .where(
                inArray(
                  nics.l3Id,
                  own.filter((n) => n.role === 'private').map((n) => n.l3Id),
                ),
              )
          : [];
        if (users.length && served.length)
          throw new DomainError(
            E.IN_USE,
            `VIPs on this network are in use (${users.map((u) => `"${u.name}"`).join(', ')}); unbind them first.`,
            'l3Id',
          );
        await tx.delete(vips).where(and(eq(vips.vrouterId, router.id), eq(vips.l3Id, nic.l3Id)));
      } else {
        const [vm] = await tx
          .select({ id: nics.id })
          .from(nics)
          .where(and(eq(nics.l3Id, nic.l3Id), isNotNull(nics.vmId)))
          .limit(1);
        if (vm) throw new DomainError(E.IN_USE, 'VMs are on this network; the vRouter is their gateway.', 'l3Id');
      }
      await tx.delete(nics).where(eq(nics.id, nic.id));
      await releaseIp(tx, nic.l3Id, nic.ip);
      await bumpForL3s(tx, [nic.l3Id], [router.id, router.hostId]);
      await audit(tx, actor, 'detach-l3', 'vRouter', router.id, { l3Id: nic.l3Id });
      return (await routersWithNics(tx, [router]))[0]!;
    });
  },

  async list(db: Db, actor: Actor, input: ListInput) {
    const page = await listPage<typeof vrouters.$inferSelect>(
      db,
      actor,
      { table: vrouters, search: [vrouters.name], sort: { name: vrouters.name, createdAt: vrouters.createdAt } },
      input,
    );
    return { items: await routersWithNics(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await routersWithNics(db, [await getReadable(db, actor, vrouters, id, 'vRouter')]))[0]!;
  },
};

async function routersWithNics(db: Executor, rows: Array<typeof vrouters.$inferSelect>) {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const all = await db.select().from(nics).where(inArray(nics.vrouterId, ids)).orderBy(asc(nics.deviceIndex));
  const sync = await db.select().from(agents).where(inArray(agents.id, ids));
  return rows.map((r) => ({
    ...r,
    nics: all.filter((n) => n.vrouterId === r.id).map(nicView),
    sync: syncView(sync.find((s) => s.id === r.id)),
  }));
}

export function syncView(a: typeof agents.$inferSelect | undefined) {
  if (!a) return null;
  return {
    desiredGeneration: a.desiredGeneration,
    appliedGeneration: a.appliedGeneration,
    inSync: a.appliedGeneration >= a.desiredGeneration && !a.drift,
    lastError: a.lastError,
    lastAppliedAt: a.lastAppliedAt,
    drift: a.drift,
  };
}
