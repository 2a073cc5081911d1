import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents } from '@/db/schema';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter, SERVICES_PUBLIC_RANGE } from '../testing/basic-datacenter';

/**
 * vRouter services through the API on a real database (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set): VIPs through IPAM, EIP/PF rules and refusals (R-EIP-1..3, R-PF-1/2),
 * route tables (R-RT-1), tenancy, and the generation bumps that reach the vRouter.
 */
let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
let vm1: { id: string; nicId: string; ip: string };
let vm2: { id: string; nicId: string; ip: string };
let routerId: string;
let tenant: Awaited<ReturnType<typeof h.tenant>>;

const generation = async (id: string) => (await h.db.select().from(agents).where(eq(agents.id, id)))[0]!.desiredGeneration;

beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin, { publicRange: SERVICES_PUBLIC_RANGE, publicDhcp: '10.108.12.1' });
  const offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
  const image = await h.admin.image.create({
    name: 'busybox',
    kind: 'vm',
    backupStorageId: dc.bs.id,
    url: 'http://192.0.2.10/b.qcow2',
  });
  const made = await h.admin.vm.create({
    name: 'VM',
    instanceOfferingId: offering.id,
    imageId: image.id,
    l3Ids: [dc.privateL3.id],
    count: 2,
  });
  vm1 = { id: made[0]!.id, nicId: made[0]!.nics[0]!.id, ip: made[0]!.nics[0]!.ip };
  vm2 = { id: made[1]!.id, nicId: made[1]!.nics[0]!.id, ip: made[1]!.nics[0]!.ip };
  routerId = (await h.admin.vrouter.list({})).items[0]!.id;
  tenant = await h.tenant('tenant-x');
});
afterAll(async () => h?.close());

describe('VIPs', () => {
  it('R-VM-2 the vRouter’s public address is recorded as its system VIP', async () => {
    const router = await h.admin.vrouter.get({ id: routerId });
    const pubIp = router.nics.find((n) => n.role === 'public')!.ip;
    expect((await h.admin.vip.list({})).items).toEqual([
      expect.objectContaining({
        ip: pubIp,
        system: true,
        vrouterId: routerId,
        usedBy: [expect.objectContaining({ type: 'vrouter' })],
      }),
    ]);
  });
  it('allocates through IPAM (a fixed address, or the lowest free) and refuses a taken one', async () => {
    const fixed = await h.admin.vip.create({ name: 'vip-a', l3Id: dc.publicL3.id, ip: '10.108.12.200' });
    expect(fixed.ip).toBe('10.108.12.200');
    await expect(h.admin.vip.create({ name: 'vip-b', l3Id: dc.publicL3.id, ip: '10.108.12.200' })).rejects.toMatchObject({
      message: expect.stringContaining('already in use'),
    });
    const usage = await h.admin.l3.usage({ l3Id: dc.publicL3.id });
    expect(usage.holders).toContainEqual(expect.objectContaining({ ip: '10.108.12.200', kind: 'vip' }));
    await h.admin.vip.delete({ id: fixed.id });
    expect((await h.admin.l3.usage({ l3Id: dc.publicL3.id })).holders.map((x) => x.ip)).not.toContain('10.108.12.200');
  });
  it('only from public networks', async () => {
    await expect(h.admin.vip.create({ name: 'vip-p', l3Id: dc.privateL3.id })).rejects.toMatchObject({
      message: expect.stringContaining('not a public network'),
    });
  });
  it('a system VIP cannot be deleted by hand', async () => {
    const sys = (await h.admin.vip.list({})).items.find((v) => v.system)!;
    await expect(h.admin.vip.delete({ id: sys.id })).rejects.toMatchObject({ message: expect.stringContaining('system VIP') });
  });
});

describe('EIPs (R-EIP-1..3)', () => {
  it('R-EIP-1 refuses the system VIP; R-EIP-2 binding bumps the vRouter’s generation', async () => {
    const sys = (await h.admin.vip.list({})).items.find((v) => v.system)!;
    await expect(h.admin.eip.create({ name: 'bad', vipId: sys.id })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'VIP_NOT_ALLOWED', field: 'vipId' }),
    });
    const before = await generation(routerId);
    const eip = await h.admin.eip.create({ name: 'EIP-1', l3Id: dc.publicL3.id, ip: '10.108.12.198', nicId: vm1.nicId });
    expect(eip).toMatchObject({ vip: '10.108.12.198', vmId: vm1.id, nicIp: vm1.ip });
    expect(await generation(routerId)).toBeGreaterThan(before);
    // A second EIP for the same NIC, and re-binding a bound one, are refused.
    await expect(h.admin.eip.create({ name: 'EIP-2', l3Id: dc.publicL3.id, nicId: vm1.nicId })).rejects.toMatchObject({
      message: expect.stringContaining('already has an EIP'),
    });
    await expect(h.admin.eip.bind({ id: eip.id, nicId: vm2.nicId })).rejects.toMatchObject({
      message: expect.stringContaining('unbind it first'),
    });
    // A refused creation allocated nothing: the transaction rolled back its VIP.
    expect((await h.admin.vip.list({ search: 'vip-EIP-2' })).total).toBe(0);
  });
  it('R-EIP-3 unbind, bind to VM-2; the VM page lists it; deleting VM-2 unbinds it', async () => {
    const eip = (await h.admin.eip.list({ search: 'EIP-1' })).items[0]!;
    await h.admin.eip.unbind({ id: eip.id });
    await h.admin.eip.bind({ id: eip.id, nicId: vm2.nicId });
    expect((await h.admin.eip.list({ vmId: vm2.id })).items.map((e) => e.name)).toEqual(['EIP-1']);
    expect((await h.admin.eip.list({ vmId: vm1.id })).items).toEqual([]);
    await h.admin.vm.delete({ id: vm2.id });
    expect(await h.admin.eip.get({ id: eip.id })).toMatchObject({ nicId: null, vmId: null, vip: '10.108.12.198' });
  });
  it('the preview shows the elements and saves nothing', async () => {
    const count = (await h.admin.eip.list({})).total;
    const preview = await h.admin.eip.previewCreate({
      name: 'EIP-P',
      l3Id: dc.publicL3.id,
      ip: '10.108.12.199',
      nicId: vm1.nicId,
    });
    expect(preview.text).toContain(`nft add element ip cr_vrouter eip_dnat { 10.108.12.199 : ${vm1.ip} }`);
    expect(preview.text).toContain('nft add element netdev cr_vrouter_arp vips_eth1 { 10.108.12.199 }');
    expect((await h.admin.eip.list({})).total).toBe(count);
    expect((await h.admin.l3.usage({ l3Id: dc.publicL3.id })).holders.map((x) => x.ip)).not.toContain('10.108.12.199');
  });
  it('a tenant cannot bind to another account’s NIC or use another account’s VIP', async () => {
    await expect(tenant.caller.eip.create({ name: 'steal', l3Id: dc.publicL3.id, nicId: vm1.nicId })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    const vip = (await h.admin.vip.list({ search: 'vip-EIP-1' })).items[0]!;
    await expect(tenant.caller.eip.create({ name: 'steal', vipId: vip.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await tenant.caller.eip.list({})).total).toBe(0);
  });
});

describe('port forwarding (R-PF-1, R-PF-2)', () => {
  it('the system VIP is allowed; two overlapping rules created at once: exactly one wins', async () => {
    const sys = (await h.admin.vip.list({})).items.find((v) => v.system)!;
    const results = await Promise.allSettled([
      h.admin.portForward.create({
        name: 'A',
        vipId: sys.id,
        protocol: 'tcp',
        mode: 'range',
        vipPortStart: 1000,
        vipPortEnd: 1010,
      }),
      h.admin.portForward.create({
        name: 'B',
        vipId: sys.id,
        protocol: 'tcp',
        mode: 'range',
        vipPortStart: 1005,
        vipPortEnd: 1020,
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
  });
  it('R-PF-2 a rule bound before re-binds only on the same L3; a VIP with an EIP takes no rule', async () => {
    const sys = (await h.admin.vip.list({})).items.find((v) => v.system)!;
    const rule = await h.admin.portForward.create({
      name: 'PF-1',
      vipId: sys.id,
      protocol: 'tcp',
      mode: 'single',
      vipPortStart: 24,
      vmPortStart: 22,
      nicId: vm1.nicId,
    });
    expect(rule).toMatchObject({ vipPortStart: 24, vipPortEnd: 24, vmPortStart: 22, vmPortEnd: 22, lastL3Id: dc.privateL3.id });
    await h.admin.portForward.unbind({ id: rule.id });
    expect((await h.admin.portForward.get({ id: rule.id })).lastL3Id).toBe(dc.privateL3.id);
    await h.admin.portForward.bind({ id: rule.id, nicId: vm1.nicId });
    const eipVip = (await h.admin.vip.list({ search: 'vip-EIP-1' })).items[0]!;
    await expect(
      h.admin.portForward.create({ name: 'X', vipId: eipVip.id, protocol: 'tcp', mode: 'single', vipPortStart: 80 }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'VIP_NOT_ALLOWED' }) });
  });
  it('R-PF-1 ports 1–65535 and an allowed CIDR that parses, refused beside their fields', async () => {
    await expect(
      h.admin.portForward.create({
        name: 'X',
        l3Id: dc.publicL3.id,
        protocol: 'udp',
        mode: 'single',
        vipPortStart: 53,
        allowedCidr: 'not-a-cidr',
      }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'allowedCidr' }) });
    await expect(
      h.admin.portForward.create({ name: 'X', l3Id: dc.publicL3.id, protocol: 'udp', mode: 'range', vipPortStart: 100 }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'vipPortEnd' }) });
  });
  it('deleting a VIP in use names its users', async () => {
    const sysless = (await h.admin.vip.list({ search: 'vip-EIP-1' })).items[0]!;
    await expect(h.admin.vip.delete({ id: sysless.id })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'IN_USE' }),
      message: expect.stringContaining('EIP "EIP-1"'),
    });
  });
});

describe('route tables (R-RT-1)', () => {
  it('entries are checked, attached tables bump the vRouter, refusals name the field', async () => {
    const table = await h.admin.routeTable.create({ name: 'RT-1', vrouterIds: [routerId] });
    await expect(
      h.admin.routeTable.addEntry({ id: table.id, destination: '192.168.11.0', nextHop: '10.108.12.5' }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'destination' }) });
    await expect(
      h.admin.routeTable.addEntry({ id: table.id, destination: '192.168.11.0/24', nextHop: '172.16.0.1' }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'nextHop' }) });
    const preview = await h.admin.routeTable.previewAddEntry({
      id: table.id,
      destination: '192.168.11.0/24',
      nextHop: '10.108.12.5',
      description: '',
    });
    expect(preview.text.split('\n')).toEqual([
      'ip route replace 192.168.11.0/24 via 10.108.12.5 proto 188',
      'nft flush set ip cr_vrouter no_snat',
      'nft add element ip cr_vrouter no_snat { 192.168.11.0/24 }',
    ]);
    expect((await h.admin.routeTable.get({ id: table.id })).entries).toEqual([]);
    const before = await generation(routerId);
    const withEntry = await h.admin.routeTable.addEntry({ id: table.id, destination: '192.168.11.0/24', nextHop: '10.108.12.5' });
    expect(withEntry.entries).toEqual([expect.objectContaining({ destination: '192.168.11.0/24', nextHop: '10.108.12.5' })]);
    expect(await generation(routerId)).toBeGreaterThan(before);
    await expect(
      h.admin.routeTable.addEntry({ id: table.id, destination: '192.168.11.0/24', nextHop: '10.108.12.6' }),
    ).rejects.toMatchObject({ message: expect.stringContaining('already routes') });
    const detached = await h.admin.routeTable.detach({ id: table.id, vrouterId: routerId });
    expect(detached.vrouterIds).toEqual([]);
  });
});
