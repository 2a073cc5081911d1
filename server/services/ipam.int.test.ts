import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, countDistinct, eq } from 'drizzle-orm';
import { ipAllocations, ipFreeExtents } from '@/db/schema';
import { openHarness } from '../testing/harness';
import { allocateIp, releaseIp } from './ipam';
import { ipToInt, intToIp } from '@/lib/ipv4';

let h: Awaited<ReturnType<typeof openHarness>>;
let l2Id: string;
beforeAll(async () => {
  h = await openHarness();
  const zone = await h.admin.zone.create({ name: 'z' });
  const l2 = await h.admin.l2.create({ name: 'l2', zoneId: zone.id, type: 'novlan', physicalNic: 'em01' });
  l2Id = l2.id;
});
afterAll(async () => h?.close());

async function newL3(name: string, range: { startIp: string; endIp: string; netmask: string; gateway: string }) {
  return h.admin.l3.create({ name, l2Id, category: 'public', dhcpEnabled: false, range: { method: 'bounds', ...range } });
}

const alloc = (l3Id: string, ip?: string) =>
  h.db.transaction((tx) => allocateIp(tx, { l3Id, ip: ip ? ipToInt(ip) : undefined, kind: 'reserved' }));

describe('IPAM', () => {
  it('gives 50 concurrent allocations on one L3 50 distinct addresses', async () => {
    const l3 = await newL3('big', {
      startIp: '198.51.100.10',
      endIp: '198.51.100.200',
      netmask: '255.255.255.0',
      gateway: '198.51.100.1',
    });
    const results = await Promise.all(Array.from({ length: 50 }, () => alloc(l3.id)));
    const ips = results.map((r) => r.ip);
    expect(new Set(ips).size).toBe(50);
    // Lowest-first: exactly .10 … .59 were handed out.
    expect(Math.min(...ips)).toBe(ipToInt('198.51.100.10'));
    expect(Math.max(...ips)).toBe(ipToInt('198.51.100.59'));
    const [row] = await h.db
      .select({ n: count(), d: countDistinct(ipAllocations.ip) })
      .from(ipAllocations)
      .where(eq(ipAllocations.l3Id, l3.id));
    expect(row).toEqual({ n: 50, d: 50 });
  });

  it('on a range smaller than 50, fails the rest with "range exhausted" and duplicates nothing', async () => {
    const l3 = await newL3('small', {
      startIp: '203.0.113.10',
      endIp: '203.0.113.29',
      netmask: '255.255.255.0',
      gateway: '203.0.113.1',
    });
    const settled = await Promise.allSettled(Array.from({ length: 50 }, () => alloc(l3.id)));
    const ok = settled.filter((s) => s.status === 'fulfilled');
    const failed = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
    expect(ok).toHaveLength(20);
    expect(failed).toHaveLength(30);
    for (const f of failed)
      expect(f.reason).toMatchObject({ code: 'IP_RANGE_EXHAUSTED', message: expect.stringContaining('range exhausted') });
    const [row] = await h.db
      .select({ n: count(), d: countDistinct(ipAllocations.ip) })
      .from(ipAllocations)
      .where(eq(ipAllocations.l3Id, l3.id));
    expect(row).toEqual({ n: 20, d: 20 });
    const [ext] = await h.db.select({ n: count() }).from(ipFreeExtents).where(eq(ipFreeExtents.l3Id, l3.id));
    expect(ext!.n).toBe(0);
  });

  it('hands a released address out again first and merges free extents back', async () => {
    const l3 = await newL3('reuse', {
      startIp: '192.0.2.10',
      endIp: '192.0.2.20',
      netmask: '255.255.255.0',
      gateway: '192.0.2.1',
    });
    const a = await alloc(l3.id);
    const b = await alloc(l3.id);
    const c = await alloc(l3.id);
    expect([a.ip, b.ip, c.ip].map(intToIp)).toEqual(['192.0.2.10', '192.0.2.11', '192.0.2.12']);
    await h.db.transaction((tx) => releaseIp(tx, l3.id, b.ip));
    expect(intToIp((await alloc(l3.id)).ip)).toBe('192.0.2.11');
    // Release everything: the range is one extent again.
    for (const ip of ['192.0.2.10', '192.0.2.11', '192.0.2.12'])
      await h.db.transaction((tx) => releaseIp(tx, l3.id, ipToInt(ip)));
    const ext = await h.db.select().from(ipFreeExtents).where(eq(ipFreeExtents.l3Id, l3.id));
    expect(ext.map((e) => [intToIp(e.startIp), intToIp(e.endIp)])).toEqual([['192.0.2.10', '192.0.2.20']]);
  });

  it('allocates a specific address, refusing one in use or outside every range', async () => {
    const l3 = await newL3('specific', {
      startIp: '10.20.0.10',
      endIp: '10.20.0.20',
      netmask: '255.255.255.0',
      gateway: '10.20.0.1',
    });
    expect(intToIp((await alloc(l3.id, '10.20.0.15')).ip)).toBe('10.20.0.15');
    await expect(alloc(l3.id, '10.20.0.15')).rejects.toMatchObject({ code: 'IP_IN_USE' });
    await expect(alloc(l3.id, '10.20.0.30')).rejects.toMatchObject({ code: 'IP_NOT_IN_RANGE' });
    // The lowest free is still .10 — the specific one split its extent.
    expect(intToIp((await alloc(l3.id)).ip)).toBe('10.20.0.10');
  });

  it('never hands out the gateway, network, broadcast or DHCP server IP', async () => {
    const l3 = await h.admin.l3.create({
      name: 'reserved',
      l2Id,
      category: 'public',
      dhcpServerIp: '10.30.0.1',
      range: { method: 'bounds', startIp: '10.30.0.0', endIp: '10.30.0.3', netmask: '255.255.255.248', gateway: '10.30.0.6' },
    });
    expect(l3.dhcpServerIp).toBe('10.30.0.1');
    const got = [intToIp((await alloc(l3.id)).ip), intToIp((await alloc(l3.id)).ip)];
    expect(got).toEqual(['10.30.0.2', '10.30.0.3']);
    await expect(alloc(l3.id)).rejects.toMatchObject({ code: 'IP_RANGE_EXHAUSTED' });
  });

  it('reserves and releases through the API, with usage following', async () => {
    const l3 = await newL3('api', { startIp: '10.40.0.10', endIp: '10.40.0.19', netmask: '255.255.255.0', gateway: '10.40.0.1' });
    const r = await h.admin.l3.reserveIp({ l3Id: l3.id });
    expect(r.ip).toBe('10.40.0.10');
    expect(await h.admin.l3.usage({ l3Id: l3.id })).toMatchObject({
      total: 10,
      used: 1,
      holders: [{ ip: '10.40.0.10', kind: 'reserved' }],
    });
    await h.admin.l3.releaseIp({ l3Id: l3.id, ip: '10.40.0.10' });
    expect(await h.admin.l3.usage({ l3Id: l3.id })).toMatchObject({ used: 0, holders: [] });
  });
});
