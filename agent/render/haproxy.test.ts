import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { checkersOptedOut, golden, have } from './golden';
import { renderHaproxy, type HaproxyListener } from './haproxy';

const STATS = '/run/cloudrouter/vrouter-r1/haproxy.sock';
const tcpCheck = {
  protocol: 'tcp' as const,
  httpCodes: [],
  uri: null,
  method: 'HEAD' as const,
  healthyThreshold: 2,
  unhealthyThreshold: 2,
  intervalSeconds: 5,
  port: null,
};
const nic = (n: number) => `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`;

// S-LB (SPEC §5): VIP on the public range, listener 80 → 5000, VM-1..3 on the private network, round-robin.
const S_LB: HaproxyListener = {
  id: '11111111-1111-4111-8111-111111111111',
  name: 'Listener-1',
  protocol: 'tcp',
  vip: '10.108.12.50',
  lbPort: 80,
  vmPort: 5000,
  algorithm: 'round-robin',
  maxConnections: 100000,
  idleTimeoutSeconds: 60,
  healthCheck: tcpCheck,
  certificateFile: null,
  backends: [1, 2, 3].map((i) => ({ nicId: nic(i), ip: `192.168.10.${10 + i}`, weight: 1, group: 'default' })),
  policies: [],
};

const WEB = (certificateFile: string): HaproxyListener => ({
  ...S_LB,
  id: '22222222-2222-4222-8222-222222222222',
  name: 'web',
  protocol: 'https',
  lbPort: 443,
  vmPort: 8080,
  algorithm: 'weighted-round-robin',
  maxConnections: 5000,
  idleTimeoutSeconds: 30,
  healthCheck: { ...tcpCheck, protocol: 'http', httpCodes: ['http_2xx', 'http_3xx'], uri: '/healthcheck.html', port: 8081 },
  certificateFile,
  backends: [
    { nicId: nic(1), ip: '192.168.10.11', weight: 3, group: 'default' },
    { nicId: nic(2), ip: '192.168.10.12', weight: 1, group: 'default' },
    { nicId: nic(3), ip: '192.168.10.13', weight: 1, group: 'images' },
  ],
  policies: [
    { name: 'img', host: null, pathPrefix: '/images', group: 'images' },
    { name: 'sub', host: '*.Example.com', pathPrefix: '/v2', group: 'images' },
    { name: 'api', host: 'api.example.com', pathPrefix: null, group: 'default' },
  ],
});

/** A certificate and its key in one PEM file, as haproxy's `crt` takes it. */
async function certificateFile(dir: string): Promise<string> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=www.example.com',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const key = x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  const file = path.join(dir, 'web.pem');
  fs.writeFileSync(file, `${cert.toString('pem')}\n${key}\n`, { mode: 0o600 });
  return file;
}

describe('haproxy configuration of a vRouter’s listeners (R-LB-2 … R-LB-5)', () => {
  it('renders S-LB to its golden file', () => {
    golden('haproxy-s-lb.cfg', renderHaproxy([S_LB], { statsSocket: STATS }));
  });

  it('renders an HTTPS listener with weights, an HTTP health check on its own port and policies in order', () => {
    const text = renderHaproxy([WEB('/run/cloudrouter/vrouter-r1/crt/web.pem')], { statsSocket: STATS });
    golden('haproxy-https-policies.cfg', text);
    expect(text).toContain('bind 10.108.12.50:443 ssl crt /run/cloudrouter/vrouter-r1/crt/web.pem');
    expect(text).toContain('http-check expect rstatus ^[23][0-9][0-9]$');
    expect(text).toContain('default-server check inter 5s rise 2 fall 2 port 8081');
    expect(text).toContain('server n_000000000001 192.168.10.11:8080 weight 3');
    // Policies in their order, the default group last; a wildcard host matches by suffix, without the port, in lower case.
    const uses = text.split('\n').filter((l) => l.includes('use_backend') || l.includes('default_backend'));
    expect(uses.map((l) => l.trim())).toEqual([
      'use_backend b_222222222222_images if p0_path',
      'use_backend b_222222222222_images if p1_host p1_path',
      'use_backend b_222222222222_default if p2_host',
      'default_backend b_222222222222_default',
    ]);
    expect(text).toContain('acl p1_host req.hdr(host),field(1,:),lower -m end .example.com');
  });

  it('maps each algorithm to haproxy’s balance; weights only for weighted round-robin', () => {
    const balance = (algorithm: HaproxyListener['algorithm']) =>
      /balance (\w+)/.exec(renderHaproxy([{ ...S_LB, algorithm }], { statsSocket: STATS }))![1];
    expect(balance('round-robin')).toBe('roundrobin');
    expect(balance('weighted-round-robin')).toBe('roundrobin');
    expect(balance('least-connections')).toBe('leastconn');
    expect(balance('source-hash')).toBe('source');
    expect(renderHaproxy([S_LB], { statsSocket: STATS })).not.toContain('weight');
  });

  it('a listener without backends still has its default backend (it answers, and refuses, by itself)', () => {
    const text = renderHaproxy([{ ...S_LB, backends: [] }], { statsSocket: STATS });
    expect(text).toContain('default_backend b_111111111111_default');
    expect(text).toContain('backend b_111111111111_default');
    expect(text).not.toContain('server n_');
  });

  it.skipIf(checkersOptedOut && (process.getuid?.() !== 0 || !have('haproxy')))('passes `haproxy -c`', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cr-haproxy-'));
    try {
      const cfg = path.join(dir, 'haproxy.cfg');
      fs.writeFileSync(
        cfg,
        renderHaproxy([S_LB, WEB(await certificateFile(dir))], { statsSocket: path.join(dir, 'stats.sock') }),
      );
      const out = execFileSync('haproxy', ['-c', '-f', cfg], { encoding: 'utf8', stdio: 'pipe' });
      expect(out).toContain('Configuration file is valid');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('haproxy process limit', () => {
  it('holds the whole process to what its file descriptors allow; each listener keeps its own limit', () => {
    const l = {
      id: '00000000-0000-4000-8000-000000000001',
      name: 'a',
      protocol: 'tcp' as const,
      vip: '10.108.12.50',
      lbPort: 80,
      vmPort: 5000,
      algorithm: 'round-robin' as const,
      maxConnections: 100000,
      idleTimeoutSeconds: 60,
      healthCheck: {
        protocol: 'tcp' as const,
        httpCodes: [],
        uri: null,
        method: 'HEAD' as const,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        intervalSeconds: 5,
        port: null,
      },
      certificateFile: null,
      backends: [],
      policies: [],
    };
    const text = renderHaproxy([l, { ...l, id: '00000000-0000-4000-8000-000000000002', lbPort: 81 }], {
      statsSocket: '/run/x.sock',
      processMaxConnections: 9500,
    });
    expect(text).toMatch(/^ {4}maxconn 9500$/m);
    expect(text.match(/^ {4}maxconn 100000$/gm)).toHaveLength(2);
    expect(renderHaproxy([l], { statsSocket: '/run/x.sock' })).toMatch(/^global\n {4}maxconn 100000$/m);
  });
});
