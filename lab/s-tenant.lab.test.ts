import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildScenarioBase } from '@/server/testing/basic-datacenter';
import { LAB_DNS, PUBLIC_12, S_TENANT } from '@/lib/seed-plans';
import { LAB_INTERNET } from './controller';
import { openScenarioLab, waitFor, type ScenarioLab } from './testing/scenario';
import { labDescribe } from './testing';

/**
 * S-TENANT (SPEC §5, seed 4.1 tables 5–9): two tenants each build a VXLAN network from one pool
 * (VNI 100 → 192.168.10.0/24, VNI 200 → 192.168.11.0/24) with a VM and a vRouter. Both reach the
 * internet; VM-1 ✗ VM-2 (isolated); after each tenant's route table sends the other's CIDR to the
 * other vRouter's public IP (R-RT-1), VM-1 ↔ VM-2 — without SNAT on that path.
 */
let s: ScenarioLab;
const vm: Array<{ id: string; ip: string; routerPublicIp: string; caller: ScenarioLab['h']['admin']; routerId: string }> = [];

await labDescribe('S-TENANT in the lab: two tenants on VXLAN, joined by route tables', () => {
  beforeAll(async () => {
    s = await openScenarioLab('ten');
    const { admin } = s.h;
    const { zone, cluster, offering, inst, image } = await buildScenarioBase(admin, {
      dns: LAB_DNS,
      publicDhcp: PUBLIC_12.dhcpServerIp,
    });
    const pool = await admin.vxlanPool.create({
      name: 'VXLAN-pool',
      zoneId: zone.id,
      vniStart: S_TENANT.pool.vniStart,
      vniEnd: S_TENANT.pool.vniEnd,
      shared: true,
    });
    await admin.vxlanPool.attachCluster({ id: pool.id, clusterId: cluster.id, vtepCidr: S_TENANT.pool.vtepCidr });
    for (const n of S_TENANT.networks) {
      const t = await s.h.tenant(n.tenant);
      const l2 = await t.caller.l2.createVxlan({ name: `L2-VXLAN-${n.vni}`, poolId: pool.id, vni: n.vni });
      const l3 = await t.caller.l3.create({
        name: `L3-VXLAN-${n.vni}`,
        l2Id: l2.id,
        category: 'private',
        type: 'vrouter',
        vrouterOfferingId: offering.id,
        dhcpServerIp: n.dhcpServerIp,
        range: { method: 'cidr', cidr: n.cidr },
      });
      const [made] = await t.caller.vm.create({ name: n.vm, instanceOfferingId: inst.id, imageId: image.id, l3Ids: [l3.id] });
      const router = (await t.caller.vrouter.list({})).items[0]!;
      vm.push({
        id: made!.id,
        ip: made!.nics[0]!.ip,
        routerPublicIp: router.nics.find((x) => x.role === 'public')!.ip,
        caller: t.caller,
        routerId: router.id,
      });
    }
    await s.sync();
    for (const v of vm) await s.dhcp(v.id, v.ip);
  });

  afterAll(async () => {
    await s?.close();
    expect(await s.lab.list()).toEqual([]);
  });

  it('each tenant sees only its own vRouter, and both networks use VXLAN (VNI 100 and 200)', async () => {
    for (const v of vm) expect((await v.caller.vrouter.list({})).items.map((r) => r.id)).toEqual([v.routerId]);
    const l2s = (await s.h.admin.l2.list({ type: 'vxlan' })).items.map((l) => l.vni).sort();
    expect(l2s).toEqual([100, 200]);
  });

  it('both VMs reach the internet', async () => {
    for (const v of vm) {
      expect(await s.fromVm(v.id, { kind: 'ping', target: LAB_INTERNET.web, count: 2 })).toMatchObject({ ok: true });
      expect(await s.fromVm(v.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
        ok: true,
        summary: expect.stringContaining(`seen as ${v.routerPublicIp}`),
      });
    }
  });

  it('VM-1 ✗ VM-2 and VM-2 ✗ VM-1: the tenants are isolated', async () => {
    expect(await s.fromVm(vm[0]!.id, { kind: 'ping', target: vm[1]!.ip, count: 2 })).toMatchObject({ ok: false });
    expect(await s.fromVm(vm[1]!.id, { kind: 'ping', target: vm[0]!.ip, count: 2 })).toMatchObject({ ok: false });
  });

  it('R-RT-1 a next hop the vRouter cannot reach is refused', async () => {
    const table = await vm[0]!.caller.routeTable.create({ name: 'RT-bad', vrouterIds: [vm[0]!.routerId] });
    await expect(
      vm[0]!.caller.routeTable.addEntry({ id: table.id, destination: S_TENANT.networks[1].cidr, nextHop: '172.16.0.1' }),
    ).rejects.toMatchObject({ message: expect.stringContaining('not on any network') });
    await vm[0]!.caller.routeTable.delete({ id: table.id });
  });

  it('R-RT-1 after route entries via each vRouter’s public IP: VM-1 ↔ VM-2, sources kept (no SNAT)', async () => {
    for (const [i, v] of vm.entries()) {
      const other = vm[1 - i]!;
      const table = await v.caller.routeTable.create({ name: `RT-${i + 1}`, vrouterIds: [v.routerId] });
      await v.caller.routeTable.addEntry({
        id: table.id,
        destination: S_TENANT.networks[1 - i]!.cidr,
        nextHop: other.routerPublicIp,
      });
    }
    await s.rec.settle(30_000);
    expect(
      await waitFor(
        'VM-1 → VM-2',
        async () => (await s.fromVm(vm[0]!.id, { kind: 'ping', target: vm[1]!.ip, count: 1 })).ok,
        10_000,
      ),
    ).toBe(true);
    expect(await s.fromVm(vm[1]!.id, { kind: 'ping', target: vm[0]!.ip, count: 2 })).toMatchObject({ ok: true });
    // The connection arrives from VM-1's own address: route-table traffic is not source-NATed.
    await s.listen(vm[1]!.id, 'VM-2', 8080);
    expect(await s.fromVm(vm[0]!.id, { kind: 'tcp', target: vm[1]!.ip, port: 8080 })).toMatchObject({
      ok: true,
      summary: expect.stringContaining('VM-2'),
    });
    const log = await s.lab
      .exec(s.ctl.routerNs(vm[1]!.routerId), 'conntrack', ['-L', '-p', 'tcp', '--dport', '8080'])
      .catch((e: { stdout?: string }) => e.stdout ?? '');
    expect(log).toContain(`src=${vm[0]!.ip}`);
    // Internet traffic is still SNATed.
    expect(await s.fromVm(vm[0]!.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
      summary: expect.stringContaining(`seen as ${vm[0]!.routerPublicIp}`),
    });
  });

  it('removing the entry isolates them again', async () => {
    const table = (await vm[0]!.caller.routeTable.list({})).items[0]!;
    await vm[0]!.caller.routeTable.removeEntry({ id: table.id, entryId: table.entries[0]!.id });
    await s.rec.settle(30_000);
    // The agent removes the route it owns (protocol 188) and the SNAT exclusion with it.
    expect(await s.lab.exec(s.ctl.routerNs(vm[0]!.routerId), 'ip', ['route', 'show', S_TENANT.networks[1].cidr])).toBe('');
    expect(await s.fromVm(vm[0]!.id, { kind: 'ping', target: vm[1]!.ip, count: 2 })).toMatchObject({ ok: false });
  });
});
