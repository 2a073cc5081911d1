import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import type { z } from 'zod';
import { PROTOCOL_VERSION, type AgentError, type AgentErrorCode, type AgentStatus } from './protocol/common';

export interface AgentSpec<C extends { generation: number }> {
  kind: 'host' | 'vrouter';
  id: string;
  schema: z.ZodType<C>;
  /** `previous`: the config this process applied last, or null when the kernel must be reconciled whole (first apply, resync, restore). */
  apply(cfg: C, previous: C | null): Promise<void>;
  kernelHash(cfg: C | null): Promise<string>;
  stateDir: string;
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

const MAX_BODY = 32 * 1024 * 1024;

/**
 * An agent's state is its last applied config and the hash of the kernel right after applying it.
 * The only lock is "one sync at a time". The last good config is kept on disk so that a restarted
 * agent converges at once, before the reconciler calls.
 */
export class Agent<C extends { generation: number }> {
  private current: C | null = null;
  /** After a failed apply the kernel may hold part of it: the next apply reconciles whole. */
  private needFull = true;
  private appliedKernelHash = '';
  private lastError: AgentStatus['lastError'] = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly startedAt = new Date().toISOString();
  constructor(private readonly spec: AgentSpec<C>) {}

  private get savedPath() {
    return path.join(this.spec.stateDir, 'config.json');
  }

  /** Restores and re-applies the last good config (after a restart). */
  async restore(): Promise<void> {
    const text = await fs.readFile(this.savedPath, 'utf8').catch(() => null);
    if (!text) return;
    const parsed = this.spec.schema.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.spec.log('warn', 'saved config does not parse; waiting for the server', { error: parsed.error.message });
      return;
    }
    await this.apply(parsed.data, true).catch(() => undefined);
  }

  /** Serialized: one sync at a time. `force` re-applies even when the generation is not newer. */
  apply(cfg: C, force = false): Promise<void> {
    const job = this.queue.then(async () => {
      if (!force && this.current && cfg.generation < this.current.generation) {
        throw agentError('CONFIG_STALE', `generation ${cfg.generation} is older than the applied ${this.current.generation}`);
      }
      try {
        await this.spec.apply(cfg, force || this.needFull ? null : this.current);
      } catch (err) {
        this.needFull = true;
        this.lastError = { code: 'APPLY_FAILED', message: (err as Error).message, at: new Date().toISOString() };
        this.spec.log('error', 'apply failed', { generation: cfg.generation, error: (err as Error).message });
        throw agentError('APPLY_FAILED', (err as Error).message);
      }
      this.current = cfg;
      this.needFull = false;
      this.lastError = null;
      this.appliedKernelHash = await this.spec.kernelHash(cfg);
      await fs.mkdir(this.spec.stateDir, { recursive: true });
      await fs.writeFile(`${this.savedPath}.tmp`, JSON.stringify(cfg), { mode: 0o600 });
      await fs.rename(`${this.savedPath}.tmp`, this.savedPath);
      this.spec.log('info', 'applied', { generation: cfg.generation });
    });
    this.queue = job.catch(() => undefined);
    return job;
  }

  async status(): Promise<AgentStatus> {
    const kernelHash = await this.spec.kernelHash(this.current);
    return {
      kind: this.spec.kind,
      id: this.spec.id,
      protocolVersion: PROTOCOL_VERSION,
      appliedGeneration: this.current?.generation ?? 0,
      kernelHash,
      appliedKernelHash: this.appliedKernelHash,
      drift: this.current !== null && kernelHash !== this.appliedKernelHash,
      lastError: this.lastError,
      startedAt: this.startedAt,
    };
  }

  /** The status right after an apply: the kernel hash was just taken, no need to read the kernel again. */
  private appliedStatus(): AgentStatus {
    return {
      kind: this.spec.kind,
      id: this.spec.id,
      protocolVersion: PROTOCOL_VERSION,
      appliedGeneration: this.current?.generation ?? 0,
      kernelHash: this.appliedKernelHash,
      appliedKernelHash: this.appliedKernelHash,
      drift: false,
      lastError: this.lastError,
      startedAt: this.startedAt,
    };
  }

  currentConfig(): C | null {
    return this.current;
  }

  /** Handles PUT /v1/config, GET /v1/status and POST /v1/resync (re-apply the current config). */
  handler(token: string): http.RequestListener {
    const expected = Buffer.from(`Bearer ${token}`);
    return async (req, res) => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const given = Buffer.from(req.headers.authorization ?? '');
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        return send(401, agentError('UNAUTHORIZED', 'missing or wrong agent token'));
      try {
        if (req.method === 'GET' && req.url === '/v1/status') return send(200, await this.status());
        if (req.method === 'POST' && req.url === '/v1/resync') {
          if (!this.current) return send(409, agentError('NOT_FOUND', 'no config applied yet'));
          await this.apply(this.current, true);
          return send(200, this.appliedStatus());
        }
        if (req.method === 'PUT' && req.url === '/v1/config') {
          const body = await readBody(req);
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            return send(400, agentError('CONFIG_INVALID', 'the body is not JSON'));
          }
          const parsed = this.spec.schema.safeParse(json);
          if (!parsed.success) {
            this.spec.log('warn', 'refused an invalid config; the last good one stays', { issues: parsed.error.issues.length });
            return send(
              400,
              agentError(
                'CONFIG_INVALID',
                'the config does not match the protocol; the last good config stays in force',
                parsed.error.issues,
              ),
            );
          }
          await this.apply(parsed.data);
          return send(200, this.appliedStatus());
        }
        return send(404, agentError('NOT_FOUND', `${req.method} ${req.url}`));
      } catch (err) {
        const e = err as AgentError & { status?: number };
        if (e.code === 'CONFIG_STALE') return send(409, e);
        if (e.code === 'APPLY_FAILED') return send(500, e);
        return send(500, agentError('APPLY_FAILED', (err as Error).message));
      }
    };
  }
}

function agentError(code: AgentErrorCode, message: string, details?: unknown): AgentError {
  return { code, message, ...(details === undefined ? {} : { details }) };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('config too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Listens on a Unix socket only the owner may open. */
export async function listenUnix(server: http.Server, socketPath: string): Promise<void> {
  await fs.mkdir(path.dirname(socketPath), { recursive: true });
  await fs.rm(socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => resolve());
  });
  await fs.chmod(socketPath, 0o600);
}
