import fs from 'node:fs/promises';
import path from 'node:path';
import { AgentClient } from '../agent/client';
import type { NetnsLab } from './netns';

const SOURCE = { host: 'agent/host/main.ts', vrouter: 'agent/vrouter/main.ts' } as const;
const BUNDLE = { host: 'dist/agents/host.mjs', vrouter: 'dist/agents/vrouter.mjs' } as const;

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, await newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, (await fs.stat(p)).mtimeMs);
  }
  return newest;
}

/**
 * The bundled agent (`npm run build:agents`) when it is newer than every agent source, else the
 * sources through tsx — a stale bundle never runs.
 */
export async function agentCommand(kind: 'host' | 'vrouter'): Promise<string[]> {
  const bundled = await fs.stat(BUNDLE[kind]).catch(() => null);
  if (bundled && bundled.mtimeMs >= (await newestSource('agent'))) return [BUNDLE[kind]];
  return ['--import', 'tsx', SOURCE[kind]];
}

export interface StartedAgent {
  client: AgentClient;
  pid: number;
  log: string;
}

/**
 * Starts an agent inside a lab namespace, listening on a Unix socket under `dir`, with its own token.
 * Host agents enter only the network namespace (they create DHCP namespaces); vRouter agents run
 * under `ip netns exec`.
 */
export async function startAgent(
  lab: NetnsLab,
  opts: { kind: 'host' | 'vrouter'; ns: string; id: string; dir: string; token: string },
): Promise<StartedAgent> {
  const base = path.join(opts.dir, `${opts.kind}-${opts.ns}`);
  await fs.mkdir(base, { recursive: true });
  const socket = path.join(base, 'agent.sock');
  const tokenFile = path.join(base, 'token');
  const log = path.join(base, 'agent.log');
  await fs.writeFile(tokenFile, `${opts.token}\n`, { mode: 0o600 });
  await fs.rm(socket, { force: true });
  const args = [
    ...(await agentCommand(opts.kind)),
    '--id',
    opts.id,
    '--socket',
    socket,
    '--token-file',
    tokenFile,
    '--state-dir',
    path.join(base, 'state'),
    '--run-dir',
    path.join(base, 'run'),
  ];
  const child =
    opts.kind === 'host'
      ? lab.spawnNetOnly(opts.ns, process.execPath, args, log)
      : lab.spawn(opts.ns, process.execPath, args, log);
  for (let i = 0; i < 300; i++) {
    if (await fs.stat(socket).catch(() => null)) return { client: new AgentClient(socket, opts.token), pid: child.pid!, log };
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${opts.kind} agent in ${opts.ns} did not start: ${await fs.readFile(log, 'utf8').catch(() => '')}`);
}
