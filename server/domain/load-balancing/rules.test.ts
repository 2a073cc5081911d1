import { describe, expect, it } from 'vitest';
import { nicFacts, vipFacts } from '../vrouter-services/facts.testing';
import type { VipFacts } from '../vrouter-services/rules';
import {
  checkAlgorithmFor,
  checkBackendBind,
  checkBackendWeight,
  checkHealthCheck,
  checkHealthCheckUri,
  checkLbVip,
  checkListenerLimits,
  checkListenerPortFree,
  checkListenerPorts,
  checkOneRouterPerVip,
  checkPfClearOfListeners,
  checkPolicies,
  LISTENER_DEFAULTS,
  type HealthCheckInput,
} from './rules';

const vip = (over: Partial<VipFacts> = {}) => vipFacts({ name: 'VIP-LB', ...over });
const nic = nicFacts;
const tcpCheck: HealthCheckInput = {
  protocol: 'tcp',
  healthyThreshold: LISTENER_DEFAULTS.healthCheck.healthyThreshold,
  unhealthyThreshold: LISTENER_DEFAULTS.healthCheck.unhealthyThreshold,
  intervalSeconds: LISTENER_DEFAULTS.healthCheck.intervalSeconds,
};
const httpCheck: HealthCheckInput = {
  ...tcpCheck,
  protocol: 'http',
  httpCodes: ['http_2xx'],
  uri: '/healthcheck.html',
  method: 'HEAD',
};

describe('R-LB-1 the VIP of a load balancer', () => {
  it('accepts a VIP of its own, one carrying port forwarding, and a vRouter’s system VIP', () => {
    expect(checkLbVip(vip())).toBeUndefined();
    expect(checkLbVip(vip({ usedBy: { eip: false, portForwards: 3, loadBalancers: 0 } }))).toBeUndefined();
    expect(checkLbVip(vip({ system: true, vrouterId: 'r1' }))).toBeUndefined();
  });
  it('refuses a VIP that backs an EIP (R-EIP-1)', () =>
    expect(checkLbVip(vip({ usedBy: { eip: true, portForwards: 0, loadBalancers: 0 } }))).toMatchObject({
      code: 'VIP_NOT_ALLOWED',
      field: 'vipId',
    }));
});

describe('R-LB-2 a listener', () => {
  it('takes ports 1–65535 for the LB, the VM and the health check (empty: the VM port)', () => {
    expect(checkListenerPorts({ lbPort: 80, vmPort: 5000 })).toBeUndefined();
    expect(checkListenerPorts({ lbPort: 1, vmPort: 65535, healthCheckPort: null })).toBeUndefined();
    expect(checkListenerPorts({ lbPort: 0, vmPort: 5000 })).toMatchObject({ code: 'PORT_RANGE_INVALID', field: 'lbPort' });
    expect(checkListenerPorts({ lbPort: 80, vmPort: 65536 })).toMatchObject({ field: 'vmPort' });
    expect(checkListenerPorts({ lbPort: 80, vmPort: 80, healthCheckPort: 1.5 })).toMatchObject({ field: 'healthCheckPort' });
  });

  it('health-check URI: 2–80 of letters, digits and -/.%?#&, starting with / and not all slashes', () => {
    for (const ok of ['/healthcheck.html', '/a', '/status?full&x%20#top', '/' + 'a'.repeat(79)])
      expect(checkHealthCheckUri(ok), ok).toBeUndefined();
    for (const bad of ['//', '/', '/a b', '/a=b', 'healthcheck.html', '/' + 'a'.repeat(80), '/ä', '/a"b', '///'])
      expect(checkHealthCheckUri(bad), bad).toMatchObject({ code: 'INVALID_INPUT', field: 'healthCheckUri' });
  });

  it('health check by listener protocol: TCP/HTTP for TCP, HTTP and HTTPS; UDP for UDP', () => {
    for (const l of ['tcp', 'http', 'https'] as const) {
      expect(checkHealthCheck(l, tcpCheck)).toBeUndefined();
      expect(checkHealthCheck(l, httpCheck)).toBeUndefined();
      expect(checkHealthCheck(l, { ...tcpCheck, protocol: 'udp' })).toMatchObject({ field: 'healthCheckProtocol' });
    }
    expect(checkHealthCheck('udp', { ...tcpCheck, protocol: 'udp' })).toBeUndefined();
    expect(checkHealthCheck('udp', tcpCheck)).toMatchObject({ field: 'healthCheckProtocol' });
    expect(checkHealthCheck('udp', httpCheck)).toMatchObject({ field: 'healthCheckProtocol' });
  });

  it('an HTTP check: at least one status class of http_2xx … http_5xx, a valid URI, HEAD or GET', () => {
    expect(
      checkHealthCheck('http', { ...httpCheck, httpCodes: ['http_2xx', 'http_3xx', 'http_4xx', 'http_5xx'] }),
    ).toBeUndefined();
    expect(checkHealthCheck('http', { ...httpCheck, method: 'GET' })).toBeUndefined();
    expect(checkHealthCheck('http', { ...httpCheck, httpCodes: [] })).toMatchObject({ field: 'healthCheckHttpCodes' });
    expect(checkHealthCheck('http', { ...httpCheck, httpCodes: ['http_6xx'] })).toMatchObject({ field: 'healthCheckHttpCodes' });
    expect(checkHealthCheck('http', { ...httpCheck, uri: null })).toMatchObject({ field: 'healthCheckUri' });
    expect(checkHealthCheck('http', { ...httpCheck, uri: '//' })).toMatchObject({ field: 'healthCheckUri' });
    expect(checkHealthCheck('http', { ...httpCheck, method: 'POST' as 'GET' })).toMatchObject({ field: 'healthCheckMethod' });
  });

  it('thresholds 1–10 and an interval of 1–300 s; the seed’s defaults (2, 2, 5 s) pass', () => {
    expect(checkHealthCheck('tcp', { ...tcpCheck, healthyThreshold: 0 })).toMatchObject({ field: 'healthyThreshold' });
    expect(checkHealthCheck('tcp', { ...tcpCheck, unhealthyThreshold: 11 })).toMatchObject({ field: 'unhealthyThreshold' });
    expect(checkHealthCheck('tcp', { ...tcpCheck, intervalSeconds: 0 })).toMatchObject({ field: 'healthCheckIntervalSeconds' });
    expect(checkHealthCheck('tcp', { ...tcpCheck, intervalSeconds: 301 })).toMatchObject({ field: 'healthCheckIntervalSeconds' });
  });

  it('max connections 1–100000 (default 100000), idle timeout (default 60 s), one of four algorithms (default round-robin)', () => {
    const d = {
      maxConnections: LISTENER_DEFAULTS.maxConnections,
      idleTimeoutSeconds: LISTENER_DEFAULTS.idleTimeoutSeconds,
      algorithm: LISTENER_DEFAULTS.algorithm,
    };
    expect(d).toEqual({ maxConnections: 100000, idleTimeoutSeconds: 60, algorithm: 'round-robin' });
    expect(checkListenerLimits(d)).toBeUndefined();
    expect(checkListenerLimits({ ...d, maxConnections: 1 })).toBeUndefined();
    expect(checkListenerLimits({ ...d, maxConnections: 0 })).toMatchObject({ code: 'INVALID_INPUT', field: 'maxConnections' });
    expect(checkListenerLimits({ ...d, maxConnections: 100001 })).toMatchObject({ field: 'maxConnections' });
    expect(checkListenerLimits({ ...d, idleTimeoutSeconds: 0 })).toMatchObject({ field: 'idleTimeoutSeconds' });
    for (const a of ['least-connections', 'source-hash', 'weighted-round-robin'])
      expect(checkListenerLimits({ ...d, algorithm: a })).toBeUndefined();
    expect(checkListenerLimits({ ...d, algorithm: 'random' })).toMatchObject({ field: 'algorithm' });
  });

  it('UDP listeners balance round-robin, weighted or by source — not least-connections', () => {
    for (const a of ['round-robin', 'weighted-round-robin', 'source-hash'] as const)
      expect(checkAlgorithmFor('udp', a)).toBeUndefined();
    expect(checkAlgorithmFor('udp', 'least-connections')).toMatchObject({ field: 'algorithm' });
    expect(checkAlgorithmFor('tcp', 'least-connections')).toBeUndefined();
  });

  it('weights 1–100, and other than 1 only with weighted round-robin', () => {
    expect(checkBackendWeight('weighted-round-robin', 3)).toBeUndefined();
    expect(checkBackendWeight('round-robin', 1)).toBeUndefined();
    expect(checkBackendWeight('round-robin', 3)).toMatchObject({ field: 'weight' });
    expect(checkBackendWeight('weighted-round-robin', 0)).toMatchObject({ field: 'weight' });
    expect(checkBackendWeight('weighted-round-robin', 101)).toMatchObject({ field: 'weight' });
  });

  it('one listener per (TCP or UDP, LB port) on a VIP — HTTP and HTTPS share TCP’s ports — and none on a forwarded port', () => {
    const ctx = {
      listeners: [{ name: 'web', protocol: 'http' as const, lbPort: 80 }],
      portForwards: [{ name: 'PF-1', protocol: 'tcp' as const, vipPortStart: 5900, vipPortEnd: 5910 }],
    };
    expect(checkListenerPortFree({ protocol: 'udp', lbPort: 80 }, ctx)).toBeUndefined();
    expect(checkListenerPortFree({ protocol: 'tcp', lbPort: 443 }, ctx)).toBeUndefined();
    expect(checkListenerPortFree({ protocol: 'udp', lbPort: 5905 }, ctx)).toBeUndefined();
    expect(checkListenerPortFree({ protocol: 'tcp', lbPort: 80 }, ctx)).toMatchObject({
      code: 'PORT_RANGE_OVERLAP',
      field: 'lbPort',
    });
    expect(checkListenerPortFree({ protocol: 'https', lbPort: 80 }, ctx)?.message).toContain('listener "web"');
    expect(checkListenerPortFree({ protocol: 'tcp', lbPort: 5905 }, ctx)?.message).toContain('"PF-1"');
  });
});

describe('R-LB-2 / R-PF-2 a port forward beside listeners on one VIP', () => {
  const listeners = [
    { name: 'web', protocol: 'http' as const, lbPort: 80 },
    { name: 'dns', protocol: 'udp' as const, lbPort: 53 },
  ];
  it('refuses a forwarded range that takes a listener port of the same family; other ports and families pass', () => {
    expect(checkPfClearOfListeners({ protocol: 'tcp', vipPortStart: 70, vipPortEnd: 90 }, listeners)).toMatchObject({
      code: 'PORT_RANGE_OVERLAP',
      field: 'vipPortStart',
      message: expect.stringContaining('"web"'),
    });
    expect(checkPfClearOfListeners({ protocol: 'udp', vipPortStart: 53, vipPortEnd: 53 }, listeners)?.message).toContain('"dns"');
    expect(checkPfClearOfListeners({ protocol: 'udp', vipPortStart: 80, vipPortEnd: 80 }, listeners)).toBeUndefined();
    expect(checkPfClearOfListeners({ protocol: 'tcp', vipPortStart: 81, vipPortEnd: 5000 }, listeners)).toBeUndefined();
  });
});

describe('R-LB-3 one vRouter per VIP', () => {
  it('a NIC of the router already serving the VIP, or of any router while none does', () => {
    expect(checkOneRouterPerVip('r1', [])).toBeUndefined();
    expect(checkOneRouterPerVip('r1', ['r1'])).toBeUndefined();
    expect(checkOneRouterPerVip('r1', ['r2'])).toMatchObject({ code: 'BIND_NOT_ALLOWED', field: 'nicId' });
  });
});

describe('R-LB-3 backends', () => {
  it('a VM NIC on a network of the vRouter that reaches the VIP', () => {
    expect(checkBackendBind(vip(), nic(), { lbRouterIds: [], boundToListener: false })).toBeUndefined();
    expect(checkBackendBind(vip(), nic({ owner: 'vrouter' }), { lbRouterIds: [], boundToListener: false })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
    expect(
      checkBackendBind(vip(), nic({ routerPublicL3s: ['other'] }), { lbRouterIds: [], boundToListener: false }),
    ).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
  });
  it('all NICs of one load balancer served by one vRouter; a NIC once per listener', () => {
    expect(checkBackendBind(vip(), nic(), { lbRouterIds: ['r1'], boundToListener: false })).toBeUndefined();
    expect(checkBackendBind(vip(), nic(), { lbRouterIds: ['r2'], boundToListener: false })?.message).toContain('R-LB-3');
    expect(checkBackendBind(vip(), nic(), { lbRouterIds: ['r1'], boundToListener: true })).toMatchObject({
      code: 'BIND_NOT_ALLOWED',
    });
  });
  it('on a system VIP, only NICs of its own vRouter', () => {
    expect(
      checkBackendBind(vip({ system: true, vrouterId: 'r1' }), nic(), { lbRouterIds: [], boundToListener: false }),
    ).toBeUndefined();
    expect(
      checkBackendBind(vip({ system: true, vrouterId: 'r9' }), nic(), { lbRouterIds: [], boundToListener: false }),
    ).toMatchObject({ code: 'BIND_NOT_ALLOWED' });
  });
});

describe('R-LB-5 forwarding policies', () => {
  const groups = ['default', 'images', 'api'];
  it('host and/or path prefix to a backend group, on HTTP and HTTPS listeners', () => {
    const policies = [
      { name: 'img', host: null, pathPrefix: '/images', group: 'images' },
      { name: 'api', host: 'api.example.com', pathPrefix: null, group: 'api' },
      { name: 'any-sub', host: '*.example.com', pathPrefix: '/v2', group: 'api' },
    ];
    expect(checkPolicies('http', policies, groups)).toBeUndefined();
    expect(checkPolicies('https', policies, groups)).toBeUndefined();
    expect(checkPolicies('tcp', policies, groups)).toMatchObject({ field: 'policies' });
    expect(checkPolicies('udp', [], groups)).toBeUndefined();
  });
  it('refuses a policy that matches nothing in particular, a bad host or path, an unknown group, or a twin', () => {
    const p = { name: 'p', host: null as string | null, pathPrefix: '/a' as string | null, group: 'api' };
    expect(checkPolicies('http', [{ ...p, pathPrefix: null }], groups)).toMatchObject({ field: 'policies.0.host' });
    expect(checkPolicies('http', [{ ...p, host: 'bad host' }], groups)).toMatchObject({ field: 'policies.0.host' });
    expect(checkPolicies('http', [{ ...p, host: '*.*.example.com' }], groups)).toMatchObject({ field: 'policies.0.host' });
    expect(checkPolicies('http', [{ ...p, pathPrefix: 'a' }], groups)).toMatchObject({ field: 'policies.0.pathPrefix' });
    expect(checkPolicies('http', [{ ...p, pathPrefix: '/a b' }], groups)).toMatchObject({ field: 'policies.0.pathPrefix' });
    expect(checkPolicies('http', [{ ...p, group: 'nope' }], groups)).toMatchObject({
      code: 'NOT_FOUND',
      field: 'policies.0.group',
    });
    expect(checkPolicies('http', [p, { ...p, name: 'q' }], groups)?.message).toContain('"p" matches the same requests');
  });
});
