import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { agents, auditEvents } from '@/db/schema';
import { authorityCount } from '../pki/agent-ca';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';

let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
let offering: { id: string };
let image: { id: string };
beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin);
  offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G', shared: true });
  image = await h.admin.image.create({
    name: 'busybox',
    kind: 'vm',
    backupStorageId: dc.bs.id,
    url: 'http://192.0.2.10/busybox.qcow2',
    shared: true,
  });
});
afterAll(async () => h?.close());

const generationOf = async (id: string) => (await h.db.select().from(agents).where(eq(agents.id, id)))[0]!.desiredGeneration;

describe('VMs and vRouters (R-VM-1, R-VM-2)', () => {
  it('R-VM-2 the first VM on a vRouter L3 creates the vRouter with management, public (system VIP) and gateway IPs', async () => {
    const hostGen = await generationOf(dc.host.id);
    const [vm1] = await h.admin.vm.create({
      name: 'VM-1',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
    });
    expect(vm1).toMatchObject({ name: 'VM-1', hostId: dc.host.id, state: 'running' });
    expect(vm1!.nics).toEqual([
      expect.objectContaining({ l3Id: dc.privateL3.id, ip: '192.168.10.2', isDefault: true, active: true }),
    ]);
    expect(vm1!.nics[0]!.mac).toMatch(/^02(:[0-9a-f]{2}){5}$/);
    const routers = await h.admin.vrouter.list({});
    expect(routers.total).toBe(1);
    const vr = routers.items[0]!;
    expect(vr.nics.map((n) => [n.role, n.ip])).toEqual([
      ['management', '192.168.29.30'],
      ['public', '10.108.10.0'],
      ['private', '192.168.10.1'],
    ]);
    expect(vr.sync).toMatchObject({ appliedGeneration: 0, inSync: false });
    expect(await generationOf(dc.host.id)).toBeGreaterThan(hostGen);
    // The addresses are held in IPAM by the vRouter and the VM.
    const usage = await h.admin.l3.usage({ l3Id: dc.privateL3.id });
    expect(usage.holders.map((x) => [x.ip, x.kind])).toEqual([
      ['192.168.10.1', 'vrouter'],
      ['192.168.10.2', 'vm-nic'],
      ['192.168.10.10', 'dhcp'],
    ]);
  });

  it('R-VM-2 later VMs reuse the vRouter; R-VM-1 N VMs at once get distinct addresses', async () => {
    const made = await h.admin.vm.create({
      name: 'web',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
      count: 3,
    });
    expect(made.map((v) => v.name)).toEqual(['web-1', 'web-2', 'web-3']);
    expect(new Set(made.map((v) => v.nics[0]!.ip)).size).toBe(3);
    expect((await h.admin.vrouter.list({})).total).toBe(1);
  });

  it('R-VM-1 a VM with two networks: the first gives the default route', async () => {
    const [vm] = await h.admin.vm.create({
      name: 'two-nics',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id, dc.publicL3.id],
    });
    expect(vm!.nics.map((n) => [n.deviceIndex, n.isDefault])).toEqual([
      [0, true],
      [1, false],
    ]);
  });

  it('stops, starts and reboots by the state machine, refusing what the state does not allow', async () => {
    const [vm] = await h.admin.vm.create({
      name: 'sm',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
    });
    expect((await h.admin.vm.action({ id: vm!.id, action: 'stop' })).state).toBe('stopped');
    await expect(h.admin.vm.action({ id: vm!.id, action: 'stop' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: 'A stopped VM cannot stop.',
    });
    await expect(h.admin.vm.action({ id: vm!.id, action: 'reboot' })).rejects.toMatchObject({ code: 'CONFLICT' });
    expect((await h.admin.vm.action({ id: vm!.id, action: 'start' })).state).toBe('running');
    expect((await h.admin.vm.action({ id: vm!.id, action: 'reboot' })).state).toBe('running');
  });

  it('deleting a VM releases every address', async () => {
    const before = (await h.admin.l3.usage({ l3Id: dc.privateL3.id })).used;
    const [vm] = await h.admin.vm.create({
      name: 'tmp',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id, dc.publicL3.id],
    });
    expect((await h.admin.l3.usage({ l3Id: dc.privateL3.id })).used).toBe(before + 1);
    await h.admin.vm.delete({ id: vm!.id });
    expect((await h.admin.l3.usage({ l3Id: dc.privateL3.id })).used).toBe(before);
    await expect(h.admin.vm.get({ id: vm!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('refuses a VM when no host carries its network, changing nothing', async () => {
    const l2 = await h.admin.l2.create({
      name: 'unattached',
      zoneId: dc.zone.id,
      type: 'vlan',
      vlanId: 2900,
      physicalNic: 'em01',
    });
    const l3 = await h.admin.l3.create({
      name: 'island',
      l2Id: l2.id,
      category: 'private',
      type: 'flat',
      range: { method: 'cidr', cidr: '192.168.90.0/24' },
    });
    const vmsBefore = (await h.admin.vm.list({})).total;
    await expect(
      h.admin.vm.create({ name: 'x', instanceOfferingId: offering.id, imageId: image.id, l3Ids: [l3.id] }),
    ).rejects.toMatchObject({ cause: { code: 'NO_HOST', field: 'l3Ids' } });
    expect((await h.admin.vm.list({})).total).toBe(vmsBefore);
    expect((await h.admin.l3.usage({ l3Id: l3.id })).used).toBe(1); // only its DHCP server IP
  });

  it('refuses deleting a host that runs VMs, and a VM on a system network', async () => {
    await expect(h.admin.host.delete({ id: dc.host.id })).rejects.toMatchObject({ cause: { code: 'IN_USE' } });
    await expect(
      h.admin.vm.create({ name: 'x', instanceOfferingId: offering.id, imageId: image.id, l3Ids: [dc.mgmtL3.id] }),
    ).rejects.toMatchObject({ cause: { code: 'L3_KIND_MISMATCH' } });
  });

  it('every host and vRouter has an agent row with its own secret', async () => {
    const vr = (await h.admin.vrouter.list({})).items[0]!;
    const rows = await h.db
      .select()
      .from(agents)
      .where(inArray(agents.id, [dc.host.id, vr.id]));
    expect(rows.map((r) => r.kind).sort()).toEqual(['host', 'vrouter']);
    expect(new Set(rows.map((r) => r.token)).size).toBe(2);
  });

  it('an administrator reads a host agent’s token and registers where it listens; tenants may not', async () => {
    const access = await h.admin.host.agent({ id: dc.host.id });
    expect(access.token.length).toBeGreaterThan(30);
    expect(access.endpoint).toBeNull();
    await expect(h.admin.host.setAgentEndpoint({ id: dc.host.id, endpoint: 'https://192.168.29.11' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    // Plain HTTP on the management network is refused (issue 12: mutual TLS).
    await expect(h.admin.host.setAgentEndpoint({ id: dc.host.id, endpoint: 'http://192.168.29.11:7070' })).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    const set = await h.admin.host.setAgentEndpoint({ id: dc.host.id, endpoint: 'https://192.168.29.11:7070' });
    expect(set).toMatchObject({ endpoint: 'https://192.168.29.11:7070', sync: { appliedGeneration: 0, inSync: false } });
    const t = await h.tenant('no-agent-access');
    await expect(t.caller.host.agent({ id: dc.host.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(t.caller.host.issueAgentCertificate({ id: dc.host.id })).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('issue 12: the consoles’ authority issues a host agent its certificate (CN its id, SAN its IP), the key shown once', async () => {
    const issued = await h.admin.host.issueAgentCertificate({ id: dc.host.id });
    const cert = new X509Certificate(issued.certificate);
    const ca = new X509Certificate(issued.ca);
    expect(cert.subject).toBe(`CN=${dc.host.id}`);
    expect(cert.subjectAltName).toBe('IP Address:192.168.29.11');
    expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(issued.privateKey))).toBe(true);
    expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(issued.fingerprint).toBe(cert.fingerprint256);
    // One authority however often it is used; a second certificate is a new key under the same authority.
    const again = await h.admin.host.issueAgentCertificate({ id: dc.host.id });
    expect(again.ca).toBe(issued.ca);
    expect(again.privateKey).not.toBe(issued.privateKey);
    expect(await authorityCount(h.db)).toBe(1);
    // The key is in no table: only the fingerprint is in the audit log.
    const dump = JSON.stringify(await h.db.select().from(auditEvents));
    expect(dump).toContain(issued.fingerprint);
    expect(dump).not.toContain(issued.privateKey.split('\n')[1]!);
  });

  it('a tenant cannot see another account’s VM', async () => {
    const t = await h.tenant('vm-tenant');
    const [vm] = await h.admin.vm.create({
      name: 'admins',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
    });
    await expect(t.caller.vm.get({ id: vm!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.caller.vm.delete({ id: vm!.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.caller.vm.action({ id: vm!.id, action: 'stop' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
