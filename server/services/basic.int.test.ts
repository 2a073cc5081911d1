import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';

let h: Awaited<ReturnType<typeof openHarness>>;
beforeAll(async () => {
  h = await openHarness();
});
afterAll(async () => h?.close());

describe('S-BASIC data center through tRPC (seed tables 1–3)', () => {
  it('builds every resource and finds each in its list', async () => {
    const dc = await buildBasicDataCenter(h.admin);
    expect(dc.publicL3.dhcpServerIp).toBe('10.108.10.1');
    expect(dc.privateL3.dhcpServerIp).toBe('192.168.10.10');
    expect(dc.privateL2.vlanId).toBe(2700);
    expect(dc.publicL2.clusterIds).toEqual([dc.cluster.id]);
    const ranges = await h.admin.l3.ranges({ id: dc.privateL3.id });
    expect(ranges).toEqual([
      expect.objectContaining({
        startIp: '192.168.10.2',
        endIp: '192.168.10.254',
        gateway: '192.168.10.1',
        cidr: '192.168.10.0/24',
        size: 253,
      }),
    ]);
    const pub = await h.admin.l3.ranges({ id: dc.publicL3.id });
    expect(pub[0]).toMatchObject({ startIp: '10.108.10.0', endIp: '10.108.11.255', netmask: '255.0.0.0', size: 512 });
    const l3s = await h.admin.l3.list({ category: 'private' });
    expect(l3s.items.map((l) => l.name)).toContain('L3-private');
    const usage = await h.admin.l3.usage({ l3Id: dc.publicL3.id });
    expect(usage).toMatchObject({ total: 512, used: 1 });
    expect(usage.holders).toEqual([expect.objectContaining({ ip: '10.108.10.1', kind: 'dhcp' })]);
  });
});
