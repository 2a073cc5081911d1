import { describe, expect, it } from 'vitest';
import { checkL2Definition, checkNicConflict, checkSriov, checkVni, checkVniRange, checkVtepCidr } from './l2';
import { checkL3Definition } from './l3';

describe('R-L2-1 / R-L2-2 L2 definitions', () => {
  it('R-L2-1 accepts an L2NoVlanNetwork on em01', () => {
    expect(checkL2Definition({ type: 'novlan', physicalNic: 'em01' })).toBeUndefined();
  });
  it('R-L2-2 accepts an L2VlanNetwork with VLAN 2700 (seed table 3) and the bounds 1 and 4094', () => {
    for (const vlanId of [1, 2700, 4094])
      expect(checkL2Definition({ type: 'vlan', physicalNic: 'em01', vlanId })).toBeUndefined();
  });
  it.each([
    ['VLAN 0', { type: 'vlan' as const, physicalNic: 'em01', vlanId: 0 }, 'VLAN_ID_INVALID', 'vlanId'],
    ['VLAN 4095', { type: 'vlan' as const, physicalNic: 'em01', vlanId: 4095 }, 'VLAN_ID_INVALID', 'vlanId'],
    ['a VLAN L2 without VLAN ID', { type: 'vlan' as const, physicalNic: 'em01' }, 'VLAN_ID_INVALID', 'vlanId'],
    ['a NoVlan L2 with a VLAN ID', { type: 'novlan' as const, physicalNic: 'em01', vlanId: 10 }, 'VLAN_ID_INVALID', 'vlanId'],
  ])('R-L2-2 refuses %s', (_n, input, code, field) => {
    expect(checkL2Definition(input)).toMatchObject({ code, field });
  });
  it.each([
    ['an empty NIC name', { type: 'novlan' as const, physicalNic: '' }],
    ['a NIC name with spaces', { type: 'novlan' as const, physicalNic: 'em 01' }],
    ['a NIC name longer than Linux allows', { type: 'novlan' as const, physicalNic: 'em0123456789abcd' }],
  ])('R-L2-1 refuses %s', (_n, input) => {
    expect(checkL2Definition(input)).toMatchObject({ code: 'INVALID_INPUT', field: 'physicalNic' });
  });
});

describe('R-L2-2 / R-L2-3 NIC conflicts inside one cluster', () => {
  const attached = [
    { name: 'L2-public', type: 'novlan' as const, physicalNic: 'em01', vlanId: null },
    { name: 'L2-private', type: 'vlan' as const, physicalNic: 'em01', vlanId: 2700 },
  ];
  it('R-L2-2 accepts a VLAN L2 beside a NoVlan L2 on the same NIC, and another VLAN ID', () => {
    expect(checkNicConflict({ type: 'vlan', physicalNic: 'em01', vlanId: 2800 }, 'Cluster-1', attached)).toBeUndefined();
    expect(checkNicConflict({ type: 'novlan', physicalNic: 'em02', vlanId: null }, 'Cluster-1', attached)).toBeUndefined();
  });
  it('R-L2-2 refuses a second L2 with the same VLAN ID on one NIC', () => {
    expect(checkNicConflict({ type: 'vlan', physicalNic: 'em01', vlanId: 2700 }, 'Cluster-1', attached)).toMatchObject({
      code: 'L2_NIC_CONFLICT',
      field: 'vlanId',
    });
  });
  it('R-L2-2 refuses a second NoVlan L2 on one NIC in one cluster', () => {
    const r = checkNicConflict({ type: 'novlan', physicalNic: 'em01', vlanId: null }, 'Cluster-1', attached);
    expect(r).toMatchObject({ code: 'L2_NIC_CONFLICT' });
    expect(r?.message).toContain('L2-public');
  });
});

describe('R-L2-2 SR-IOV', () => {
  it('R-L2-2 accepts SR-IOV on an L3 whose L2 has it, and no SR-IOV anywhere', () => {
    expect(checkSriov(true, { sriov: true, name: 'l2' })).toBeUndefined();
    expect(checkSriov(false, { sriov: false, name: 'l2' })).toBeUndefined();
  });
  it('R-L2-2 refuses SR-IOV on an L3 whose L2 lacks it', () => {
    expect(checkSriov(true, { sriov: false, name: 'l2' })).toMatchObject({ code: 'SRIOV_NOT_ON_L2', field: 'sriov' });
  });
});

describe('VXLAN pools and networks', () => {
  it('accepts the seed pool VNI 20–1200 (table 7) and the extreme bounds', () => {
    expect(checkVniRange({ vniStart: 20, vniEnd: 1200 }, [])).toBeUndefined();
    expect(checkVniRange({ vniStart: 1, vniEnd: 16777214 }, [])).toBeUndefined();
  });
  it.each([
    ['VNI 0', { vniStart: 0, vniEnd: 10 }, 'VNI_RANGE_INVALID', 'vniStart'],
    ['VNI 16777215', { vniStart: 1, vniEnd: 16777215 }, 'VNI_RANGE_INVALID', 'vniEnd'],
    ['start after end', { vniStart: 100, vniEnd: 20 }, 'VNI_RANGE_INVALID', 'vniEnd'],
  ])('refuses a pool with %s', (_n, range, code, field) => {
    expect(checkVniRange(range, [])).toMatchObject({ code, field });
  });
  it('refuses a pool overlapping another pool of the zone, accepts one beside it', () => {
    const others = [{ name: 'pool-1', vniStart: 20, vniEnd: 1200 }];
    expect(checkVniRange({ vniStart: 1000, vniEnd: 2000 }, others)).toMatchObject({ code: 'VNI_RANGE_OVERLAP' });
    expect(checkVniRange({ vniStart: 1201, vniEnd: 2000 }, others)).toBeUndefined();
  });
  const pool = { name: 'pool-1', vniStart: 20, vniEnd: 1200 };
  it('accepts VNI 100 and 200 (tables 8, 9) inside the pool', () => {
    expect(checkVni(100, pool, false)).toBeUndefined();
    expect(checkVni(200, pool, false)).toBeUndefined();
  });
  it('refuses a VNI outside the pool and one already used in it', () => {
    expect(checkVni(19, pool, false)).toMatchObject({ code: 'VNI_OUTSIDE_POOL', field: 'vni' });
    expect(checkVni(100, pool, true)).toMatchObject({ code: 'VNI_IN_USE', field: 'vni' });
  });
  it('accepts a VTEP CIDR and refuses a malformed one', () => {
    expect(checkVtepCidr('172.20.0.0/16')).toBeUndefined();
    expect(checkVtepCidr('172.20.0.0')).toMatchObject({ code: 'INVALID_ADDRESS', field: 'vtepCidr' });
  });
});

describe('R-L3-1..3 L3 definitions', () => {
  const base = { dhcpEnabled: true, dnsServers: ['114.114.114.114'] };
  it('R-L3-1 accepts a public L3 with DNS 114.114.114.114', () => {
    expect(checkL3Definition({ ...base, category: 'public' })).toBeUndefined();
  });
  it('R-L3-2 accepts a system L3 without DHCP and refuses one with DHCP', () => {
    expect(checkL3Definition({ ...base, category: 'system', dhcpEnabled: false })).toBeUndefined();
    expect(checkL3Definition({ ...base, category: 'system' })).toMatchObject({ code: 'INVALID_INPUT', field: 'dhcpEnabled' });
  });
  it('R-L3-3 accepts a private vRouter L3 with an offering and a flat one without', () => {
    expect(checkL3Definition({ ...base, category: 'private', type: 'vrouter', vrouterOfferingId: 'o' })).toBeUndefined();
    expect(checkL3Definition({ ...base, category: 'private', type: 'flat' })).toBeUndefined();
  });
  it.each([
    ['a private L3 without type', { category: 'private' as const }, 'type'],
    ['a vRouter L3 without offering', { category: 'private' as const, type: 'vrouter' as const }, 'vrouterOfferingId'],
    [
      'a flat L3 with an offering',
      { category: 'private' as const, type: 'flat' as const, vrouterOfferingId: 'o' },
      'vrouterOfferingId',
    ],
    ['a public L3 with a network type', { category: 'public' as const, type: 'flat' as const }, 'type'],
  ])('R-L3-3 refuses %s', (_n, input, field) => {
    expect(checkL3Definition({ ...base, ...input })).toMatchObject({ code: 'INVALID_INPUT', field });
  });
  it('R-L3-1 refuses a DNS server that is not an IPv4 address', () => {
    expect(checkL3Definition({ ...base, category: 'public', dnsServers: ['dns.example'] })).toMatchObject({
      code: 'INVALID_ADDRESS',
      field: 'dnsServers',
    });
  });
});
