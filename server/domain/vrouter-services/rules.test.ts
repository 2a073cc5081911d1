import { describe, expect, it } from 'vitest';
import {
  checkAllowedCidr,
  checkEipBind,
  checkEipVip,
  checkPfBind,
  checkPfOverlap,
  checkRouteEntry,
  resolvePfPorts,
} from './rules';
import { nicFacts as nic, vipFacts as vip } from './facts.testing';

describe('R-EIP-1 the VIP of an EIP', () => {
  it('accepts a new VIP of its own', () => expect(checkEipVip(vip())).toBeUndefined());
  it('refuses a vRouter system VIP', () =>
    expect(checkEipVip(vip({ system: true, vrouterId: 'r1' }))).toMatchObject({ code: 'VIP_NOT_ALLOWED', field: 'vipId' }));
  it('refuses a VIP that already backs an EIP', () =>
    expect(checkEipVip(vip({ usedBy: { eip: true, portForwards: 0, loadBalancers: 0 } }))).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
    }));
  it('refuses a VIP that carries port forwarding', () =>
    expect(checkEipVip(vip({ usedBy: { eip: false, portForwards: 2, loadBalancers: 0 } }))).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
    }));
  it('refuses a VIP that carries a load balancer (R-LB-1: an EIP takes the whole VIP)', () =>
    expect(checkEipVip(vip({ usedBy: { eip: false, portForwards: 0, loadBalancers: 1 } }))).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
      message: expect.stringContaining('load balancer'),
    }));
});

describe('R-EIP-2 / R-EIP-3 binding an EIP', () => {
  it('accepts a VM NIC on a vRouter L3 whose router reaches the VIP network', () =>
    expect(checkEipBind({ bound: false }, vip(), nic(), false)).toBeUndefined());
  it('refuses while bound: unbind first (R-EIP-3)', () =>
    expect(checkEipBind({ bound: true }, vip(), nic(), false)).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      message: expect.stringContaining('unbind'),
    }));
  it('refuses a NIC that already has an EIP', () =>
    expect(checkEipBind({ bound: false }, vip(), nic(), true)).toMatchObject({ code: 'BIND_NOT_ALLOWED' }));
  it('refuses a NIC on a flat or public network', () => {
    expect(checkEipBind({ bound: false }, vip(), nic({ l3Type: 'flat' }), false)).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      field: 'nicId',
    });
    expect(checkEipBind({ bound: false }, vip(), nic({ l3Category: 'public', l3Type: null }), false)).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
  });
  it('refuses a vRouter NIC', () =>
    expect(checkEipBind({ bound: false }, vip(), nic({ owner: 'vrouter' }), false)).toMatchObject({ code: 'BIND_NOT_ALLOWED' }));
  it('refuses when the vRouter has no NIC on the VIP network (R-MPUB-1 first)', () =>
    expect(checkEipBind({ bound: false }, vip({ l3Id: 'pub-b' }), nic(), false)).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      message: expect.stringContaining('attach'),
    }));
});

describe('R-PF-1 ports: single and range mode with defaults', () => {
  it('single mode: the VM port defaults to the VIP port', () =>
    expect(resolvePfPorts({ mode: 'single', vipPortStart: 22 })).toEqual({
      vip: { start: 22, end: 22 },
      vm: { start: 22, end: 22 },
    }));
  it('single mode with a VM port (S-PF: VIP:24 → VM:22)', () =>
    expect(resolvePfPorts({ mode: 'single', vipPortStart: 24, vmPortStart: 22 })).toEqual({
      vip: { start: 24, end: 24 },
      vm: { start: 22, end: 22 },
    }));
  it('range mode: the VM range defaults to the VIP range', () =>
    expect(resolvePfPorts({ mode: 'range', vipPortStart: 5900, vipPortEnd: 5910 })).toEqual({
      vip: { start: 5900, end: 5910 },
      vm: { start: 5900, end: 5910 },
    }));
  it('range mode with an offset', () =>
    expect(resolvePfPorts({ mode: 'range', vipPortStart: 5900, vipPortEnd: 5910, vmPortStart: 6900, vmPortEnd: 6910 })).toEqual({
      vip: { start: 5900, end: 5910 },
      vm: { start: 6900, end: 6910 },
    }));
  it('refuses ports outside 1–65535', () => {
    expect(resolvePfPorts({ mode: 'single', vipPortStart: 0 })).toMatchObject({
      code: 'PORT_RANGE_INVALID',
      field: 'vipPortStart',
    });
    expect(resolvePfPorts({ mode: 'single', vipPortStart: 22, vmPortStart: 65536 })).toMatchObject({
      code: 'PORT_RANGE_INVALID',
      field: 'vmPortStart',
    });
    expect(resolvePfPorts({ mode: 'range', vipPortStart: 1, vipPortEnd: 70000 })).toMatchObject({
      code: 'PORT_RANGE_INVALID',
      field: 'vipPortEnd',
    });
  });
  it('refuses an end below its start', () =>
    expect(resolvePfPorts({ mode: 'range', vipPortStart: 5910, vipPortEnd: 5900 })).toMatchObject({
      code: 'PORT_RANGE_INVALID',
      field: 'vipPortEnd',
    }));
});

describe('R-PF-2 constraints', () => {
  it('source and VM ranges have equal length', () =>
    expect(
      resolvePfPorts({ mode: 'range', vipPortStart: 5900, vipPortEnd: 5910, vmPortStart: 6900, vmPortEnd: 6905 }),
    ).toMatchObject({ code: 'PORT_RANGE_INVALID', field: 'vmPortEnd', message: expect.stringContaining('equal length') }));

  const others = [{ name: 'PF-1', protocol: 'tcp' as const, vipPortStart: 24, vipPortEnd: 24 }];
  it('ranges on one VIP never overlap per protocol: refused', () =>
    expect(checkPfOverlap({ protocol: 'tcp', vip: { start: 20, end: 30 } }, others)).toMatchObject({
      code: 'PORT_RANGE_OVERLAP',
      message: expect.stringContaining('PF-1'),
    }));
  it('the same ports with the other protocol, or next to the range: accepted', () => {
    expect(checkPfOverlap({ protocol: 'udp', vip: { start: 24, end: 24 } }, others)).toBeUndefined();
    expect(checkPfOverlap({ protocol: 'tcp', vip: { start: 5900, end: 5910 } }, others)).toBeUndefined();
    expect(checkPfOverlap({ protocol: 'tcp', vip: { start: 25, end: 25 } }, others)).toBeUndefined();
  });

  const rule = { bound: false, lastL3Id: null, vipId: 'v1' };
  const none = { vipBoundL3s: [], nicPfVips: [] };
  it('accepts a VM NIC served by a router on the VIP network, and its system VIP', () => {
    expect(checkPfBind(rule, vip(), nic(), none)).toBeUndefined();
    expect(checkPfBind(rule, vip({ system: true, vrouterId: 'r1' }), nic(), none)).toBeUndefined();
  });
  it('refuses the system VIP of another router', () =>
    expect(checkPfBind(rule, vip({ system: true, vrouterId: 'r2' }), nic(), none)).toMatchObject({ code: 'BIND_NOT_ALLOWED' }));
  it('one VIP may serve several NICs of the same L3', () =>
    expect(checkPfBind(rule, vip(), nic(), { vipBoundL3s: ['priv', 'priv'], nicPfVips: [] })).toBeUndefined());
  it('…but not NICs of another L3', () =>
    expect(checkPfBind(rule, vip(), nic(), { vipBoundL3s: ['other'], nicPfVips: [] })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      message: expect.stringContaining('one network'),
    }));
  it('a VM NIC uses at most one VIP for port forwarding', () => {
    expect(checkPfBind(rule, vip(), nic(), { vipBoundL3s: [], nicPfVips: ['v1'] })).toBeUndefined();
    expect(checkPfBind(rule, vip(), nic(), { vipBoundL3s: [], nicPfVips: ['v2'] })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      message: expect.stringContaining('at most one VIP'),
    });
  });
  it('an unbound rule re-binds only to a NIC on the same L3 as before', () => {
    expect(checkPfBind({ ...rule, lastL3Id: 'priv' }, vip(), nic(), none)).toBeUndefined();
    expect(checkPfBind({ ...rule, lastL3Id: 'elsewhere' }, vip(), nic(), none)).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
      message: expect.stringContaining('same network'),
    });
  });
  it('refuses a bound rule (unbind first) and a VIP that backs an EIP', () => {
    expect(checkPfBind({ ...rule, bound: true }, vip(), nic(), none)).toMatchObject({ code: 'BIND_NOT_ALLOWED' });
    expect(checkPfBind(rule, vip({ usedBy: { eip: true, portForwards: 0, loadBalancers: 0 } }), nic(), none)).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
    });
  });
  it('R-PF-1 allowed source: a CIDR or an address', () => {
    expect(checkAllowedCidr('203.0.113.0/24')).toBeUndefined();
    expect(checkAllowedCidr('203.0.113.7')).toBeUndefined();
    expect(checkAllowedCidr(null)).toBeUndefined();
    expect(checkAllowedCidr('203.0.113.0/33')).toMatchObject({ code: 'INVALID_ADDRESS', field: 'allowedCidr' });
  });
});

describe('R-RT-1 route entries', () => {
  it('accepts "destination CIDR → next hop"', () =>
    expect(checkRouteEntry('192.168.11.0/24', '10.108.12.5')).toEqual({ destination: '192.168.11.0/24' }));
  it('refuses a destination that is not a CIDR, or with host bits, or the default route', () => {
    expect(checkRouteEntry('192.168.11.0', '10.0.0.1')).toMatchObject({ code: 'ROUTE_INVALID', field: 'destination' });
    expect(checkRouteEntry('192.168.11.1/24', '10.0.0.1')).toMatchObject({
      code: 'ROUTE_INVALID',
      message: expect.stringContaining('host bits'),
    });
    expect(checkRouteEntry('0.0.0.0/0', '10.0.0.1')).toMatchObject({ code: 'ROUTE_INVALID' });
  });
  it('refuses a next hop that is not an address', () =>
    expect(checkRouteEntry('192.168.11.0/24', 'router-2')).toMatchObject({ code: 'ROUTE_INVALID', field: 'nextHop' }));
});
