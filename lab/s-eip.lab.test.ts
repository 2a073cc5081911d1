import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildBasicDataCenter, SERVICES_PUBLIC_RANGE } from '@/server/testing/basic-datacenter';
import { LAB_INTERNET } from './controller';
import { openScenarioLab, waitFor, type ScenarioLab } from './testing/scenario';
import { labDescribe } from './testing';

/**
 * S-EIP (SPEC §5, seed 4.5): EIP-1 on VIP 10.108.12.198 bound to VM-1 — TCP to VIP:22 reaches
 * VM-1 and VM-1's own traffic leaves from the VIP (R-EIP-2); unbind, bind VM-2 — the same VIP now
 * reaches VM-2 at once (R-EIP-3), including for a client that had connected before.
 */
let s: ScenarioLab;
let vm1: { id: string; ip: string; nicId: string };
let vm2: { id: string; ip: string; nicId: string };
let eipId: string;
let routerPublicIp: string;
const VIP = '10.108.12.198';
/** Sends one datagram from the fixed source port 40000 and prints the first answer (or nothing after 1 s). */
const UDP_FROM_FIXED_PORT = `
const s = require('node:dgram').createSocket('udp4');
const [host, port] = process.argv.slice(1);
s.on('message', (m) => { process.stdout.write(String(m)); process.exit(0); });
s.bind(40000, () => s.send('hi', Number(port), host));
setTimeout(() => process.exit(0), 1000);`;

await labDescribe('S-EIP in the lab: one elastic IP moved from VM-1 to VM-2', () => {
  beforeAll(async () => {
    s = await openScenarioLab('eip');
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
    vm1 = { id: made[0]!.id, ip: made[0]!.nics[0]!.ip, nicId: made[0]!.nics[0]!.id };
    vm2 = { id: made[1]!.id, ip: made[1]!.nics[0]!.ip, nicId: made[1]!.nics[0]!.id };
    routerPublicIp = (await h.admin.vrouter.list({})).items[0]!.nics.find((n) => n.role === 'public')!.ip;
    const eip = await h.admin.eip.create({ name: 'EIP-1', l3Id: dc.publicL3.id, ip: VIP, nicId: vm1.nicId });
    eipId = eip.id;
    await s.sync();
    await s.dhcp(vm1.id, vm1.ip);
    await s.dhcp(vm2.id, vm2.ip);
    await s.listen(vm1.id, 'VM-1', 22);
    await s.listen(vm2.id, 'VM-2', 22);
  });

  afterAll(async () => {
    await s?.close();
    expect(await s.lab.list()).toEqual([]);
  });

  it('R-EIP-1 the EIP holds its own VIP; the vRouter system VIP is listed as such', async () => {
    const vips = (await s.h.admin.vip.list({})).items;
    expect(vips.find((v) => v.ip === VIP)).toMatchObject({
      system: false,
      usedBy: [expect.objectContaining({ type: 'eip', name: 'EIP-1' })],
    });
    expect(vips.find((v) => v.ip === routerPublicIp)).toMatchObject({ system: true });
  });

  it('R-EIP-2 TCP to VIP:22 from the internet reaches VM-1', async () => {
    const r = await s.fromInternet({ kind: 'tcp', target: VIP, port: 22 });
    expect(r).toMatchObject({ ok: true, summary: `connected to ${VIP}:22, answered by VM-1` });
  });

  it('R-EIP-2 VM-1’s outbound traffic leaves from the VIP; VM-2 still leaves from the router’s address', async () => {
    expect(await s.fromVm(vm1.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
      ok: true,
      summary: expect.stringContaining(`seen as ${VIP}`),
    });
    expect(await s.fromVm(vm2.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
      ok: true,
      summary: expect.stringContaining(`seen as ${routerPublicIp}`),
    });
  });

  it('the vRouter answers ARP for the VIP on its public NIC (the gateway learns its MAC) and has one map element each way', async () => {
    const router = (await s.h.admin.vrouter.list({})).items[0]!;
    const ns = s.ctl.routerNs(router.id);
    expect(await s.lab.exec(ns, 'nft', ['list', 'set', 'netdev', 'cr_vrouter_arp', 'vips_eth1'])).toContain(VIP);
    const mac = router.nics.find((n) => n.role === 'public')!.mac;
    const gateway = (await s.lab.list()).find((n) => /-g[0-9a-f]{8}$/.test(n))!;
    expect(await s.lab.exec(gateway.slice(s.lab.prefix.length), 'ip', ['neigh', 'show', VIP])).toContain(`lladdr ${mac}`);
    const table = await s.lab.exec(ns, 'nft', ['list', 'map', 'ip', 'cr_vrouter', 'eip_dnat']);
    expect(table).toContain(`${VIP} : ${vm1.ip}`);
  });

  it('R-EIP-3 while bound, binding again is refused; unbind then bind VM-2 → VIP:22 reaches VM-2 at once', async () => {
    await expect(s.h.admin.eip.bind({ id: eipId, nicId: vm2.nicId })).rejects.toMatchObject({
      message: expect.stringContaining('unbind it first'),
    });
    // A flow the internet opened before the move (UDP keeps a conntrack entry): forgotten on rebind.
    await s.h.admin.eip.unbind({ id: eipId });
    await s.h.admin.eip.bind({ id: eipId, nicId: vm2.nicId });
    await s.rec.settle(30_000);
    const r = await waitFor(
      'VIP:22 to answer from VM-2',
      async () => {
        const out = await s.fromInternet({ kind: 'tcp', target: VIP, port: 22 });
        return out.summary.includes('VM-2') ? out : null;
      },
      10_000,
    );
    expect(r).toMatchObject({ ok: true, summary: `connected to ${VIP}:22, answered by VM-2` });
    expect(await s.fromVm(vm2.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
      summary: expect.stringContaining(`seen as ${VIP}`),
    });
    expect(await s.fromVm(vm1.id, { kind: 'http', url: 'http://example.com/' })).toMatchObject({
      summary: expect.stringContaining(`seen as ${routerPublicIp}`),
    });
  });

  it('R-EIP-3 flows of the old binding are flushed: a UDP flow opened before the move reaches the new VM', async () => {
    await s.listen(vm1.id, 'VM-1', 5353, 'udp');
    await s.listen(vm2.id, 'VM-2', 5353, 'udp');
    await s.h.admin.eip.unbind({ id: eipId });
    await s.h.admin.eip.bind({ id: eipId, nicId: vm1.nicId });
    await s.rec.settle(30_000);
    // The same source port each time: without the flush, conntrack would keep sending it to the old VM.
    const send = () => s.lab.exec('inet', process.execPath, ['-e', UDP_FROM_FIXED_PORT, VIP, '5353']);
    expect(await send()).toContain('VM-1');
    await s.h.admin.eip.unbind({ id: eipId });
    await s.h.admin.eip.bind({ id: eipId, nicId: vm2.nicId });
    await s.rec.settle(30_000);
    expect(
      await waitFor('UDP to the VIP answered by VM-2', async () => ((await send()).includes('VM-2') ? 'VM-2' : null), 5_000),
    ).toBe('VM-2');
  });

  it('deleting a VIP in use is refused, naming the EIP', async () => {
    const vip = (await s.h.admin.vip.list({})).items.find((v) => v.ip === VIP)!;
    await expect(s.h.admin.vip.delete({ id: vip.id })).rejects.toMatchObject({ message: expect.stringContaining('EIP "EIP-1"') });
  });
});
