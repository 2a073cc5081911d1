import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import * as schema from '@/db/schema';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';

let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin);
});
afterAll(async () => h?.close());

const TABLES = [
  schema.zones,
  schema.clusters,
  schema.hosts,
  schema.l2Networks,
  schema.l2ClusterAttachments,
  schema.l3Networks,
  schema.ipRanges,
  schema.ipAllocations,
  schema.ipFreeExtents,
  schema.vxlanPools,
  schema.images,
  schema.vrouterOfferings,
  schema.auditEvents,
];
async function snapshot() {
  return Promise.all(TABLES.map(async (t) => Number((await h.db.select({ n: count() }).from(t))[0]!.n)));
}

/** Runs a call that must be refused, and checks the database is exactly as before. */
async function refusedWithoutChange(call: () => Promise<unknown>, expected: { code: string; field?: string; message?: RegExp }) {
  const before = await snapshot();
  const err = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, 'the call should have been refused').toBeDefined();
  const data = (err as { cause?: { code?: string; field?: string; message?: string } }).cause;
  expect(data?.code).toBe(expected.code);
  if (expected.field) expect(data?.field).toBe(expected.field);
  if (expected.message) expect(data?.message).toMatch(expected.message);
  expect(await snapshot()).toEqual(before);
}

describe('network rules through tRPC (refused input changes nothing)', () => {
  it('R-L3-5 refuses a range overlapping the L3 own range', async () => {
    await refusedWithoutChange(
      () =>
        h.admin.l3.addRange({
          l3Id: dc.publicL3.id,
          range: { method: 'bounds', startIp: '10.108.11.0', endIp: '10.108.12.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
        }),
      { code: 'RANGE_OVERLAP', field: 'startIp' },
    );
  });

  it('R-L3-5 refuses a range overlapping an L3 on the same L2, and accepts it on another L2', async () => {
    const other = { name: 'L3-public-2', l2Id: dc.publicL2.id, category: 'public' as const, dhcpEnabled: false };
    const range = {
      method: 'bounds' as const,
      startIp: '10.108.11.200',
      endIp: '10.108.12.10',
      netmask: '255.0.0.0',
      gateway: '10.0.0.1',
    };
    await refusedWithoutChange(() => h.admin.l3.create({ ...other, range }), { code: 'RANGE_OVERLAP', message: /L3-public/ });
    const l3 = await h.admin.l3.create({ ...other, l2Id: dc.mgmtL2.id, range });
    expect((await h.admin.l3.ranges({ id: l3.id }))[0]).toMatchObject({ startIp: '10.108.11.200' });
  });

  it('R-L3-5 refuses link-local addresses', async () => {
    await refusedWithoutChange(
      () =>
        h.admin.l3.addRange({
          l3Id: dc.publicL3.id,
          range: {
            method: 'bounds',
            startIp: '169.254.1.1',
            endIp: '169.254.1.9',
            netmask: '255.255.0.0',
            gateway: '169.254.0.1',
          },
        }),
      { code: 'RANGE_LINK_LOCAL', field: 'startIp' },
    );
  });

  it('R-L3-4 refuses a second DHCP server IP and accepts the second range without one', async () => {
    await refusedWithoutChange(
      () =>
        h.admin.l3.addRange({
          l3Id: dc.publicL3.id,
          dhcpServerIp: '10.108.20.1',
          range: { method: 'bounds', startIp: '10.108.20.0', endIp: '10.108.20.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
        }),
      { code: 'DHCP_IP_NOT_ALLOWED', field: 'dhcpServerIp' },
    );
    const r = await h.admin.l3.addRange({
      l3Id: dc.publicL3.id,
      range: { method: 'bounds', startIp: '10.108.20.0', endIp: '10.108.20.255', netmask: '255.0.0.0', gateway: '10.0.0.1' },
    });
    expect(r.size).toBe(256);
    expect((await h.admin.l3.get({ id: dc.publicL3.id })).dhcpServerIp).toBe('10.108.10.1');
  });

  it('R-L3-4 picks a DHCP server IP inside the range when left blank, and sets none with DHCP off', async () => {
    const l3 = await h.admin.l3.create({
      name: 'auto-dhcp',
      l2Id: dc.privateL2.id,
      category: 'private',
      type: 'flat',
      range: { method: 'cidr', cidr: '192.168.50.0/24' },
    });
    expect(l3.dhcpServerIp).toBe('192.168.50.2');
    const off = await h.admin.l3.create({
      name: 'no-dhcp',
      l2Id: dc.privateL2.id,
      category: 'private',
      type: 'flat',
      dhcpEnabled: false,
      range: { method: 'cidr', cidr: '192.168.51.0/24' },
    });
    expect(off.dhcpServerIp).toBeNull();
    await refusedWithoutChange(
      () =>
        h.admin.l3.create({
          name: 'x',
          l2Id: dc.privateL2.id,
          category: 'private',
          type: 'flat',
          dhcpEnabled: false,
          dhcpServerIp: '192.168.52.5',
          range: { method: 'cidr', cidr: '192.168.52.0/24' },
        }),
      { code: 'DHCP_IP_NOT_ALLOWED', field: 'dhcpServerIp' },
    );
  });

  it('R-L3-2 refuses DHCP on a system network', async () => {
    // The service forces DHCP off for system L3s; a DHCP server IP is therefore refused.
    await refusedWithoutChange(
      () =>
        h.admin.l3.create({
          name: 'sys',
          l2Id: dc.mgmtL2.id,
          category: 'system',
          dhcpServerIp: '192.168.30.5',
          range: { method: 'cidr', cidr: '192.168.30.0/24' },
        }),
      { code: 'DHCP_IP_NOT_ALLOWED' },
    );
  });

  it('R-L2-2 refuses a second NoVlan L2 on em01 in Cluster-1 and a duplicate VLAN 2700', async () => {
    await refusedWithoutChange(
      () =>
        h.admin.l2.create({ name: 'dup', zoneId: dc.zone.id, type: 'novlan', physicalNic: 'em01', clusterIds: [dc.cluster.id] }),
      {
        code: 'L2_NIC_CONFLICT',
      },
    );
    await refusedWithoutChange(
      () =>
        h.admin.l2.create({
          name: 'dup-vlan',
          zoneId: dc.zone.id,
          type: 'vlan',
          vlanId: 2700,
          physicalNic: 'em01',
          clusterIds: [dc.cluster.id],
        }),
      { code: 'L2_NIC_CONFLICT', field: 'vlanId' },
    );
    // The same VLAN on another NIC is fine.
    const ok = await h.admin.l2.create({
      name: 'vlan-em02',
      zoneId: dc.zone.id,
      type: 'vlan',
      vlanId: 2700,
      physicalNic: 'em02',
      clusterIds: [dc.cluster.id],
    });
    expect(ok.clusterIds).toEqual([dc.cluster.id]);
  });

  it('R-L2-3 attaches and detaches an L2, refusing a conflicting attach', async () => {
    const l2 = await h.admin.l2.create({ name: 'later', zoneId: dc.zone.id, type: 'vlan', vlanId: 2701, physicalNic: 'em01' });
    expect(l2.clusterIds).toEqual([]);
    expect((await h.admin.l2.attachCluster({ id: l2.id, clusterId: dc.cluster.id })).clusterIds).toEqual([dc.cluster.id]);
    expect((await h.admin.l2.detachCluster({ id: l2.id, clusterId: dc.cluster.id })).clusterIds).toEqual([]);
    const clash = await h.admin.l2.create({ name: 'clash', zoneId: dc.zone.id, type: 'novlan', physicalNic: 'em01' });
    await refusedWithoutChange(() => h.admin.l2.attachCluster({ id: clash.id, clusterId: dc.cluster.id }), {
      code: 'L2_NIC_CONFLICT',
    });
  });

  it('R-L2-2 refuses SR-IOV on an L3 whose L2 has none', async () => {
    await refusedWithoutChange(
      () => h.admin.l3.create({ name: 's', l2Id: dc.privateL2.id, category: 'private', type: 'flat', sriov: true }),
      { code: 'SRIOV_NOT_ON_L2', field: 'sriov' },
    );
  });

  it('R-OFF-1 refuses an offering with a VM image or a private management network', async () => {
    const vmImage = await h.admin.image.create({
      name: 'centos',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/centos.qcow2',
    });
    const base = {
      name: 'o',
      zoneId: dc.zone.id,
      cpu: 2,
      memory: 2,
      memoryUnit: 'G' as const,
      managementL3Id: dc.mgmtL3.id,
      publicL3Id: dc.publicL3.id,
    };
    await refusedWithoutChange(() => h.admin.vrouterOffering.create({ ...base, imageId: vmImage.id }), {
      code: 'OFFERING_INVALID',
      field: 'imageId',
    });
    await refusedWithoutChange(
      () => h.admin.vrouterOffering.create({ ...base, imageId: dc.image.id, managementL3Id: dc.privateL3.id }),
      { code: 'L3_KIND_MISMATCH', field: 'managementL3Id' },
    );
    await refusedWithoutChange(
      () => h.admin.vrouterOffering.create({ ...base, imageId: dc.image.id, memory: 16, memoryUnit: 'M' }),
      { code: 'OFFERING_INVALID', field: 'memory' },
    );
  });

  it('R-IMG-1 adds a vRouter image by URL to a backup storage, refusing an unknown backup storage', async () => {
    const img = await h.admin.image.create({
      name: 'zstack-vrouter-3.10.0',
      kind: 'vrouter',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/zstack-vrouter-3.10.0.qcow2',
    });
    expect(img).toMatchObject({ kind: 'vrouter', format: 'qcow2', backupStorageId: dc.bs.id });
    expect((await h.admin.image.list({ kind: 'vrouter', search: '3.10' })).items.map((i) => i.id)).toContain(img.id);
    await refusedWithoutChange(
      () =>
        h.admin.image.create({
          name: 'x',
          kind: 'vrouter',
          backupStorageId: '00000000-0000-4000-8000-000000000000',
          url: 'http://192.0.2.10/x.qcow2',
        }),
      { code: 'NOT_FOUND', field: 'backupStorageId' },
    );
  });

  it('refuses deleting what is in use, naming what uses it', async () => {
    await refusedWithoutChange(() => h.admin.zone.delete({ id: dc.zone.id }), { code: 'IN_USE', message: /cluster/ });
    await refusedWithoutChange(() => h.admin.cluster.delete({ id: dc.cluster.id }), { code: 'IN_USE', message: /host/ });
    await refusedWithoutChange(() => h.admin.l2.delete({ id: dc.privateL2.id }), { code: 'IN_USE', message: /L3 network/ });
    await refusedWithoutChange(() => h.admin.l3.delete({ id: dc.publicL3.id }), { code: 'IN_USE', message: /vRouter offering/ });
    await refusedWithoutChange(() => h.admin.vrouterOffering.delete({ id: dc.offering.id }), {
      code: 'IN_USE',
      message: /private L3/,
    });
    await refusedWithoutChange(() => h.admin.image.delete({ id: dc.image.id }), { code: 'IN_USE', message: /vRouter offering/ });
    await refusedWithoutChange(() => h.admin.backupStorage.delete({ id: dc.bs.id }), { code: 'IN_USE', message: /image/ });
    const held = await h.admin.l3.reserveIp({ l3Id: dc.privateL3.id });
    await refusedWithoutChange(() => h.admin.l3.delete({ id: dc.privateL3.id }), {
      code: 'IN_USE',
      message: /allocated addresses/,
    });
    await h.admin.l3.releaseIp({ l3Id: dc.privateL3.id, ip: held.ip });
  });

  it('deletes what is free: an L3, then its L2', async () => {
    const l2 = await h.admin.l2.create({ name: 'tmp', zoneId: dc.zone.id, type: 'vlan', vlanId: 3000, physicalNic: 'em01' });
    const l3 = await h.admin.l3.create({
      name: 'tmp',
      l2Id: l2.id,
      category: 'private',
      type: 'flat',
      range: { method: 'cidr', cidr: '172.16.0.0/24' },
    });
    await h.admin.l3.delete({ id: l3.id });
    await h.admin.l2.delete({ id: l2.id });
    await expect(h.admin.l2.get({ id: l2.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('renames through update and keeps the rest', async () => {
    const z = await h.admin.zone.update({ id: dc.zone.id, name: 'ZONE-1b', description: 'renamed' });
    expect(z).toMatchObject({ name: 'ZONE-1b', description: 'renamed' });
  });

  it('lists with search, sort and pagination', async () => {
    for (const n of ['b-zone', 'a-zone', 'c-zone']) await h.admin.zone.create({ name: n });
    const page1 = await h.admin.zone.list({ search: '-zone', sort: 'name', dir: 'asc', page: 1, pageSize: 2 });
    expect(page1.total).toBe(3);
    expect(page1.items.map((z) => z.name)).toEqual(['a-zone', 'b-zone']);
    const page2 = await h.admin.zone.list({ search: '-zone', sort: 'name', dir: 'asc', page: 2, pageSize: 2 });
    expect(page2.items.map((z) => z.name)).toEqual(['c-zone']);
    const desc = await h.admin.zone.list({ search: '-zone', sort: 'name', dir: 'desc' });
    expect(desc.items[0]!.name).toBe('c-zone');
    // % and _ are literal in a search, not wildcards.
    expect((await h.admin.zone.list({ search: '%' })).total).toBe(0);
  });
});

describe('VXLAN pools and networks (seed tables 7–9)', () => {
  it('creates pool 20–1200, attaches it with a VTEP CIDR, and VXLAN networks VNI 100 and 200', async () => {
    const pool = await h.admin.vxlanPool.create({ name: 'vxlan-pool', zoneId: dc.zone.id, vniStart: 20, vniEnd: 1200 });
    const attached = await h.admin.vxlanPool.attachCluster({ id: pool.id, clusterId: dc.cluster.id, vtepCidr: '172.20.0.0/16' });
    expect(attached.clusters).toEqual([{ clusterId: dc.cluster.id, vtepCidr: '172.20.0.0/16' }]);
    const n100 = await h.admin.l2.createVxlan({ name: 'vxlan-100', poolId: pool.id, vni: 100 });
    const n200 = await h.admin.l2.createVxlan({ name: 'vxlan-200', poolId: pool.id, vni: 200 });
    expect([n100.vni, n200.vni]).toEqual([100, 200]);
    // Blank VNI → the lowest free one of the pool.
    expect((await h.admin.l2.createVxlan({ name: 'auto', poolId: pool.id })).vni).toBe(20);
    expect((await h.admin.l2.createVxlan({ name: 'auto2', poolId: pool.id })).vni).toBe(21);
    await refusedWithoutChange(() => h.admin.l2.createVxlan({ name: 'dup', poolId: pool.id, vni: 100 }), {
      code: 'VNI_IN_USE',
      field: 'vni',
    });
    await refusedWithoutChange(() => h.admin.l2.createVxlan({ name: 'out', poolId: pool.id, vni: 5000 }), {
      code: 'VNI_OUTSIDE_POOL',
      field: 'vni',
    });
    await refusedWithoutChange(() => h.admin.vxlanPool.create({ name: 'p2', zoneId: dc.zone.id, vniStart: 1000, vniEnd: 3000 }), {
      code: 'VNI_RANGE_OVERLAP',
    });
    await refusedWithoutChange(
      () => h.admin.vxlanPool.attachCluster({ id: pool.id, clusterId: dc.cluster.id, vtepCidr: 'nope' }),
      { code: 'INVALID_ADDRESS', field: 'vtepCidr' },
    );
    // A pool is a collection: it cannot back an L3 (seed 4.1).
    await refusedWithoutChange(() => h.admin.l3.create({ name: 'bad', l2Id: pool.id, category: 'private', type: 'flat' }), {
      code: 'L2_KIND_MISMATCH',
      field: 'l2Id',
    });
    // A VXLAN network backs private L3s (tables 8 and 9).
    const l3 = await h.admin.l3.create({
      name: 'L3-vxlan-100',
      l2Id: n100.id,
      category: 'private',
      type: 'vrouter',
      vrouterOfferingId: dc.offering.id,
      range: { method: 'cidr', cidr: '192.168.10.0/24' },
    });
    expect(l3.l2Id).toBe(n100.id);
    await refusedWithoutChange(() => h.admin.vxlanPool.delete({ id: pool.id }), { code: 'IN_USE', message: /VXLAN network/ });
  });
});
