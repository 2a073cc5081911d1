import fs from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import type { z } from 'zod';
import { agentLogger } from './log';
import type { Patching } from './protocol/patch';
import { Agent, listenUnix } from './server';
import { TlsAgentServer } from './tls';

/**
 * The common life of an agent process: read --id, --socket, --token-file and --state-dir, listen on
 * the Unix socket (--run-dir for PID files), re-apply the last good config, exit on SIGTERM. Stopping an agent leaves the data
 * plane serving: a restart or an upgrade must not interrupt traffic.
 */
export async function runAgent<C extends { generation: number }>(opts: {
  kind: 'host' | 'vrouter';
  schema: z.ZodType;
  patching: Patching<C>;
  apply(cfg: C, dirs: { stateDir: string; runDir: string }, previous: C | null): Promise<unknown>;
  kernelHash(cfg: C | null, dirs: { stateDir: string; runDir: string }, signal?: AbortSignal): Promise<string>;
  invariants(cfg: C | null, dirs: { stateDir: string; runDir: string }): Promise<string[]>;
  stats?(cfg: C | null, dirs: { stateDir: string; runDir: string }): Promise<unknown>;
}) {
  const { values } = parseArgs({
    options: {
      id: { type: 'string' },
      socket: { type: 'string' },
      listen: { type: 'string' },
      'token-file': { type: 'string' },
      'state-dir': { type: 'string' },
      'run-dir': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
    },
  });
  if (!values.id || !(values.socket || values.listen) || !values['token-file'] || !values['state-dir']) {
    process.stderr.write(
      `usage: ${opts.kind}-agent --id ID (--socket PATH | --listen HOST:PORT --tls-cert FILE --tls-key FILE --tls-ca FILE) ` +
        `--token-file FILE --state-dir DIR [--run-dir DIR]\n`,
    );
    process.exit(2);
  }
  if (values.listen && !(values['tls-cert'] && values['tls-key'] && values['tls-ca'])) {
    process.stderr.write(
      `${opts.kind}-agent: --listen needs --tls-cert, --tls-key and --tls-ca: plain HTTP on the network is refused ` +
        `(a token in clear would let anyone there reprogram this host)\n`,
    );
    process.exit(2);
  }
  const stateDir = values['state-dir'];
  // PID files and generated service configs live in the run directory: an agent reinstalled with its
  // state wiped still finds the services it started (and stops them by PID).
  const runDir = values['run-dir'] ?? `/run/cloudrouter/${opts.kind}-${values.id}`;
  const log = agentLogger(opts.kind, values.id);
  const token = fs.readFileSync(values['token-file'], 'utf8').trim();
  const agent = new Agent<C>({
    kind: opts.kind,
    id: values.id,
    schema: opts.schema as z.ZodType<C>,
    patching: opts.patching,
    apply: async (cfg, previous) => void (await opts.apply(cfg, { stateDir, runDir }, previous)),
    kernelHash: (cfg, signal) => opts.kernelHash(cfg, { stateDir, runDir }, signal),
    invariants: (cfg) => opts.invariants(cfg, { stateDir, runDir }),
    ...(opts.stats ? { stats: (cfg: C | null) => opts.stats!(cfg, { stateDir, runDir }) } : {}),
    stateDir,
    log,
  });
  let server: http.Server;
  if (values.socket) {
    server = http.createServer(agent.handler(token));
    await listenUnix(server, values.socket);
    log('info', 'listening', { socket: values.socket });
  } else {
    // On a real host: HTTPS on the management network, mutual TLS, and every request carrying the agent's token.
    const m = /^(.+):(\d+)$/.exec(values.listen!);
    if (!m) throw new Error(`--listen takes HOST:PORT, got ${values.listen}`);
    const files = { cert: values['tls-cert']!, key: values['tls-key']!, ca: values['tls-ca']! };
    const tls = new TlsAgentServer(files, agent.handler(token), log);
    server = tls.server;
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(Number(m[2]), m[1], () => resolve()));
    log('info', 'listening', { address: values.listen, tls: tls.describe() });
    // Certificate rotation: new files in place, then SIGHUP; connections from then on use them.
    process.on('SIGHUP', () => {
      try {
        tls.reload();
        log('info', 'TLS certificate reloaded', { tls: tls.describe() });
      } catch (err) {
        log('error', 'TLS certificate not reloaded; the previous one stays', { error: (err as Error).message });
      }
    });
  }
  const restored = await agent.restore();
  log('info', 'started', { restored });
  const stop = () => {
    server.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
