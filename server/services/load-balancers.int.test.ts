import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { agents, lbBackends, lbCertificates, lbListeners, loadBalancers, vips } from '@/db/schema';
import { openHarness } from '../testing/harness';
import { buildServicesDataCenter } from '../testing/basic-datacenter';
import { DAY, make } from '../domain/load-balancing/certificates.testing';
import { desiredVRouterConfig } from '../desired';
import { LbStatsCollector } from '../reconciler/lb-stats';
import { metricsText } from './metrics';
import { lbListenerSamples } from '@/db/schema';

/**
 * Load balancing through the API on a real database (PGlite, and PostgreSQL when TEST_DATABASE_URL
 * is set): load balancers on VIPs (R-LB-1), listeners with the seed's defaults and limits (R-LB-2),
 * backends on one vRouter (R-LB-3), certificates (R-LB-4), policies (R-LB-5); every refusal leaves
 * the database as it was, and every change that reaches a vRouter bumps its generation.
 */
let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildServicesDataCenter>>['dc'];
let vmNics: string[];
let routerId: string;
let tenant: Awaited<ReturnType<typeof h.tenant>>;

const generation = async (id: string) => (await h.db.select().from(agents).where(eq(agents.id, id)))[0]!.desiredGeneration;
/** Rows of every load-balancing table and of the VIPs: a refusal must leave them all as they were. */
async function rowCounts() {
  const n = async (t: typeof vips | typeof loadBalancers | typeof lbListeners | typeof lbBackends | typeof lbCertificates) =>
    Number((await h.db.select({ n: count() }).from(t))[0]!.n);
  return {
    vips: await n(vips),
    lbs: await n(loadBalancers),
    listeners: await n(lbListeners),
    backends: await n(lbBackends),
    certificates: await n(lbCertificates),
  };
}

beforeAll(async () => {
  h = await openHarness();
  const built = await buildServicesDataCenter(h.admin, { count: 3 });
  dc = built.dc;
  vmNics = built.vms.map((vm) => vm.nicId);
  routerId = (await h.admin.vrouter.list({})).items[0]!.id;
  tenant = await h.tenant('tenant-lb');
});
afterAll(async () => h?.close());

describe('R-LB-1 / R-LB-2 load balancers and listeners', () => {
  it('S-LB: a load balancer on a new VIP with its first listener 80 → 5000, the seed’s defaults filled in', async () => {
    const lb = await h.admin.loadBalancer.create({
      name: 'LB-1',
      l3Id: dc.publicL3.id,
      listener: { name: 'listener-80', protocol: 'tcp', lbPort: 80, vmPort: 5000 },
    });
    expect(lb).toMatchObject({ name: 'LB-1', l3Id: dc.publicL3.id, vrouterId: null });
    expect(lb.listeners).toEqual([expect.objectContaining({ name: 'listener-80', protocol: 'tcp', lbPort: 80, vmPort: 5000 })]);
    const listener = await h.admin.listener.get({ id: lb.listeners[0]!.id });
    expect(listener).toMatchObject({
      lbName: 'LB-1',
      vip: lb.vip,
      algorithm: 'round-robin',
      maxConnections: 100000,
      idleTimeoutSeconds: 60,
      healthCheckProtocol: 'tcp',
      healthCheckPort: null,
      healthCheckMethod: 'HEAD',
      healthCheckHttpCodes: ['http_2xx', 'http_3xx'],
      healthyThreshold: 2,
      unhealthyThreshold: 2,
      healthCheckIntervalSeconds: 5,
      backends: [],
    });
    const vip = await h.admin.vip.get({ id: lb.vipId });
    expect(vip.usedBy).toEqual([expect.objectContaining({ type: 'loadBalancer', name: 'LB-1' })]);
  });

  it('R-EIP-1: an EIP refuses a VIP that carries a load balancer; a load balancer refuses a VIP with an EIP', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const before = await rowCounts();
    await expect(h.admin.eip.create({ name: 'EIP-x', vipId: lb.vipId })).rejects.toMatchObject({
      message: expect.stringContaining('load balancer'),
    });
    const eip = await h.admin.eip.create({ name: 'EIP-y', l3Id: dc.publicL3.id });
    await expect(h.admin.loadBalancer.create({ name: 'LB-x', vipId: eip.vipId })).rejects.toMatchObject({
      message: expect.stringContaining('backs an EIP'),
    });
    expect(await rowCounts()).toEqual({ ...before, vips: before.vips + 1 });
    await h.admin.eip.delete({ id: eip.id });
    await h.admin.vip.delete({ id: eip.vipId });
  });

  it('R-LB-2 refusals beside their fields, and nothing saved', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const before = await rowCounts();
    const base = { lbId: lb.id, name: 'l', protocol: 'http' as const, lbPort: 8080, vmPort: 8080 };
    const refused: Array<[Record<string, unknown>, string]> = [
      [{ healthCheckProtocol: 'http', healthCheckUri: '//' }, 'healthCheckUri'],
      [{ healthCheckProtocol: 'http', healthCheckUri: '/a b' }, 'healthCheckUri'],
      [{ healthCheckProtocol: 'http', healthCheckUri: '/' + 'a'.repeat(80) }, 'healthCheckUri'],
      [{ healthCheckProtocol: 'http', healthCheckHttpCodes: [] }, 'healthCheckHttpCodes'],
      [{ maxConnections: 0 }, 'maxConnections'],
      [{ maxConnections: 100001 }, 'maxConnections'],
      [{ healthyThreshold: 0 }, 'healthyThreshold'],
      [{ healthCheckIntervalSeconds: 301 }, 'healthCheckIntervalSeconds'],
      [{ healthCheckProtocol: 'udp' }, 'healthCheckProtocol'],
      [{ protocol: 'udp', algorithm: 'least-connections' }, 'algorithm'],
      [{ lbPort: 80 }, 'lbPort'], // TCP 80 is listener-80's: HTTP listens on TCP too
    ];
    for (const [over, field] of refused)
      await expect(h.admin.listener.create({ ...base, ...over } as never), JSON.stringify(over)).rejects.toMatchObject({
        cause: expect.objectContaining({ field }),
      });
    expect(await rowCounts()).toEqual(before);
    // Accepted: /healthcheck.html, GET, 4xx counts as healthy; UDP 80 is free beside TCP 80.
    const ok = await h.admin.listener.create({
      ...base,
      healthCheckProtocol: 'http',
      healthCheckUri: '/healthcheck.html',
      healthCheckMethod: 'GET',
      healthCheckHttpCodes: ['http_2xx', 'http_4xx'],
      maxConnections: 100000,
    });
    expect(ok).toMatchObject({ healthCheckUri: '/healthcheck.html', healthCheckMethod: 'GET', maxConnections: 100000 });
    const udp = await h.admin.listener.create({ ...base, name: 'udp-80', protocol: 'udp', lbPort: 80, vmPort: 5000 });
    expect(udp.healthCheckProtocol).toBe('udp');
  });

  it('R-LB-2 / R-PF-2: listener ports and forwarded ports of one VIP never meet, either way', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const pf = await h.admin.portForward.create({ name: 'PF-22', vipId: lb.vipId, protocol: 'tcp', vipPortStart: 22 });
    await expect(
      h.admin.listener.create({ lbId: lb.id, name: 'ssh', protocol: 'tcp', lbPort: 22, vmPort: 22 }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'lbPort', message: expect.stringContaining('"PF-22"') }) });
    await expect(
      h.admin.portForward.create({
        name: 'PF-web',
        vipId: lb.vipId,
        protocol: 'tcp',
        mode: 'range',
        vipPortStart: 70,
        vipPortEnd: 90,
      }),
    ).rejects.toMatchObject({ message: expect.stringContaining('"listener-80"') });
    await h.admin.portForward.delete({ id: pf.id });
  });
});

describe('R-LB-3 backends', () => {
  it('VM NICs bound to a listener bump the vRouter; weights need weighted round-robin; a NIC once', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const listenerId = lb.listeners.find((l) => l.name === 'listener-80')!.id;
    const g0 = await generation(routerId);
    const l = await h.admin.listener.addBackends({ id: listenerId, backends: vmNics.map((nicId) => ({ nicId })) });
    expect(l.backends.map((b) => b.vmName)).toEqual(['VM-1', 'VM-2', 'VM-3']);
    expect(await generation(routerId)).toBeGreaterThan(g0);
    expect((await h.admin.loadBalancer.get({ id: lb.id })).vrouterId).toBe(routerId);
    const before = await rowCounts();
    await expect(h.admin.listener.addBackends({ id: listenerId, backends: [{ nicId: vmNics[0]! }] })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'BIND_NOT_ALLOWED' }),
    });
    const udp = (await h.admin.listener.list({ lbId: lb.id, search: 'udp-80' })).items[0]!;
    await expect(
      h.admin.listener.addBackends({ id: udp.id, backends: [{ nicId: vmNics[0]!, weight: 3 }] }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ field: 'weight' }),
    });
    expect(await rowCounts()).toEqual(before);
    await h.admin.listener.configure({ id: udp.id, algorithm: 'weighted-round-robin' });
    const weighted = await h.admin.listener.addBackends({
      id: udp.id,
      backends: [
        { nicId: vmNics[0]!, weight: 3 },
        { nicId: vmNics[1]!, weight: 1 },
      ],
    });
    expect(weighted.backends.map((b) => b.weight)).toEqual([3, 1]);
    // Weights stay meaningful: leaving weighted round-robin is refused while they differ from 1.
    await expect(h.admin.listener.configure({ id: udp.id, algorithm: 'round-robin' })).rejects.toMatchObject({
      cause: expect.objectContaining({ field: 'algorithm' }),
    });
    const g1 = await generation(routerId);
    const removed = await h.admin.listener.removeBackend({ id: udp.id, nicId: vmNics[1]! });
    expect(removed.backends).toHaveLength(1);
    expect(await generation(routerId)).toBeGreaterThan(g1);
  });

  it('a NIC of a network with no vRouter, or on no vRouter network, is refused', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const listenerId = lb.listeners.find((l) => l.name === 'listener-80')!.id;
    const router = await h.admin.vrouter.get({ id: routerId });
    const routerNic = router.nics.find((n) => n.role === 'private')!;
    await expect(h.admin.listener.addBackends({ id: listenerId, backends: [{ nicId: routerNic.id }] })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'BIND_NOT_ALLOWED' }),
    });
  });

  it('the system VIP is allowed (R-LB-1); deleting a VIP in use names the load balancer', async () => {
    const sys = (await h.admin.vip.list({})).items.find((v) => v.system)!;
    const lb = await h.admin.loadBalancer.create({
      name: 'LB-sys',
      vipId: sys.id,
      listener: { name: 'sys-8443', protocol: 'tcp', lbPort: 8443, vmPort: 443 },
    });
    const l = await h.admin.listener.addBackends({ id: lb.listeners[0]!.id, backends: [{ nicId: vmNics[2]! }] });
    expect(l.backends).toHaveLength(1);
    const lb1 = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    await expect(h.admin.vip.delete({ id: lb1.vipId })).rejects.toMatchObject({
      message: expect.stringContaining('load balancer "LB-1"'),
    });
    const g = await generation(routerId);
    await h.admin.loadBalancer.delete({ id: lb.id });
    expect(await generation(routerId)).toBeGreaterThan(g);
    expect((await h.admin.listener.list({ lbId: lb.id })).total).toBe(0);
  });
});

describe('R-LB-4 certificates and R-LB-5 policies', () => {
  it('a certificate is checked on upload, never shown back, bound once to an HTTPS listener, kept while bound', async () => {
    const ca = await make('Test CA', { ca: true, days: 3650 });
    const leaf = await make('www.example.com', { issuer: ca, sans: ['www.example.com'] });
    const other = await make('other.example.com', { issuer: ca });
    const expired = await make('old.example.com', { issuer: ca, from: new Date(Date.now() - 100 * DAY), days: 30 });
    const before = await rowCounts();
    await expect(
      h.admin.lbCertificate.create({ name: 'bad', certificate: leaf.certPem, privateKey: other.keyPem }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'privateKey' }) });
    await expect(
      h.admin.lbCertificate.create({ name: 'old', certificate: expired.certPem, privateKey: expired.keyPem }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ field: 'certificate', message: expect.stringContaining('expired') }),
    });
    expect(await rowCounts()).toEqual(before);
    const cert = await h.admin.lbCertificate.create({
      name: 'www',
      certificate: leaf.certPem,
      chain: ca.certPem,
      privateKey: leaf.keyPem,
    });
    expect(cert).toMatchObject({ subject: 'www.example.com', issuer: 'Test CA', sans: ['DNS:www.example.com'], hasChain: true });
    expect(JSON.stringify(cert)).not.toContain('PRIVATE KEY');
    expect(JSON.stringify(cert)).not.toContain('BEGIN CERTIFICATE');

    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const https = await h.admin.listener.create({ lbId: lb.id, name: 'https', protocol: 'https', lbPort: 443, vmPort: 80 });
    const tcp = lb.listeners.find((l) => l.name === 'listener-80')!;
    await expect(h.admin.listener.bindCertificate({ id: tcp.id, certificateId: cert.id })).rejects.toMatchObject({
      message: expect.stringContaining('not an HTTPS listener'),
    });
    const bound = await h.admin.listener.bindCertificate({ id: https.id, certificateId: cert.id });
    expect(bound).toMatchObject({ certificateId: cert.id, certificateName: 'www' });
    await expect(h.admin.listener.bindCertificate({ id: https.id, certificateId: cert.id })).rejects.toMatchObject({
      message: expect.stringContaining('unbind it first'),
    });
    await expect(h.admin.lbCertificate.delete({ id: cert.id })).rejects.toMatchObject({
      message: expect.stringContaining('listener "https"'),
    });
    expect((await h.admin.lbCertificate.get({ id: cert.id })).listeners).toEqual([{ id: https.id, name: 'https' }]);
    await h.admin.listener.unbindCertificate({ id: https.id });
    await h.admin.lbCertificate.delete({ id: cert.id });
  });

  it('policies name backend groups of the listener, in order; the last backend of a group in use stays', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const http = await h.admin.listener.create({ lbId: lb.id, name: 'web', protocol: 'http', lbPort: 81, vmPort: 80 });
    await expect(
      h.admin.listener.setPolicies({
        id: http.id,
        policies: [{ name: 'img', host: '', pathPrefix: '/images', group: 'images' }],
      }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'policies.0.group' }) });
    await h.admin.listener.addBackends({
      id: http.id,
      backends: [{ nicId: vmNics[0]! }, { nicId: vmNics[1]!, group: 'images' }],
    });
    const set = await h.admin.listener.setPolicies({
      id: http.id,
      policies: [
        { name: 'img', host: '', pathPrefix: '/images', group: 'images' },
        { name: 'api', host: 'API.example.com', pathPrefix: null, group: 'default' },
      ],
    });
    expect(set.policies).toEqual([
      { name: 'img', host: null, pathPrefix: '/images', group: 'images' },
      { name: 'api', host: 'api.example.com', pathPrefix: null, group: 'default' },
    ]);
    await expect(h.admin.listener.removeBackend({ id: http.id, nicId: vmNics[1]! })).rejects.toMatchObject({
      message: expect.stringContaining('policy "img"'),
    });
    const tcp = lb.listeners.find((l) => l.name === 'listener-80')!;
    await expect(
      h.admin.listener.setPolicies({
        id: tcp.id,
        policies: [{ name: 'x', host: 'a.example.com', pathPrefix: null, group: 'default' }],
      }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'policies' }) });
  });
});

describe('the rule preview of a listener (every service form has one)', () => {
  it('shows the haproxy frontend and backend, or the UDP rule, the new listener would get; nothing is saved', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const before = await rowCounts();
    const g = await generation(routerId);
    const tcp = await h.admin.listener.previewCreate({
      lbId: lb.id,
      name: 'preview-tcp',
      protocol: 'tcp',
      lbPort: 9000,
      vmPort: 9000,
      algorithm: 'least-connections',
      backends: [{ nicId: vmNics[0]! }],
    });
    expect(tcp.vrouterId).toBe(routerId);
    expect(tcp.text).toContain(`haproxy     bind ${lb.vip}:9000`);
    expect(tcp.text).toContain('haproxy     balance leastconn');
    const udp = await h.admin.listener.previewCreate({
      lbId: lb.id,
      name: 'preview-udp',
      protocol: 'udp',
      lbPort: 9001,
      vmPort: 9001,
      backends: [{ nicId: vmNics[0]! }],
    });
    expect(udp.text).toMatch(
      new RegExp(`nft add rule ip cr_vrouter_lb prerouting ip daddr ${lb.vip.replace(/\./g, '\\.')} udp dport 9001 dnat ip to`),
    );
    // The same refusals as creating it, and nothing saved, nothing pushed.
    await expect(
      h.admin.listener.previewCreate({ lbId: lb.id, name: 'x', protocol: 'tcp', lbPort: 80, vmPort: 1 }),
    ).rejects.toMatchObject({
      cause: expect.objectContaining({ field: 'lbPort' }),
    });
    expect(await rowCounts()).toEqual(before);
    expect(await generation(routerId)).toBe(g);
  });
});

describe('the vRouter’s desired config (compiled from these rows)', () => {
  it('carries its listeners and their backends; holds the LB VIP; an HTTPS listener waits for its certificate', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const cfg = await desiredVRouterConfig(h.db, routerId, 1);
    const byName = new Map(cfg.listeners.map((l) => [l.name, l]));
    expect(byName.get('listener-80')).toMatchObject({ protocol: 'tcp', vip: lb.vip, lbPort: 80, vmPort: 5000 });
    expect(byName.get('listener-80')!.backends).toHaveLength(3);
    expect(byName.get('udp-80')!.backends).toEqual([expect.objectContaining({ weight: 3 })]);
    expect(byName.get('web')!.policies.map((p) => p.group)).toEqual(['images', 'default']);
    expect(byName.has('https')).toBe(false); // no certificate bound
    expect(cfg.vips).toContainEqual({ ip: lb.vip, nic: expect.any(String) });
    expect(cfg.certificates).toEqual([]);
  });
});

describe('R-LB-6 counters: collected, kept, read back, exported', () => {
  it('stores each agent answer once per interval (two consoles, one row), skips unknown listeners, serves them scoped', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const tcp = lb.listeners.find((l) => l.name === 'listener-80')!;
    const gone = '00000000-0000-4000-8000-0000000000ff';
    let total = 10;
    // The agents' answers as the collector receives them (the lab test reads real agents).
    const statsOf = () =>
      Promise.resolve({
        generation: 3,
        at: new Date().toISOString(),
        listeners: [
          {
            id: tcp.id,
            current: 2,
            total,
            bytesIn: 100,
            bytesOut: 900,
            backends: [{ nicId: vmNics[0]!, health: 'healthy' as const, current: 2, total, bytesIn: 100, bytesOut: 900 }],
          },
          { id: gone, current: 0, total: 0, bytesIn: 0, bytesOut: 0, backends: [] },
        ],
      });
    const a = new LbStatsCollector(h.db, { statsOf, intervalMs: 60_000 });
    const b = new LbStatsCollector(h.db, { statsOf, intervalMs: 60_000 });
    expect(await a.collect()).toBe(1);
    await b.collect();
    expect((await h.db.select().from(lbListenerSamples)).length).toBe(1);
    total = 15;
    await new LbStatsCollector(h.db, { statsOf, intervalMs: 1 }).collect();
    const stats = await h.admin.listener.stats({ id: tcp.id });
    expect(stats.samples.map((x) => x.total)).toEqual([10, 15]);
    expect(stats.backends.find((x) => x.nicId === vmNics[0])).toMatchObject({ vmName: 'VM-1', health: 'healthy', total: 15 });
    expect(stats.backends.find((x) => x.nicId === vmNics[1])).toMatchObject({ vmName: 'VM-2', health: 'unknown' });
    await expect(tenant.caller.listener.stats({ id: tcp.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const text = (await metricsText(h.db, h.adminActor)).text;
    expect(text).toContain(
      `cloudrouter_lb_listener_connections_total{load_balancer="LB-1",listener="listener-80",protocol="tcp",vip="${lb.vip}",port="80"} 15`,
    );
    expect(text).toMatch(/cloudrouter_lb_backend_up\{[^}]*vm="VM-1"[^}]*\} 1/);
    expect((await metricsText(h.db, tenant.actor)).text).not.toContain('LB-1');
    // Samples older than the kept window go.
    await new LbStatsCollector(h.db, { statsOf: () => null, keepMs: 0 }).collect();
    expect((await h.db.select().from(lbListenerSamples)).length).toBe(0);
  });
});

describe('tenancy', () => {
  it('a tenant cannot use another account’s VIP, NIC, load balancer, listener or certificate', async () => {
    const lb = (await h.admin.loadBalancer.list({ search: 'LB-1' })).items[0]!;
    const listenerId = lb.listeners[0]!.id;
    const t = tenant.caller;
    await expect(t.loadBalancer.create({ name: 'steal', vipId: lb.vipId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.loadBalancer.get({ id: lb.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.listener.get({ id: listenerId })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(t.listener.addBackends({ id: listenerId, backends: [{ nicId: vmNics[0]! }] })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await t.loadBalancer.list({})).total).toBe(0);
    expect((await t.listener.list({})).total).toBe(0);
  });
});
