import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { AgentClient } from './client';
import { labDescribe } from '../lab/testing';
import { agentCommand } from '../lab/agents';

/**
 * A real host's agent listens on HTTP (--listen) with its token. Only status and a refused config are
 * exercised, so nothing is applied to the root namespace (the agent only reads `nft list`).
 */
let child: ChildProcess | undefined;
let dir: string | undefined;

await labDescribe('agent over HTTP on the management network', () => {
  afterAll(async () => {
    if (child?.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers its token over TCP, refuses others, and refuses a malformed config', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-tcp-'));
    await fs.writeFile(path.join(dir, 'token'), 'tcp-token\n');
    const port = await new Promise<number>((resolve) => {
      const s = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const entry = await agentCommand('vrouter');
    child = spawn(
      process.execPath,
      [
        ...entry,
        '--id',
        '11111111-1111-4111-8111-111111111111',
        '--listen',
        `127.0.0.1:${port}`,
        '--token-file',
        path.join(dir, 'token'),
        '--state-dir',
        path.join(dir, 'state'),
        '--run-dir',
        path.join(dir, 'run'),
      ],
      { stdio: 'ignore' },
    );
    const client = AgentClient.fromEndpoint(`http://127.0.0.1:${port}`, 'tcp-token');
    let status;
    for (let i = 0; i < 100 && !status; i++) {
      status = await client.status().catch(() => undefined);
      if (!status) await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toMatchObject({ kind: 'vrouter', appliedGeneration: 0, lastError: null });
    await expect(AgentClient.fromEndpoint(`http://127.0.0.1:${port}`, 'wrong').status()).rejects.toMatchObject({ status: 401 });
    await expect(client.putRaw('{"version":1}')).rejects.toMatchObject({ status: 400, error: { code: 'CONFIG_INVALID' } });
    expect((await client.status()).appliedGeneration).toBe(0);
  });
});
