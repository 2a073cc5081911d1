import { and, asc, count, desc, eq, lte, sql, sum } from 'drizzle-orm';
import type { Executor } from '@/db/client';
import { ipAllocations, ipFreeExtents, ipRanges, l3Networks } from '@/db/schema';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { cidrText, intToIp, ipToInt, isHostAddress, isIpv4, prefixToNetmask, subnetOf, type IpInt } from '@/lib/ipv4';
import { allocatableSize, initialExtents, type ParsedRange } from '../domain/network/ranges';

export type AllocationKind = 'dhcp' | 'gateway' | 'vm-nic' | 'vrouter' | 'vip' | 'reserved';

export interface AllocateRequest {
  l3Id: string;
  /** A specific address; absent → the lowest free one. */
  ip?: IpInt;
  kind: AllocationKind;
  ownerType?: string | null;
  ownerId?: string | null;
  /**
   * Allows an address outside start–end but inside a range's subnet (the gateway taken by a vRouter,
   * a DHCP server IP outside the range). Network and broadcast are never allowed.
   */
  insideSubnetOk?: boolean;
}

/** Serializes IPAM on one L3: every allocation and release takes this row lock first. */
async function lockL3(tx: Executor, l3Id: string) {
  const [row] = await tx.select({ id: l3Networks.id }).from(l3Networks).where(eq(l3Networks.id, l3Id)).for('update');
  if (!row) throw new DomainError(E.NOT_FOUND, 'No such L3 network.', 'l3Id');
}

/** Removes `ip` from the free extent that holds it; false when no extent holds it. */
async function takeFromExtents(tx: Executor, l3Id: string, ip: IpInt): Promise<{ rangeId: string } | undefined> {
  const [ext] = await tx
    .select()
    .from(ipFreeExtents)
    .where(and(eq(ipFreeExtents.l3Id, l3Id), lte(ipFreeExtents.startIp, ip)))
    .orderBy(desc(ipFreeExtents.startIp))
    .limit(1);
  if (!ext || ext.endIp < ip) return undefined;
  const key = and(eq(ipFreeExtents.rangeId, ext.rangeId), eq(ipFreeExtents.startIp, ext.startIp));
  if (ext.startIp === ext.endIp) {
    await tx.delete(ipFreeExtents).where(key);
  } else if (ip === ext.startIp) {
    await tx
      .update(ipFreeExtents)
      .set({ startIp: ip + 1 })
      .where(key);
  } else if (ip === ext.endIp) {
    await tx
      .update(ipFreeExtents)
      .set({ endIp: ip - 1 })
      .where(key);
  } else {
    await tx
      .update(ipFreeExtents)
      .set({ endIp: ip - 1 })
      .where(key);
    await tx.insert(ipFreeExtents).values({ rangeId: ext.rangeId, l3Id, startIp: ip + 1, endIp: ext.endIp });
  }
  return { rangeId: ext.rangeId };
}

async function rangeContaining(tx: Executor, l3Id: string, ip: IpInt, wholeSubnet: boolean) {
  const rows = await tx.select().from(ipRanges).where(eq(ipRanges.l3Id, l3Id)).orderBy(asc(ipRanges.startIp));
  return rows.find((r) =>
    wholeSubnet ? isHostAddress(ip, subnetOf(r.networkIp, r.prefixLength)) : ip >= r.startIp && ip <= r.endIp,
  );
}

/**
 * Allocates one address on an L3 inside the caller's transaction. The lowest free address is one
 * index probe on the free extents; a specific one is split out of its extent.
 */
export async function allocateIp(tx: Executor, req: AllocateRequest) {
  await lockL3(tx, req.l3Id);
  let ip = req.ip;
  let rangeId: string | undefined;
  if (ip === undefined) {
    const [first] = await tx
      .select()
      .from(ipFreeExtents)
      .where(eq(ipFreeExtents.l3Id, req.l3Id))
      .orderBy(asc(ipFreeExtents.startIp))
      .limit(1);
    if (!first)
      throw new DomainError(
        E.IP_RANGE_EXHAUSTED,
        'No free address is left in the ranges of this network (range exhausted).',
        'ip',
      );
    ip = first.startIp;
    rangeId = (await takeFromExtents(tx, req.l3Id, ip))?.rangeId;
  } else {
    rangeId = (await takeFromExtents(tx, req.l3Id, ip))?.rangeId;
    if (!rangeId) {
      const inRange = await rangeContaining(tx, req.l3Id, ip, false);
      const [held] = await tx
        .select({ id: ipAllocations.id })
        .from(ipAllocations)
        .where(and(eq(ipAllocations.l3Id, req.l3Id), eq(ipAllocations.ip, ip)));
      if (held) throw new DomainError(E.IP_IN_USE, `${intToIp(ip)} is already in use on this network.`, 'ip');
      if (inRange) throw new DomainError(E.IP_NOT_IN_RANGE, `${intToIp(ip)} is the network or broadcast address.`, 'ip');
      const inSubnet = req.insideSubnetOk ? await rangeContaining(tx, req.l3Id, ip, true) : undefined;
      if (!inSubnet) throw new DomainError(E.IP_NOT_IN_RANGE, `${intToIp(ip)} is not inside any IP range of this network.`, 'ip');
      rangeId = inSubnet.id;
    }
  }
  const [row] = await tx
    .insert(ipAllocations)
    .values({ l3Id: req.l3Id, rangeId, ip, kind: req.kind, ownerType: req.ownerType ?? null, ownerId: req.ownerId ?? null })
    .returning();
  return row!;
}

/** Releases an allocation and gives its address back to the free extents, merging neighbours. */
export async function releaseIp(tx: Executor, l3Id: string, ip: IpInt) {
  await lockL3(tx, l3Id);
  const [alloc] = await tx
    .delete(ipAllocations)
    .where(and(eq(ipAllocations.l3Id, l3Id), eq(ipAllocations.ip, ip)))
    .returning();
  if (!alloc) throw new DomainError(E.NOT_FOUND, `${intToIp(ip)} is not allocated on this network.`, 'ip');
  const range = await rangeContaining(tx, l3Id, ip, false);
  if (!range || !isHostAddress(ip, subnetOf(range.networkIp, range.prefixLength))) return alloc;
  const [left] = await tx
    .select()
    .from(ipFreeExtents)
    .where(and(eq(ipFreeExtents.rangeId, range.id), eq(ipFreeExtents.endIp, ip - 1)));
  const [right] = await tx
    .select()
    .from(ipFreeExtents)
    .where(and(eq(ipFreeExtents.rangeId, range.id), eq(ipFreeExtents.startIp, ip + 1)));
  const keyOf = (e: { rangeId: string; startIp: number }) =>
    and(eq(ipFreeExtents.rangeId, e.rangeId), eq(ipFreeExtents.startIp, e.startIp));
  if (left && right) {
    await tx.delete(ipFreeExtents).where(keyOf(right));
    await tx.update(ipFreeExtents).set({ endIp: right.endIp }).where(keyOf(left));
  } else if (left) {
    await tx.update(ipFreeExtents).set({ endIp: ip }).where(keyOf(left));
  } else if (right) {
    await tx.update(ipFreeExtents).set({ startIp: ip }).where(keyOf(right));
  } else {
    await tx.insert(ipFreeExtents).values({ rangeId: range.id, l3Id, startIp: ip, endIp: ip });
  }
  return alloc;
}

/** Stores a checked range and its free extents (the caller has locked the L3 and run the rules). */
export async function insertRange(tx: Executor, l3Id: string, r: ParsedRange, name: string) {
  const [range] = await tx
    .insert(ipRanges)
    .values({
      l3Id,
      name,
      startIp: r.start,
      endIp: r.end,
      prefixLength: r.prefix,
      networkIp: r.network,
      gateway: r.gateway,
      size: allocatableSize(r),
    })
    .returning();
  const extents = initialExtents(r, []);
  if (extents.length)
    await tx.insert(ipFreeExtents).values(extents.map((e) => ({ rangeId: range!.id, l3Id, startIp: e.start, endIp: e.end })));
  return range!;
}

export function rangeView(r: typeof ipRanges.$inferSelect) {
  return {
    id: r.id,
    l3Id: r.l3Id,
    name: r.name,
    startIp: intToIp(r.startIp),
    endIp: intToIp(r.endIp),
    netmask: prefixToNetmask(r.prefixLength),
    gateway: intToIp(r.gateway),
    cidr: cidrText(r.networkIp, r.prefixLength),
    size: r.size,
  };
}

/** Used / total per L3 and per range, and who holds each address (paged, in address order). */
export async function ipUsage(db: Executor, l3Id: string, page = 1, pageSize = 50) {
  const ranges = await db.select().from(ipRanges).where(eq(ipRanges.l3Id, l3Id)).orderBy(asc(ipRanges.startIp));
  const free = await db
    .select({ rangeId: ipFreeExtents.rangeId, free: sum(sql`${ipFreeExtents.endIp} - ${ipFreeExtents.startIp} + 1`) })
    .from(ipFreeExtents)
    .where(eq(ipFreeExtents.l3Id, l3Id))
    .groupBy(ipFreeExtents.rangeId);
  const freeOf = new Map(free.map((f) => [f.rangeId, Number(f.free ?? 0)]));
  const rangeViews = ranges.map((r) => ({ ...rangeView(r), used: r.size - (freeOf.get(r.id) ?? 0) }));
  const [holdersTotal] = await db.select({ n: count() }).from(ipAllocations).where(eq(ipAllocations.l3Id, l3Id));
  const holders = await db
    .select()
    .from(ipAllocations)
    .where(eq(ipAllocations.l3Id, l3Id))
    .orderBy(asc(ipAllocations.ip))
    .limit(pageSize)
    .offset((page - 1) * pageSize);
  return {
    l3Id,
    total: rangeViews.reduce((n, r) => n + r.size, 0),
    used: rangeViews.reduce((n, r) => n + r.used, 0),
    ranges: rangeViews,
    holders: holders.map((h) => ({ ip: intToIp(h.ip), kind: h.kind, ownerType: h.ownerType, ownerId: h.ownerId })),
    holdersTotal: Number(holdersTotal?.n ?? 0),
  };
}

export function parseIpField(text: string | null | undefined, field: string): IpInt | undefined {
  if (text === null || text === undefined || text === '') return undefined;
  if (!isIpv4(text)) throw new DomainError(E.INVALID_ADDRESS, `"${text}" is not an IPv4 address.`, field);
  return ipToInt(text);
}
