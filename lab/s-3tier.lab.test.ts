import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildScenarioBase } from '@/server/testing/basic-datacenter';
import { addressToReach, LAB_DNS, S_3TIER } from '@/lib/seed-plans';
import { LAB_INTERNET } from './controller';
import { openScenarioLab, waitFor, type ScenarioLab } from './testing/scenario';
import { labDescribe } from './testing';

type Vm = {
  id: string;
  name: string;
  nics: Array<{ id: string; l3Id: string; ip: string; isDefault: boolean; deviceIndex: number }>;
};

/**
 * S-3TIER (SPEC §5, seed 4.2 tables 10–14): web / app / database vRouter networks on VLANs 2850,
 * 2860, 2870 of em01, each with its own vRouter; VM-web {web*, app}, VM-app {app*, db},
 * VM-database {db*}. VM-web gets its app NIC after creation and a reboot (R-VM-1). Then the full
 * 3×3 table. Also: a vRouter serving two private L3s routes between them, and a second public L3
 * attached to a running vRouter carries an EIP (R-MPUB-1).
 */
let s: ScenarioLab;
const l3 = new Map<string, string>();
const vms = new Map<string, Vm>();
let ctx: { zoneId: string; clusterId: string; offeringId: string; instId: string; imageId: string };

const refresh = async (name: string) => {
  const v = await s.h.admin.vm.get({ id: vms.get(name)!.id });
  vms.set(name, { id: v.id, name: v.name, nics: v.nics });
  return vms.get(name)!;
};

await labDescribe('S-3TIER in the lab: web, app and database tiers with multi-NIC VMs', () => {
  beforeAll(async () => {
    s = await openScenarioLab('3t');
    const { admin } = s.h;
    const { zone, cluster, offering, inst, image } = await buildScenarioBase(admin, { dns: LAB_DNS });
    for (const n of S_3TIER.networks) {
      const l2 = await admin.l2.create({
        name: `L2-${n.key}`,
        type: 'vlan',
        physicalNic: 'em01',
        vlanId: n.vlan,
        zoneId: zone.id,
        clusterIds: [cluster.id],
      });
      const made = await admin.l3.create({
        name: n.name,
        l2Id: l2.id,
        category: 'private',
        type: 'vrouter',
        vrouterOfferingId: offering.id,
        range: { method: 'cidr', cidr: n.cidr },
      });
      l3.set(n.key, made.id);
    }
    ctx = { zoneId: zone.id, clusterId: cluster.id, offeringId: offering.id, instId: inst.id, imageId: image.id };
    for (const v of S_3TIER.vms) {
      // VM-web is created on its web network only; its app NIC is attached afterwards (R-VM-1).
      const nets = v.name === 'VM-web' ? ['web'] : v.nets;
      const [made] = await admin.vm.create({
        name: v.name,
        instanceOfferingId: inst.id,
        imageId: image.id,
        l3Ids: nets.map((k) => l3.get(k)!),
      });
      vms.set(v.name, { id: made!.id, name: made!.name, nics: made!.nics });
    }
    await s.sync();
  });

  afterAll(async () => {
    await s?.close();
    expect(await s.lab.list()).toEqual([]);
  });

  it('R-VM-2 each tier has its own vRouter', async () => {
    const routers = (await s.h.admin.vrouter.list({})).items;
    expect(routers).toHaveLength(3);
    expect(new Set(routers.map((r) => r.nics.find((n) => n.role === 'private')!.l3Id))).toEqual(new Set(l3.values()));
  });

  it('R-VM-1 a NIC attached to a running VM waits for the reboot, then gets its address by DHCP', async () => {
    const web = await s.h.admin.vm.attachNic({ id: vms.get('VM-web')!.id, l3Id: l3.get('app')! });
    const appNic = web.nics.find((n) => n.l3Id === l3.get('app'))!;
    expect(appNic).toMatchObject({ active: false, isDefault: false, deviceIndex: 1 });
    await s.sync();
    expect(await s.ctl.addressOf(web.id, 'eth1')).toBeNull();
    await s.h.admin.vm.action({ id: web.id, action: 'reboot' });
    await s.sync();
    expect((await refresh('VM-web')).nics.every((n) => n.isDefault === (n.deviceIndex === 0))).toBe(true);
    for (const v of vms.values()) for (const n of (await refresh(v.name)).nics) await s.dhcp(v.id, n.ip, `eth${n.deviceIndex}`);
    // Only the first NIC's network gives the default route.
    expect(await s.lab.exec(s.ctl.vmNs(web.id), 'ip', ['route', 'show', 'default'])).toContain('via 192.168.10.1 dev eth0');
  });

  for (const [from, to, expected] of S_3TIER.expected) {
    it(`S-3TIER ${from} → ${to}: ${expected ? '✓' : '✗'}`, async () => {
      const src = vms.get(from)!;
      const target = to === 'internet' ? LAB_INTERNET.web : addressToReach(src, vms.get(to)!);
      const r = await s.fromVm(src.id, { kind: 'ping', target, count: 2 });
      expect({ from, to, target, ok: r.ok }).toEqual({ from, to, target, ok: expected });
    });
  }

  it('a vRouter serving two private L3s routes between them', async () => {
    const { admin } = s.h;
    const l2 = await admin.l2.create({
      name: 'L2-extra',
      type: 'vlan',
      physicalNic: 'em01',
      vlanId: 2880,
      zoneId: ctx.zoneId,
      clusterIds: [ctx.clusterId],
    });
    const extra = await admin.l3.create({
      name: 'L3-extra',
      l2Id: l2.id,
      category: 'private',
      type: 'vrouter',
      vrouterOfferingId: ctx.offeringId,
      range: { method: 'cidr', cidr: '192.168.13.0/24' },
    });
    const webRouter = (await admin.vrouter.list({})).items.find((r) =>
      r.nics.some((n) => n.role === 'private' && n.l3Id === l3.get('web')),
    )!;
    const attached = await admin.vrouter.attachL3({ id: webRouter.id, l3Id: extra.id });
    expect(attached.nics.filter((n) => n.role === 'private')).toHaveLength(2);
    const [x] = await admin.vm.create({
      name: 'VM-extra',
      instanceOfferingId: ctx.instId,
      imageId: ctx.imageId,
      l3Ids: [extra.id],
    });
    expect((await admin.vrouter.list({})).items).toHaveLength(3);
    await s.sync();
    await s.dhcp(x!.id, x!.nics[0]!.ip);
    const webIp = vms.get('VM-web')!.nics.find((n) => n.deviceIndex === 0)!.ip;
    expect(
      await waitFor(
        'VM-extra → VM-web',
        async () => (await s.fromVm(x!.id, { kind: 'ping', target: webIp, count: 1 })).ok,
        10_000,
      ),
    ).toBe(true);
    // DNS on the new network's gateway comes with the router's forwarder restart: converge first.
    expect(
      await waitFor(
        'VM-extra → example.com',
        async () => (await s.fromVm(x!.id, { kind: 'http', url: 'http://example.com/' })).ok,
        10_000,
      ),
    ).toBe(true);
  });

  it('R-MPUB-1 a second public L3 attached to a running vRouter carries an EIP; detach refused while used, then allowed', async () => {
    const { admin } = s.h;
    const l2 = await admin.l2.create({
      name: 'L2-public-B',
      type: 'vlan',
      physicalNic: 'em01',
      vlanId: 3000,
      zoneId: ctx.zoneId,
      clusterIds: [ctx.clusterId],
    });
    const pubB = await admin.l3.create({
      name: 'L3-public-B',
      l2Id: l2.id,
      category: 'public',
      dhcpEnabled: false,
      range: { method: 'bounds', startIp: '172.20.0.10', endIp: '172.20.0.200', netmask: '255.255.255.0', gateway: '172.20.0.1' },
    });
    const webRouter = (await admin.vrouter.list({})).items.find((r) =>
      r.nics.some((n) => n.role === 'private' && n.l3Id === l3.get('web')),
    )!;
    const withB = await admin.vrouter.attachL3({ id: webRouter.id, l3Id: pubB.id });
    const bNic = withB.nics.find((n) => n.l3Id === pubB.id)!;
    expect(bNic.role).toBe('public');
    expect((await admin.vip.list({ l3Id: pubB.id })).items).toEqual([expect.objectContaining({ ip: bNic.ip, system: true })]);
    const webNic = vms.get('VM-web')!.nics.find((n) => n.deviceIndex === 0)!;
    const eip = await admin.eip.create({ name: 'EIP-B', l3Id: pubB.id, nicId: webNic.id });
    await s.listen(vms.get('VM-web')!.id, 'VM-web', 22);
    await s.sync();
    expect(
      await waitFor(
        'EIP on public B',
        async () => {
          const r = await s.fromInternet({ kind: 'tcp', target: eip.vip, port: 22 });
          return r.summary.includes('VM-web') ? r : null;
        },
        10_000,
      ),
    ).toMatchObject({ ok: true });
    await expect(admin.vrouter.detachL3({ id: webRouter.id, l3Id: pubB.id })).rejects.toMatchObject({
      message: expect.stringContaining('unbind'),
    });
    await admin.eip.unbind({ id: eip.id });
    const without = await admin.vrouter.detachL3({ id: webRouter.id, l3Id: pubB.id });
    expect(without.nics.some((n) => n.l3Id === pubB.id)).toBe(false);
    await s.sync();
    expect(await s.fromVm(vms.get('VM-web')!.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({ ok: true });
  });
});
