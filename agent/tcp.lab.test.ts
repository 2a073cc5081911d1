import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient, type ClientTls } from './client';
import { labDescribe } from '../lab/testing';
import { agentCommand } from '../lab/agents';
import {
  authorityFrom,
  issueAgentCertificate,
  issueConsoleCertificate,
  newAuthority,
  type Authority,
  type IssuedCertificate,
} from '../server/pki/agent-ca';

/**
 * A real host's agent listens on TCP with mutual TLS and its token (issue 12, item 7). Only status
 * and a refused config are exercised, so nothing is applied to the root namespace (the agent only
 * reads `nft list`).
 */
const AGENT_ID = '11111111-1111-4111-8111-111111111111';
const children: ChildProcess[] = [];
let dir: string;
let port: number;
let agentCert: IssuedCertificate;
let ca: Authority;
let consoleTls: ClientTls;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

async function writeAgentFiles(c: IssuedCertificate) {
  await fs.writeFile(path.join(dir, 'agent.crt'), c.certPem);
  await fs.writeFile(path.join(dir, 'agent.key'), c.keyPem, { mode: 0o600 });
  await fs.writeFile(path.join(dir, 'ca.crt'), c.caPem);
}

async function startAgent(extra: string[]): Promise<{ child: ChildProcess; stderr: () => string }> {
  let err = '';
  const child = spawn(
    process.execPath,
    [
      ...(await agentCommand('vrouter')),
      '--id',
      AGENT_ID,
      '--listen',
      `127.0.0.1:${port}`,
      '--token-file',
      path.join(dir, 'token'),
      '--state-dir',
      path.join(dir, 'state'),
      '--run-dir',
      path.join(dir, 'run'),
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  children.push(child);
  return { child, stderr: () => err };
}

const client = (token = 'tcp-token', material: ClientTls = consoleTls, agentId = AGENT_ID) =>
  AgentClient.fromEndpoint(`https://127.0.0.1:${port}`, token, { material: async () => material, agentId });

/** The fingerprint of the certificate the agent presents now (a fresh TLS connection as the console). */
const presented = () =>
  new Promise<string>((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, ...consoleTls, rejectUnauthorized: false }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.on('error', reject);
  });

await labDescribe('agent over TCP on the management network: mutual TLS (issue 12)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-tcp-'));
    await fs.writeFile(path.join(dir, 'token'), 'tcp-token\n');
    port = await freePort();
    ca = await authorityFrom(await newAuthority());
    agentCert = await issueAgentCertificate(ca, AGENT_ID, ['127.0.0.1']);
    const c = await issueConsoleCertificate(ca);
    consoleTls = { ca: c.caPem, cert: c.certPem, key: c.keyPem };
    await writeAgentFiles(agentCert);
  });

  afterAll(async () => {
    for (const c of children) if (c.pid && c.exitCode === null) process.kill(c.pid, 'SIGTERM');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('refuses to listen on TCP without TLS: plain HTTP is refused', async () => {
    const { child, stderr } = await startAgent([]);
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(2);
    expect(stderr()).toContain('plain HTTP on the network is refused');
  });

  it('answers the console’s certificate with its token; refuses a malformed config as before', async () => {
    await startAgent([
      '--tls-cert',
      path.join(dir, 'agent.crt'),
      '--tls-key',
      path.join(dir, 'agent.key'),
      '--tls-ca',
      path.join(dir, 'ca.crt'),
    ]);
    let status;
    for (let i = 0; i < 100 && !status; i++) {
      status = await client()
        .status()
        .catch(() => undefined);
      if (!status) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toMatchObject({ kind: 'vrouter', appliedGeneration: 0, lastError: null });
    await expect(client('wrong').status()).rejects.toMatchObject({ status: 401 });
    await expect(client().putRaw('{"version":1}')).rejects.toMatchObject({ status: 400, error: { code: 'CONFIG_INVALID' } });
  });

  it('refuses a client without a certificate, with one of another authority, and with an agent’s certificate', async () => {
    const bare = new Promise((resolve, reject) => {
      const req = https.request(
        { host: '127.0.0.1', port, path: '/v1/status', ca: consoleTls.ca, headers: { authorization: 'Bearer tcp-token' } },
        (res) => resolve(res.statusCode),
      );
      req.on('error', reject);
      req.end();
    });
    await expect(bare).rejects.toThrow();
    const stranger = await issueConsoleCertificate(await authorityFrom(await newAuthority('Someone else')));
    await expect(
      client('tcp-token', { ca: consoleTls.ca, cert: stranger.certPem, key: stranger.keyPem }).status(),
    ).rejects.toThrow();
    // Of our authority but an agent's (serverAuth, CN an agent id): not a console — TLS refuses its purpose.
    await expect(
      client('tcp-token', { ca: consoleTls.ca, cert: agentCert.certPem, key: agentCert.keyPem }).status(),
    ).rejects.toThrow(/socket hang up|ECONNRESET|certificate/);
    expect((await client().status()).kind).toBe('vrouter');
  });

  it('the console refuses an agent whose certificate names another agent, and plain http:// endpoints', async () => {
    await expect(client('tcp-token', consoleTls, '22222222-2222-4222-8222-222222222222').status()).rejects.toThrow(
      /is not 22222222/,
    );
    await expect(AgentClient.fromEndpoint(`http://127.0.0.1:${port}`, 'tcp-token').status()).rejects.toThrow(
      /plain HTTP to an agent is refused/,
    );
  });

  it('rotation: new files and SIGHUP — the next connection gets the new certificate, with no restart', async () => {
    const pid = children.at(-1)!.pid!;
    const sighup = async (want: string) => {
      process.kill(pid, 'SIGHUP');
      let got = '';
      for (let i = 0; i < 50 && got !== want; i++) {
        await new Promise((r) => setTimeout(r, 100));
        got = await presented().catch(() => '');
      }
      return got;
    };
    expect(await presented()).toBe(agentCert.fingerprint);
    // A new certificate from the same authority.
    const renewed = await issueAgentCertificate(ca, AGENT_ID, ['127.0.0.1']);
    await writeAgentFiles(renewed);
    expect(await sighup(renewed.fingerprint)).toBe(renewed.fingerprint);
    expect((await client().status()).kind).toBe('vrouter');
    // The authority itself rotated: agent and console trust both while certificates move to the new one.
    const next = await authorityFrom(await newAuthority('CloudRouter agents CA (next)'));
    const moved = await issueAgentCertificate(next, AGENT_ID, ['127.0.0.1']);
    const both = `${ca.certPem.trim()}\n${next.certPem}`;
    await writeAgentFiles({ ...moved, caPem: both });
    expect(await sighup(moved.fingerprint)).toBe(moved.fingerprint);
    const newConsole = await issueConsoleCertificate(next);
    expect((await client('tcp-token', { ...consoleTls, ca: both }).status()).kind).toBe('vrouter');
    expect((await client('tcp-token', { ca: both, cert: newConsole.certPem, key: newConsole.keyPem }).status()).kind).toBe(
      'vrouter',
    );
    expect(children.at(-1)!.exitCode).toBeNull();
  });
});
