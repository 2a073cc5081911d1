import { and, eq, ne } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { ipAllocations, ipRanges, l2Networks, l3Networks, vrouterOfferings, vxlanPools } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, enforce, ErrorCodes as E } from '../domain/errors';
import { intToIp, ipToInt } from '@/lib/ipv4';
import { checkSriov } from '../domain/network/l2';
import { checkL3Definition } from '../domain/network/l3';
import { checkDhcpServerIp, checkRangeOverlap, parseRange, rangeFromCidr, type ParsedRange } from '../domain/network/ranges';
import type { CreateL3, ListInput, RangeInput } from '../domain/schema';
import { allocateIp, insertRange, ipUsage, parseIpField, rangeView, releaseIp } from './ipam';
import { audit, getReadable, getWritable, listPage, readable, refuseIfUsed } from './scope';

type L3Row = typeof l3Networks.$inferSelect;

export function l3View(r: L3Row) {
  return { ...r, dhcpServerIp: r.dhcpServerIp === null ? null : intToIp(r.dhcpServerIp) };
}

function parseRangeInput(range: RangeInput): ParsedRange {
  const bounds = range.method === 'cidr' ? rangeFromCidr(range.cidr) : range;
  if (bounds instanceof DomainError) throw bounds;
  const parsed = parseRange(bounds);
  if (parsed instanceof DomainError) {
    // A CIDR-built range can only fail as a whole: point at the CIDR field.
    if (range.method === 'cidr') throw new DomainError(parsed.code, parsed.message, 'cidr');
    throw parsed;
  }
  return parsed;
}

/**
 * Adds a range to an L3 inside the caller's transaction: R-L3-5 (overlap with this L3 and with
 * L3s sharing the L2) and R-L3-4 (the DHCP server IP goes with the first range of a DHCP-on L3).
 */
async function addRangeTx(tx: Executor, l3: L3Row, input: { name: string; range: RangeInput; dhcpServerIp?: string | null }) {
  const parsed = parseRangeInput(input.range);
  await tx.select({ id: l3Networks.id }).from(l3Networks).where(eq(l3Networks.l2Id, l3.l2Id)).for('update');
  const neighbours = await tx
    .select({ start: ipRanges.startIp, end: ipRanges.endIp, l3Id: ipRanges.l3Id, l3Name: l3Networks.name })
    .from(ipRanges)
    .innerJoin(l3Networks, eq(l3Networks.id, ipRanges.l3Id))
    .where(eq(l3Networks.l2Id, l3.l2Id));
  const fieldOf = input.range.method === 'cidr' ? 'cidr' : undefined;
  const overlap = checkRangeOverlap(
    parsed,
    neighbours.map((n) => ({ ...n, sameL3: n.l3Id === l3.id })),
  );
  if (overlap) throw new DomainError(overlap.code, overlap.message, fieldOf ?? overlap.field);

  const held = new Set(
    (await tx.select({ ip: ipAllocations.ip }).from(ipAllocations).where(eq(ipAllocations.l3Id, l3.id))).map((a) => a.ip),
  );
  enforce(
    checkDhcpServerIp(input.dhcpServerIp ?? undefined, parsed, {
      dhcpEnabled: l3.dhcpEnabled,
      l3HasDhcpIp: l3.dhcpServerIp !== null,
      isUsed: (ip) => held.has(ip),
    }),
  );
  const range = await insertRange(tx, l3.id, parsed, input.name);
  if (l3.dhcpEnabled && l3.dhcpServerIp === null) {
    // Blank → the system takes the lowest free address of this range (R-L3-4).
    const wanted = input.dhcpServerIp ? ipToInt(input.dhcpServerIp) : undefined;
    const alloc = await allocateIp(tx, {
      l3Id: l3.id,
      ip: wanted ?? firstFree(parsed),
      kind: 'dhcp',
      ownerType: 'l3',
      ownerId: l3.id,
      insideSubnetOk: true,
    });
    await tx.update(l3Networks).set({ dhcpServerIp: alloc.ip }).where(eq(l3Networks.id, l3.id));
  }
  return range;
}

function firstFree(r: ParsedRange) {
  return r.start === r.network ? r.start + 1 : r.start;
}

export const l3Service = {
  async list(db: Db, actor: Actor, input: ListInput & { category?: 'public' | 'system' | 'private' }) {
    const page = await listPage<L3Row>(
      db,
      actor,
      {
        table: l3Networks,
        search: [l3Networks.name, l3Networks.description],
        sort: { name: l3Networks.name, category: l3Networks.category, createdAt: l3Networks.createdAt },
        shared: l3Networks.shared,
      },
      input,
      input.category ? eq(l3Networks.category, input.category) : undefined,
    );
    return { items: page.items.map(l3View), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return l3View(await getReadable(db, actor, l3Networks, id, 'L3 network', l3Networks.shared));
  },
  async create(db: Db, actor: Actor, input: z.output<typeof CreateL3>) {
    const dhcpEnabled = input.category === 'system' ? false : input.dhcpEnabled;
    enforce(checkL3Definition({ ...input, dhcpEnabled }));
    if (input.category !== 'private' && actor.role !== 'admin') {
      throw new DomainError(E.FORBIDDEN, 'Only an administrator may create public and system networks.', 'category');
    }
    if (input.dhcpServerIp && !input.range) {
      throw new DomainError(E.DHCP_IP_NOT_ALLOWED, 'Add an IP range to set the DHCP server IP.', 'dhcpServerIp');
    }
    return db.transaction(async (tx) => {
      const l2 = await tx
        .select()
        .from(l2Networks)
        .where(and(eq(l2Networks.id, input.l2Id), readable(actor, l2Networks, l2Networks.shared)))
        .then((r) => r[0]);
      if (!l2) {
        const [pool] = await tx.select({ id: vxlanPools.id }).from(vxlanPools).where(eq(vxlanPools.id, input.l2Id));
        if (pool) {
          throw new DomainError(
            E.L2_KIND_MISMATCH,
            'A VXLAN pool is a collection and cannot back an L3; create a VXLAN network from it first.',
            'l2Id',
          );
        }
        throw new DomainError(E.NOT_FOUND, 'No such L2 network.', 'l2Id');
      }
      enforce(checkSriov(input.sriov, l2));
      if (input.vrouterOfferingId) {
        await getReadable(
          tx,
          actor,
          vrouterOfferings,
          input.vrouterOfferingId,
          'vRouter offering',
          vrouterOfferings.shared,
          'vrouterOfferingId',
        );
      }
      const [row] = await tx
        .insert(l3Networks)
        .values({
          name: input.name,
          description: input.description,
          l2Id: l2.id,
          category: input.category,
          type: input.category === 'private' ? (input.type ?? null) : null,
          dhcpEnabled,
          dnsServers: input.dnsServers,
          vrouterOfferingId: input.vrouterOfferingId ?? null,
          sriov: input.sriov,
          shared: input.category === 'public' ? input.shared : false,
          accountId: actor.accountId,
        })
        .returning();
      if (input.range) await addRangeTx(tx, row!, { name: '', range: input.range, dhcpServerIp: input.dhcpServerIp });
      await audit(tx, actor, 'create', 'L3 network', row!.id);
      const [fresh] = await tx.select().from(l3Networks).where(eq(l3Networks.id, row!.id));
      return l3View(fresh!);
    });
  },
  async setShared(db: Db, actor: Actor, input: { id: string; shared: boolean }) {
    return db.transaction(async (tx) => {
      const l3 = await getWritable(tx, actor, l3Networks, input.id, 'L3 network');
      if (l3.category !== 'public' && input.shared) {
        throw new DomainError(E.L3_KIND_MISMATCH, 'Only public networks can be shared with tenants.', 'shared');
      }
      const [row] = await tx.update(l3Networks).set({ shared: input.shared }).where(eq(l3Networks.id, l3.id)).returning();
      await audit(tx, actor, 'share', 'L3 network', l3.id, { shared: input.shared });
      return l3View(row!);
    });
  },
  async delete(db: Db, actor: Actor, id: string) {
    return db.transaction(async (tx) => {
      await getWritable(tx, actor, l3Networks, id, 'L3 network');
      const [busy] = await tx
        .select({ ip: ipAllocations.ip, kind: ipAllocations.kind })
        .from(ipAllocations)
        .where(and(eq(ipAllocations.l3Id, id), ne(ipAllocations.kind, 'dhcp')))
        .limit(1);
      if (busy)
        throw new DomainError(
          E.IN_USE,
          `This L3 network still has allocated addresses (e.g. ${intToIp(busy.ip)}, ${busy.kind}); release them first.`,
        );
      await refuseIfUsed(tx, 'L3 network', [
        {
          table: vrouterOfferings,
          column: vrouterOfferings.managementL3Id,
          id,
          label: 'vRouter offering(s) as management network',
        },
        { table: vrouterOfferings, column: vrouterOfferings.publicL3Id, id, label: 'vRouter offering(s) as public network' },
      ]);
      await tx.delete(l3Networks).where(eq(l3Networks.id, id));
      await audit(tx, actor, 'delete', 'L3 network', id);
    });
  },

  async ranges(db: Db, actor: Actor, l3Id: string) {
    await getReadable(db, actor, l3Networks, l3Id, 'L3 network', l3Networks.shared);
    const rows = await db.select().from(ipRanges).where(eq(ipRanges.l3Id, l3Id)).orderBy(ipRanges.startIp);
    return rows.map(rangeView);
  },
  async addRange(db: Db, actor: Actor, input: { l3Id: string; name: string; range: RangeInput; dhcpServerIp?: string | null }) {
    return db.transaction(async (tx) => {
      const l3 = await getWritable(tx, actor, l3Networks, input.l3Id, 'L3 network');
      const range = await addRangeTx(tx, l3, input);
      await audit(tx, actor, 'add-range', 'L3 network', l3.id, { rangeId: range.id });
      return rangeView(range);
    });
  },
  async deleteRange(db: Db, actor: Actor, input: { id: string }) {
    return db.transaction(async (tx) => {
      const [range] = await tx.select().from(ipRanges).where(eq(ipRanges.id, input.id));
      if (!range) throw new DomainError(E.NOT_FOUND, 'No such IP range.');
      const l3 = await getWritable(tx, actor, l3Networks, range.l3Id, 'IP range');
      const [busy] = await tx
        .select({ ip: ipAllocations.ip })
        .from(ipAllocations)
        .where(and(eq(ipAllocations.rangeId, range.id), ne(ipAllocations.kind, 'dhcp')))
        .limit(1);
      if (busy)
        throw new DomainError(E.IN_USE, `Addresses of this range are allocated (e.g. ${intToIp(busy.ip)}); release them first.`);
      if (l3.dhcpServerIp !== null) {
        const [dhcp] = await tx
          .select()
          .from(ipAllocations)
          .where(and(eq(ipAllocations.l3Id, l3.id), eq(ipAllocations.ip, l3.dhcpServerIp)));
        if (dhcp?.rangeId === range.id) await tx.update(l3Networks).set({ dhcpServerIp: null }).where(eq(l3Networks.id, l3.id));
      }
      await tx.delete(ipRanges).where(eq(ipRanges.id, range.id));
      await audit(tx, actor, 'delete-range', 'L3 network', l3.id, { rangeId: range.id });
    });
  },
  async usage(db: Db, actor: Actor, input: { l3Id: string; page?: number; pageSize?: number }) {
    await getReadable(db, actor, l3Networks, input.l3Id, 'L3 network', l3Networks.shared);
    return ipUsage(db, input.l3Id, input.page, input.pageSize);
  },
  /** Reserve an address by hand (a specific one or the next free), e.g. for a device outside the cloud. */
  async reserveIp(db: Db, actor: Actor, input: { l3Id: string; ip?: string | null }) {
    return db.transaction(async (tx) => {
      const l3 = await getWritable(tx, actor, l3Networks, input.l3Id, 'L3 network');
      const row = await allocateIp(tx, {
        l3Id: l3.id,
        ip: parseIpField(input.ip, 'ip'),
        kind: 'reserved',
        ownerType: 'account',
        ownerId: actor.accountId,
      });
      await audit(tx, actor, 'reserve-ip', 'L3 network', l3.id, { ip: intToIp(row.ip) });
      return { id: row.id, l3Id: row.l3Id, ip: intToIp(row.ip), kind: row.kind };
    });
  },
  async releaseIp(db: Db, actor: Actor, input: { l3Id: string; ip: string }) {
    return db.transaction(async (tx) => {
      const l3 = await getWritable(tx, actor, l3Networks, input.l3Id, 'L3 network');
      const ip = parseIpField(input.ip, 'ip')!;
      const [alloc] = await tx
        .select()
        .from(ipAllocations)
        .where(and(eq(ipAllocations.l3Id, l3.id), eq(ipAllocations.ip, ip)));
      if (alloc && alloc.kind !== 'reserved') {
        throw new DomainError(E.IN_USE, `${input.ip} is held by a ${alloc.kind}; release it through that resource.`, 'ip');
      }
      const row = await releaseIp(tx, l3.id, ip);
      await audit(tx, actor, 'release-ip', 'L3 network', l3.id, { ip: input.ip });
      return { id: row.id, l3Id: row.l3Id, ip: intToIp(row.ip), kind: row.kind };
    });
  },
};
