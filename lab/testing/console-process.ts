import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { NetnsLab } from '../netns';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

export interface ConsoleProcess {
  child: ChildProcess;
  /** Everything the console printed so far. */
  out(): string;
  /** Its reconciler's lease owner, once started. */
  owner(): string | null;
}

/**
 * The production build (`next start`) as an administrator runs it, with `env` on top of ours, in its
 * own process group; resolves once its reconciler started (the server boots on its first request).
 */
export async function startBuiltConsole(env: Record<string, string>): Promise<ConsoleProcess> {
  await fs.access(path.join(process.cwd(), '.next', 'BUILD_ID')).catch(() => {
    throw new Error('this test runs the production build: run `npx next build` first (scripts/test.sh does)');
  });
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const owner = () => {
    const line = out.split('\n').find((l) => l.includes('"reconciler started"'));
    return line ? (JSON.parse(line) as { owner: string }).owner : null;
  };
  for (let i = 0; i < 300 && !owner(); i++) {
    if (child.exitCode !== null) throw new Error(`the console exited: ${out}`);
    await fetch(`http://127.0.0.1:${port}/login`).catch(() => undefined);
    await sleep(100);
  }
  if (!owner()) throw new Error(`the console did not start its reconciler: ${out}`);
  return { child, out: () => out, owner };
}

/** What `conn-load.mjs` reports. */
export interface ConnLoad {
  target: string;
  attempted: number;
  ok: number;
  failed: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  failures: unknown[];
}

const LOADER = path.join(process.cwd(), 'lab', 'testing', 'conn-load.mjs');

/** New TCP connections from a lab namespace at `rate` per second for `ms` (lab/testing/conn-load.mjs). */
export async function connLoad(
  lab: NetnsLab,
  ns: string,
  host: string,
  port: number,
  rate: number,
  ms: number,
): Promise<ConnLoad> {
  const out = await lab.exec(ns, process.execPath, [LOADER, host, String(port), String(rate), String(ms)], {
    timeoutMs: ms + 30_000,
  });
  return JSON.parse(out.trim().split('\n').pop()!) as ConnLoad;
}

/** One line per load, for the test's output and the figures. */
export const describeLoads = (loads: ConnLoad[]) =>
  loads.map((r) => `${r.target} ${r.attempted} connections ${r.perSecond}/s p99 ${r.p99} ms max ${r.max} ms`).join('; ');
