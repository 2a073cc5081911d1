import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';
import { authService } from '../services/auth';
import { restCall } from '../testing/rest';
import { allocateVip } from '../services/vips';
import { make } from '../domain/load-balancing/certificates.testing';

let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
let a: Awaited<ReturnType<typeof h.tenant>>;
let b: Awaited<ReturnType<typeof h.tenant>>;
let own: { l3: string; vxlan: string; vip: string; lb: string; listener: string; certificate: string };
let tokens: { a: string; b: string };

beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin);
  a = await h.tenant('tenant-a');
  b = await h.tenant('tenant-b');
  // The admin shares an L2 and a VXLAN pool so tenants can build their own networks on them.
  await h.admin.l2.share({ id: dc.privateL2.id, shared: true });
  const pool = await h.admin.vxlanPool.create({ name: 'pool', zoneId: dc.zone.id, vniStart: 20, vniEnd: 1200, shared: true });
  const l3 = await a.caller.l3.create({
    name: 'a-private',
    l2Id: dc.privateL2.id,
    category: 'private',
    type: 'flat',
    range: { method: 'cidr', cidr: '192.168.77.0/24' },
  });
  const vx = await a.caller.l2.createVxlan({ name: 'a-vxlan', poolId: pool.id, vni: 100 });
  // Load balancing (R-LB-1 … R-LB-4): A's VIP on the public network (not shared with tenants), its LB, listener, certificate.
  const vip = await h.db.transaction((tx) =>
    allocateVip(tx, h.adminActor, { name: 'a-vip', l3Id: dc.publicL3.id }, { accountId: a.actor.accountId }),
  );
  const lb = await a.caller.loadBalancer.create({
    name: 'a-lb',
    vipId: vip.id,
    listener: { name: 'a-https', protocol: 'https', lbPort: 443, vmPort: 80 },
  });
  const leaf = await make('a.example.com');
  const cert = await a.caller.lbCertificate.create({ name: 'a-cert', certificate: leaf.certPem, privateKey: leaf.keyPem });
  own = { l3: l3.id, vxlan: vx.id, vip: vip.id, lb: lb.id, listener: lb.listeners[0]!.id, certificate: cert.id };
  tokens = {
    a: (await authService.createToken(h.db, a.actor, 'a')).token,
    b: (await authService.createToken(h.db, b.actor, 'b')).token,
  };
});
afterAll(async () => h?.close());

/** Every way to touch one resource of tenant A, as tRPC calls. */
const OPERATIONS = [
  { name: 'l3.get', run: (c: typeof a.caller) => c.l3.get({ id: own.l3 }) },
  { name: 'l3.update', run: (c: typeof a.caller) => c.l3.update({ id: own.l3, name: 'stolen' }) },
  { name: 'l3.delete', run: (c: typeof a.caller) => c.l3.delete({ id: own.l3 }) },
  { name: 'l3.ranges', run: (c: typeof a.caller) => c.l3.ranges({ id: own.l3 }) },
  {
    name: 'l3.addRange',
    run: (c: typeof a.caller) => c.l3.addRange({ l3Id: own.l3, range: { method: 'cidr', cidr: '192.168.78.0/24' } }),
  },
  { name: 'l3.usage', run: (c: typeof a.caller) => c.l3.usage({ l3Id: own.l3 }) },
  { name: 'l3.reserveIp', run: (c: typeof a.caller) => c.l3.reserveIp({ l3Id: own.l3 }) },
  { name: 'l2.get (VXLAN network)', run: (c: typeof a.caller) => c.l2.get({ id: own.vxlan }) },
  { name: 'loadBalancer.get', run: (c: typeof a.caller) => c.loadBalancer.get({ id: own.lb }) },
  { name: 'loadBalancer.update', run: (c: typeof a.caller) => c.loadBalancer.update({ id: own.lb, name: 'stolen' }) },
  { name: 'loadBalancer.delete', run: (c: typeof a.caller) => c.loadBalancer.delete({ id: own.lb }) },
  {
    name: 'listener.create (on A’s load balancer)',
    run: (c: typeof a.caller) => c.listener.create({ lbId: own.lb, name: 'x', protocol: 'tcp', lbPort: 8080, vmPort: 80 }),
  },
  {
    name: 'listener.previewCreate (on A’s load balancer)',
    run: (c: typeof a.caller) => c.listener.previewCreate({ lbId: own.lb, name: 'x', protocol: 'tcp', lbPort: 8081, vmPort: 80 }),
  },
  {
    name: 'loadBalancer.previewCreate (on A’s VIP)',
    run: (c: typeof a.caller) => c.loadBalancer.previewCreate({ name: 'x', vipId: own.vip }),
  },
  { name: 'loadBalancer.create (on A’s VIP)', run: (c: typeof a.caller) => c.loadBalancer.create({ name: 'x', vipId: own.vip }) },
  { name: 'listener.stats', run: (c: typeof a.caller) => c.listener.stats({ id: own.listener }) },
  { name: 'listener.get', run: (c: typeof a.caller) => c.listener.get({ id: own.listener }) },
  { name: 'listener.update', run: (c: typeof a.caller) => c.listener.update({ id: own.listener, name: 'stolen' }) },
  { name: 'listener.delete', run: (c: typeof a.caller) => c.listener.delete({ id: own.listener }) },
  { name: 'listener.configure', run: (c: typeof a.caller) => c.listener.configure({ id: own.listener, maxConnections: 1 }) },
  {
    name: 'listener.addBackends',
    run: (c: typeof a.caller) => c.listener.addBackends({ id: own.listener, backends: [{ nicId: own.listener }] }),
  },
  { name: 'listener.removeBackend', run: (c: typeof a.caller) => c.listener.removeBackend({ id: own.listener, nicId: own.l3 }) },
  { name: 'listener.setPolicies', run: (c: typeof a.caller) => c.listener.setPolicies({ id: own.listener, policies: [] }) },
  {
    name: 'listener.bindCertificate',
    run: (c: typeof a.caller) => c.listener.bindCertificate({ id: own.listener, certificateId: own.certificate }),
  },
  { name: 'listener.unbindCertificate', run: (c: typeof a.caller) => c.listener.unbindCertificate({ id: own.listener }) },
  { name: 'lbCertificate.get', run: (c: typeof a.caller) => c.lbCertificate.get({ id: own.certificate }) },
  { name: 'lbCertificate.update', run: (c: typeof a.caller) => c.lbCertificate.update({ id: own.certificate, name: 'x' }) },
  { name: 'lbCertificate.delete', run: (c: typeof a.caller) => c.lbCertificate.delete({ id: own.certificate }) },
];

describe('tenancy through tRPC', () => {
  it.each(OPERATIONS)('tenant B cannot $name a resource of tenant A (NOT_FOUND)', async ({ run }) => {
    await expect(run(b.caller)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('tenant A sees A: its L3, its ranges, its VXLAN network', async () => {
    expect((await a.caller.l3.get({ id: own.l3 })).name).toBe('a-private');
    expect(await a.caller.l3.ranges({ id: own.l3 })).toHaveLength(1);
    expect((await a.caller.l2.get({ id: own.vxlan })).vni).toBe(100);
  });

  it('lists are scoped: B does not list A’s L3, A does, the admin sees all', async () => {
    const names = async (c: typeof a.caller) => (await c.l3.list({ pageSize: 200 })).items.map((l) => l.name);
    expect(await names(b.caller)).not.toContain('a-private');
    expect(await names(a.caller)).toContain('a-private');
    expect(await names(h.admin)).toEqual(expect.arrayContaining(['a-private', 'L3-public', 'L3-private']));
  });

  it('B’s failed attempts left A’s resource untouched', async () => {
    expect(await a.caller.l3.get({ id: own.l3 })).toMatchObject({ name: 'a-private' });
    expect(await a.caller.listener.get({ id: own.listener })).toMatchObject({ name: 'a-https', maxConnections: 100000 });
    expect(await a.caller.lbCertificate.get({ id: own.certificate })).toMatchObject({ name: 'a-cert', listeners: [] });
    expect((await a.caller.loadBalancer.get({ id: own.lb })).name).toBe('a-lb');
    expect((await b.caller.loadBalancer.list({})).total).toBe(0);
    expect((await b.caller.lbCertificate.list({})).total).toBe(0);
    expect((await a.caller.l3.usage({ l3Id: own.l3 })).used).toBe(1); // only the DHCP server IP
  });

  it('tenants see a public L3 only once the admin shares it', async () => {
    await expect(b.caller.l3.get({ id: dc.publicL3.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await h.admin.l3.share({ id: dc.publicL3.id, shared: true });
    expect((await b.caller.l3.get({ id: dc.publicL3.id })).name).toBe('L3-public');
    // Shared is read-only for tenants.
    await expect(b.caller.l3.update({ id: dc.publicL3.id, name: 'mine' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(b.caller.l3.delete({ id: dc.publicL3.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('infrastructure is the administrator’s: tenants may not create zones, L2s or public L3s', async () => {
    await expect(b.caller.zone.create({ name: 'z' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(
      b.caller.l2.create({ name: 'l2', zoneId: dc.zone.id, type: 'novlan', physicalNic: 'em09' }),
    ).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(b.caller.l3.create({ name: 'p', l2Id: dc.privateL2.id, category: 'public' })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(b.caller.account.create({ name: 'evil', password: 'password123' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    // Agents' credentials: token, endpoint and TLS certificate are the administrator's (issue 12).
    for (const call of [
      () => b.caller.host.agent({ id: dc.host.id }),
      () => b.caller.host.setAgentEndpoint({ id: dc.host.id, endpoint: 'https://192.0.2.66:7070' }),
      () => b.caller.host.issueAgentCertificate({ id: dc.host.id }),
    ])
      await expect(call()).rejects.toMatchObject({ code: 'FORBIDDEN' });
  });

  it('an anonymous caller is UNAUTHORIZED', async () => {
    await expect(h.callerFor(null).zone.list({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });
});

const rest = (method: string, path: string, token?: string, body?: unknown) => restCall(h.db, method, path, token, body);

describe('tenancy through REST', () => {
  it.each([
    ['GET', () => `/l3-networks/${own.l3}`, undefined],
    ['PATCH', () => `/l3-networks/${own.l3}`, { name: 'stolen' }],
    ['DELETE', () => `/l3-networks/${own.l3}`, undefined],
    ['GET', () => `/l3-networks/${own.l3}/ranges`, undefined],
    ['GET', () => `/l3-networks/${own.l3}/ip-usage`, undefined],
    ['POST', () => `/l3-networks/${own.l3}/ip-reservations`, {}],
    ['GET', () => `/l2-networks/${own.vxlan}`, undefined],
    ['GET', () => `/load-balancers/${own.lb}`, undefined],
    ['DELETE', () => `/load-balancers/${own.lb}`, undefined],
    ['GET', () => `/listeners/${own.listener}`, undefined],
    ['GET', () => `/listeners/${own.listener}/stats`, undefined],
    ['POST', () => `/listeners/${own.listener}/configure`, { maxConnections: 1 }],
    ['POST', () => `/listeners/${own.listener}/certificate`, { certificateId: '00000000-0000-4000-8000-000000000001' }],
    ['GET', () => `/lb-certificates/${own.certificate}`, undefined],
    ['DELETE', () => `/lb-certificates/${own.certificate}`, undefined],
  ] as const)('tenant B: %s %s → 404', async (method, path, body) => {
    expect((await rest(method, path(), tokens.b, body)).status).toBe(404);
  });

  it('tenant A reads its own L3 over REST', async () => {
    const res = await rest('GET', `/l3-networks/${own.l3}`, tokens.a);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: own.l3, name: 'a-private' });
  });

  it('B’s list does not contain A’s L3', async () => {
    const res = await rest('GET', '/l3-networks?pageSize=200', tokens.b);
    expect(res.status).toBe(200);
    expect((res.body.items as Array<{ id: string }>).map((i) => i.id)).not.toContain(own.l3);
  });

  it('no token or a wrong one → 401; a revoked token → 401', async () => {
    expect((await rest('GET', '/zones')).status).toBe(401);
    expect((await rest('GET', '/zones', 'crt_not-a-token')).status).toBe(401);
    const t = await authService.createToken(h.db, a.actor, 'short-lived');
    expect((await rest('GET', '/zones', t.token)).status).toBe(200);
    await authService.revokeToken(h.db, a.actor, t.view.id);
    expect((await rest('GET', '/zones', t.token)).status).toBe(401);
  });

  it('a tenant cannot revoke another account’s token', async () => {
    const t = await authService.createToken(h.db, a.actor, 'a-2');
    expect((await rest('DELETE', `/api-tokens/${t.view.id}`, tokens.b)).status).toBe(404);
    expect((await rest('GET', '/zones', t.token)).status).toBe(200);
  });
});
