import type { Caller } from './harness';
import { MGMT_29, PUBLIC_12 } from '@/lib/seed-plans';

/**
 * The S-BASIC data center with the seed's values (tables 1–3): zone, cluster, host, backup storage,
 * public L2 NoVlan on em01 + public L3 10.108.10.0–10.108.11.255/255.0.0.0 gw 10.0.0.1 DHCP
 * 10.108.10.1 DNS 114.114.114.114, management L2 on em02 + system L3 192.168.29.30–40/24 gw .1,
 * vRouter image and offering, private L2 VLAN 2700 on em01 + vRouter L3 192.168.10.0/24 DHCP .10.
 */
export const BASIC = {
  zone: 'ZONE-1',
  cluster: 'Cluster-1',
  host: { name: 'Host-1', managementIp: '192.168.29.11', nics: ['em01', 'em02'] },
  backupStorage: { name: 'BS-1', url: '/zstack_bs' },
  publicL2: { name: 'L2-public', type: 'novlan' as const, physicalNic: 'em01' },
  publicL3: {
    name: 'L3-public',
    dhcpServerIp: '10.108.10.1',
    dnsServers: ['114.114.114.114'],
    range: {
      method: 'bounds' as const,
      startIp: '10.108.10.0',
      endIp: '10.108.11.255',
      netmask: '255.0.0.0',
      gateway: '10.0.0.1',
    },
  },
  mgmtL2: { name: 'L2-management', type: 'novlan' as const, physicalNic: 'em02' },
  mgmtL3: {
    name: 'L3-management',
    range: MGMT_29.range,
  },
  image: { name: 'vrouter-image', url: 'http://192.0.2.10/zstack-vrouter-3.10.0.qcow2' },
  offering: { name: 'vrouter-offering', cpu: 8, memory: 8, memoryUnit: 'G' as const },
  privateL2: { name: 'L2-private', type: 'vlan' as const, physicalNic: 'em01', vlanId: 2700 },
  privateL3: { name: 'L3-private', dhcpServerIp: '192.168.10.10', range: { method: 'cidr' as const, cidr: '192.168.10.0/24' } },
};

/** The public range the EIP and PF sections of the seed use (4.5, 4.6: EIP-1 is 10.108.12.198). */
export const SERVICES_PUBLIC_RANGE = {
  method: 'bounds' as const,
  startIp: '10.108.12.0',
  endIp: '10.108.13.255',
  netmask: '255.0.0.0',
  gateway: '10.0.0.1',
};

export async function buildBasicDataCenter(
  admin: Caller,
  opts: { publicDns?: string[]; publicRange?: typeof SERVICES_PUBLIC_RANGE; publicDhcp?: string } = {},
) {
  const zone = await admin.zone.create({ name: BASIC.zone });
  const cluster = await admin.cluster.create({ name: BASIC.cluster, zoneId: zone.id });
  const host = await admin.host.create({ ...BASIC.host, clusterId: cluster.id });
  const bs = await admin.backupStorage.create({ ...BASIC.backupStorage, zoneId: zone.id });
  const publicL2 = await admin.l2.create({ ...BASIC.publicL2, zoneId: zone.id, clusterIds: [cluster.id] });
  const publicL3 = await admin.l3.create({
    ...BASIC.publicL3,
    dnsServers: opts.publicDns ?? BASIC.publicL3.dnsServers,
    range: opts.publicRange ?? BASIC.publicL3.range,
    dhcpServerIp: opts.publicDhcp ?? BASIC.publicL3.dhcpServerIp,
    l2Id: publicL2.id,
    category: 'public',
  });
  const mgmtL2 = await admin.l2.create({ ...BASIC.mgmtL2, zoneId: zone.id, clusterIds: [cluster.id] });
  const mgmtL3 = await admin.l3.create({ ...BASIC.mgmtL3, l2Id: mgmtL2.id, category: 'system', dhcpEnabled: false });
  const image = await admin.image.create({ ...BASIC.image, kind: 'vrouter', backupStorageId: bs.id });
  const offering = await admin.vrouterOffering.create({
    ...BASIC.offering,
    zoneId: zone.id,
    imageId: image.id,
    managementL3Id: mgmtL3.id,
    publicL3Id: publicL3.id,
  });
  const privateL2 = await admin.l2.create({ ...BASIC.privateL2, zoneId: zone.id, clusterIds: [cluster.id] });
  const privateL3 = await admin.l3.create({
    ...BASIC.privateL3,
    l2Id: privateL2.id,
    category: 'private',
    type: 'vrouter',
    vrouterOfferingId: offering.id,
  });
  return { zone, cluster, host, bs, publicL2, publicL3, mgmtL2, mgmtL3, image, offering, privateL2, privateL3 };
}

/**
 * The seed's vRouter network on the services range (sections 4.5–4.7) with `count` VMs on it —
 * VM-1, VM-2, … — each as its NIC on the private network. `publicDns`: the lab internet's DNS.
 */
export async function buildServicesDataCenter(admin: Caller, opts: { count: number; publicDns?: string[] }) {
  const dc = await buildBasicDataCenter(admin, {
    publicDns: opts.publicDns,
    publicRange: SERVICES_PUBLIC_RANGE,
    publicDhcp: '10.108.12.1',
  });
  const offering = await admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
  const image = await admin.image.create({
    name: 'busybox',
    kind: 'vm',
    backupStorageId: dc.bs.id,
    url: 'http://192.0.2.10/b.qcow2',
  });
  const made = await admin.vm.create({
    name: 'VM',
    instanceOfferingId: offering.id,
    imageId: image.id,
    l3Ids: [dc.privateL3.id],
    count: opts.count,
  });
  const vms = made.map((vm) => ({ id: vm.id, name: vm.name, nicId: vm.nics[0]!.id, ip: vm.nics[0]!.ip }));
  return { dc, vms };
}

/**
 * The common part of S-TENANT and S-3TIER (tables 5–6 / 10–11): zone, cluster, host, backup
 * storage, the public network 10.108.12.0–10.108.13.255 (shared with tenants), the management
 * network, a vRouter image and offering, an instance offering and a VM image (all shared).
 */
export async function buildScenarioBase(admin: Caller, opts: { dns: string; publicDhcp?: string }) {
  const zone = await admin.zone.create({ name: 'ZONE-1' });
  const cluster = await admin.cluster.create({ name: 'Cluster-1', zoneId: zone.id });
  const host = await admin.host.create({ ...BASIC.host, clusterId: cluster.id });
  const bs = await admin.backupStorage.create({ ...BASIC.backupStorage, zoneId: zone.id });
  const pubL2 = await admin.l2.create({
    name: 'L2-public',
    type: 'novlan',
    physicalNic: PUBLIC_12.nic,
    zoneId: zone.id,
    clusterIds: [cluster.id],
  });
  const pubL3 = await admin.l3.create({
    name: 'L3-public',
    l2Id: pubL2.id,
    category: 'public',
    dhcpServerIp: opts.publicDhcp ?? null,
    dnsServers: [opts.dns],
    range: PUBLIC_12.range,
    shared: true,
  });
  const mgmtL2 = await admin.l2.create({
    name: 'L2-management',
    type: 'novlan',
    physicalNic: MGMT_29.nic,
    zoneId: zone.id,
    clusterIds: [cluster.id],
  });
  const mgmtL3 = await admin.l3.create({
    name: 'L3-management',
    l2Id: mgmtL2.id,
    category: 'system',
    dhcpEnabled: false,
    range: MGMT_29.range,
  });
  const vrImage = await admin.image.create({ ...BASIC.image, kind: 'vrouter', backupStorageId: bs.id, shared: true });
  const offering = await admin.vrouterOffering.create({
    ...BASIC.offering,
    zoneId: zone.id,
    imageId: vrImage.id,
    managementL3Id: mgmtL3.id,
    publicL3Id: pubL3.id,
    shared: true,
  });
  const inst = await admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G', shared: true });
  const image = await admin.image.create({
    name: 'busybox',
    kind: 'vm',
    backupStorageId: bs.id,
    url: 'http://192.0.2.10/busybox.qcow2',
    shared: true,
  });
  return { zone, cluster, host, bs, pubL3, mgmtL3, offering, inst, image };
}
