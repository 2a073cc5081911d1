import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBasicDataCenter, SERVICES_PUBLIC_RANGE } from '@/server/testing/basic-datacenter';
import { LAB_INTERNET } from './controller';
import { openScenarioLab, waitFor, type ScenarioLab } from './testing/scenario';
import { labDescribe } from './testing';

/**
 * S-PF (SPEC §5, seed 4.6): PF-1 VIP:24 → VM-1:22; rebound to VM-2; PF-2 on the same VIP, the range
 * 5900–5910 → VM-1 (R-PF-1). Plus what R-PF-2 forbids, refused through the API, and a port offset
 * (VIP:6000–6002 → VM:7000–7002) and an allowed-source restriction, proven with real connections.
 */
let s: ScenarioLab;
let vm1: { id: string; nicId: string };
let vm2: { id: string; nicId: string };
let pf1: string;
let vipId: string;
let vip: string;

await labDescribe('S-PF in the lab: port forwarding on one VIP to two VMs', () => {
  beforeAll(async () => {
    s = await openScenarioLab('pf');
    const { h } = s;
    const dc = await buildBasicDataCenter(h.admin, {
      publicDns: [LAB_INTERNET.dns],
      publicRange: SERVICES_PUBLIC_RANGE,
      publicDhcp: '10.108.12.1',
    });
    const offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'busybox',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/busybox.qcow2',
    });
    const made = await h.admin.vm.create({
      name: 'VM',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
      count: 2,
    });
    vm1 = { id: made[0]!.id, nicId: made[0]!.nics[0]!.id };
    vm2 = { id: made[1]!.id, nicId: made[1]!.nics[0]!.id };
    const rule = await h.admin.portForward.create({
      name: 'PF-1',
      l3Id: dc.publicL3.id,
      protocol: 'tcp',
      mode: 'single',
      vipPortStart: 24,
      vmPortStart: 22,
      nicId: vm1.nicId,
    });
    pf1 = rule.id;
    vipId = rule.vipId;
    vip = rule.vip;
    await s.sync();
    for (const [vm, name] of [
      [vm1, 'VM-1'],
      [vm2, 'VM-2'],
    ] as const) {
      await s.dhcp(vm.id, made[name === 'VM-1' ? 0 : 1]!.nics[0]!.ip);
      for (const port of [22, 5900, 5905, 5910, 7001]) await s.listen(vm.id, name, port);
    }
  });

  afterAll(async () => {
    await s?.close();
    expect(await s.lab.list()).toEqual([]);
  });

  it('R-PF-1 VIP:24 reaches VM-1:22', async () => {
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 24 })).toMatchObject({
      ok: true,
      summary: `connected to ${vip}:24, answered by VM-1`,
    });
    // Only the forwarded port: VIP:22 itself is not forwarded.
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 22 })).toMatchObject({
      summary: expect.not.stringContaining('answered by'),
    });
  });

  it('R-PF-2 refusals: overlapping range on the VIP, unequal lengths, a second VIP for the NIC, rebinding while bound', async () => {
    const { admin } = s.h;
    await expect(
      admin.portForward.create({ name: 'X', vipId, protocol: 'tcp', mode: 'range', vipPortStart: 20, vipPortEnd: 30 }),
    ).rejects.toMatchObject({ message: expect.stringContaining('PF-1') });
    await expect(
      admin.portForward.create({
        name: 'X',
        vipId,
        protocol: 'tcp',
        mode: 'range',
        vipPortStart: 100,
        vipPortEnd: 110,
        vmPortStart: 100,
        vmPortEnd: 105,
      }),
    ).rejects.toMatchObject({
      message: expect.stringContaining('equal length'),
    });
    const other = await admin.portForward.create({
      name: 'other-vip',
      l3Id: (await admin.vip.get({ id: vipId })).l3Id,
      protocol: 'tcp',
      mode: 'single',
      vipPortStart: 80,
    });
    await expect(admin.portForward.bind({ id: other.id, nicId: vm1.nicId })).rejects.toMatchObject({
      message: expect.stringContaining('at most one VIP'),
    });
    await admin.portForward.delete({ id: other.id });
    await expect(admin.portForward.bind({ id: pf1, nicId: vm2.nicId })).rejects.toMatchObject({
      message: expect.stringContaining('unbind it first'),
    });
  });

  it('S-PF rebind PF-1 to VM-2: VIP:24 now reaches VM-2:22', async () => {
    await s.h.admin.portForward.unbind({ id: pf1 });
    await s.h.admin.portForward.bind({ id: pf1, nicId: vm2.nicId });
    await s.rec.settle(30_000);
    const r = await waitFor(
      'VIP:24 answered by VM-2',
      async () => {
        const out = await s.fromInternet({ kind: 'tcp', target: vip, port: 24 });
        return out.summary.includes('VM-2') ? out : null;
      },
      10_000,
    );
    expect(r.ok).toBe(true);
  });

  it('S-PF PF-2 on the same VIP: 5900–5910 → VM-1 (a VIP serves several NICs of one L3, R-PF-2)', async () => {
    await s.h.admin.portForward.create({
      name: 'PF-2',
      vipId,
      protocol: 'tcp',
      mode: 'range',
      vipPortStart: 5900,
      vipPortEnd: 5910,
      nicId: vm1.nicId,
    });
    await s.rec.settle(30_000);
    for (const port of [5900, 5905, 5910]) {
      expect(await s.fromInternet({ kind: 'tcp', target: vip, port })).toMatchObject({
        ok: true,
        summary: `connected to ${vip}:${port}, answered by VM-1`,
      });
    }
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 24 })).toMatchObject({
      summary: expect.stringContaining('VM-2'),
    });
  });

  it('port offsets really work: VIP:6000–6002 → VM-2:7000–7002 (6001 lands on 7001)', async () => {
    // VM-2's NIC already uses this VIP (PF-1), so a second rule of the same VIP may go to it.
    await s.h.admin.portForward.create({
      name: 'PF-offset',
      vipId,
      protocol: 'tcp',
      mode: 'range',
      vipPortStart: 6000,
      vipPortEnd: 6002,
      vmPortStart: 7000,
      vmPortEnd: 7002,
      nicId: vm2.nicId,
    });
    await s.rec.settle(30_000);
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 6001 })).toMatchObject({
      ok: true,
      summary: `connected to ${vip}:6001, answered by VM-2`,
    });
  });

  it('R-PF-1 allowed source CIDR: a rule only for 192.0.2.0/24 refuses the internet client 203.0.113.10', async () => {
    const created = await s.h.admin.portForward.create({
      name: 'PF-restricted',
      vipId,
      protocol: 'tcp',
      mode: 'single',
      vipPortStart: 2222,
      vmPortStart: 22,
      allowedCidr: '192.0.2.0/24',
      nicId: vm1.nicId,
    });
    await s.rec.settle(30_000);
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 2222 })).toMatchObject({ ok: false });
    await s.h.admin.portForward.delete({ id: created.id });
    await s.h.admin.portForward.create({
      name: 'PF-open',
      vipId,
      protocol: 'tcp',
      mode: 'single',
      vipPortStart: 2222,
      vmPortStart: 22,
      allowedCidr: '203.0.113.0/24',
      nicId: vm1.nicId,
    });
    await s.rec.settle(30_000);
    expect(await s.fromInternet({ kind: 'tcp', target: vip, port: 2222 })).toMatchObject({
      ok: true,
      summary: expect.stringContaining('VM-1'),
    });
  });

  it('the preview shows the map elements a new rule adds, and saves nothing', async () => {
    const before = (await s.h.admin.portForward.list({})).total;
    const preview = await s.h.admin.portForward.previewCreate({
      name: 'PF-3',
      vipId,
      protocol: 'udp',
      mode: 'single',
      vipPortStart: 53,
      nicId: vm1.nicId,
    });
    expect(preview.text).toBe(
      `nft add element ip cr_vrouter pf_udp { ${vip} . 53 : ${(await s.h.admin.vm.get({ id: vm1.id })).nics[0]!.ip} . 53 }`,
    );
    expect((await s.h.admin.portForward.list({})).total).toBe(before);
    await expect(
      s.h.admin.portForward.previewCreate({ name: 'PF-3', vipId, protocol: 'tcp', mode: 'single', vipPortStart: 5905 }),
    ).rejects.toMatchObject({ message: expect.stringContaining('PF-2') });
  });
});
