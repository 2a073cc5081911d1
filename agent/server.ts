import { timingSafeEqual } from 'node:crypto';
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { PROTOCOL_VERSION, type AgentError, type AgentErrorCode, type AgentStatus } from './protocol/common';
import { fastParser } from './protocol/fast-parse';
import { applyPatch, ConfigPatch, type Patching } from './protocol/patch';

export interface AgentSpec<C extends { generation: number }> {
  kind: 'host' | 'vrouter';
  id: string;
  schema: z.ZodType<C>;
  /** How a config of this kind is patched (PATCH /v1/config). */
  patching: Patching<C>;
  /** `previous`: the config this process applied last, or null when the kernel must be reconciled whole (first apply, resync, restore). */
  apply(cfg: C, previous: C | null): Promise<void>;
  /** `signal`: the read was made stale by an apply; it should stop and reject. */
  kernelHash(cfg: C | null, signal?: AbortSignal): Promise<string>;
  /** What must hold for the config whatever the snapshot (sysctls on, daemons running): each broken one, in words. */
  invariants(cfg: C | null): Promise<string[]>;
  /** Live counters of what the config runs (GET /v1/stats), when the agent has any. */
  stats?(cfg: C | null): Promise<unknown>;
  stateDir: string;
  log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

const MAX_BODY = 32 * 1024 * 1024;

/** While the kernel holds neither the new config nor the last good one, the last good one is retried this often. */
const RETRY_MS = 3000;
/** A saved config gets this many patches appended before it is written whole again. */
const MAX_SAVED_PATCHES = 64;
/**
 * Idle time after an apply before the agent reads the kernel for its reference hash: at least this,
 * and twice what the last read took (a read of a big table waits for a pause worth its cost).
 */
const REFERENCE_IDLE_MS = 100;
const REFERENCE_IDLE_MAX_MS = 2000;
/** The kernel hash in an answer given before the agent has read the kernel after an apply. */
export const HASH_PENDING = 'pending';

interface SavedReference {
  generation: number;
  kernelHash: string;
}

/**
 * An agent's state is its last applied config and a reference hash of the kernel taken right after
 * applying it. Applies run one at a time. The last good config is kept on disk so that a restarted
 * agent converges at once, before the reconciler calls — and with it the reference hash, so that a
 * restarted agent whose kernel still matches changes nothing (R-HITLESS-1).
 *
 * The reference hash is taken off the answer's path: reading a router's tables costs O(N) (~0.4 s at
 * 10k EIPs, FACTS.md), more than applying a change to them. An apply answers as soon as the kernel
 * and the saved file hold the config, and the agent reads the kernel once idle for 100 ms (or twice
 * what its last read took, up to 2 s), at the lowest CPU priority. An apply arriving meanwhile stops
 * the read (it is stale: the epoch moved) rather than sharing the CPU with it — a burst of changes
 * at 10k EIPs would otherwise pay a ~0.4 s read beside each; the next pause takes it again. The
 * price: a change by hand within that moment after an apply is taken as part of it (before, the
 * same held for the time of the read).
 */
export class Agent<C extends { generation: number }> {
  private current: C | null = null;
  /** After a failed apply the kernel may hold part of it: the next apply reconciles whole. */
  private needFull = true;
  private appliedKernelHash = '';
  /** Odd while the kernel is being changed; every change moves it by two. */
  private epoch = 0;
  private referencePending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private referenceTimer: NodeJS.Timeout | undefined;
  private inflight: { epoch: number; cfg: C | null; read: Promise<string | null>; stop: AbortController } | null = null;
  /** How long the last reference read took: the next one waits for a pause twice as long. */
  private lastReadMs = 0;
  /** Requests wait for the restore after a restart: a status of "nothing applied" would make the server push a full config. */
  private restoring: Promise<unknown> = Promise.resolve();
  private lastError: AgentStatus['lastError'] = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly startedAt = new Date().toISOString();
  /** The schema's parse, compiled: a whole config at 10k EIPs in milliseconds rather than a tenth of a second. */
  private readonly parse: (json: unknown) => z.ZodSafeParseResult<C>;
  constructor(private readonly spec: AgentSpec<C>) {
    this.parse = fastParser(spec.schema, spec.patching.issues);
  }

  private get savedPath() {
    return path.join(this.spec.stateDir, 'config.json');
  }
  /** Patches applied since `config.json` was written, one JSON line each (a change does not rewrite a 10k config). */
  private get patchLogPath() {
    return path.join(this.spec.stateDir, 'config.patches.jsonl');
  }
  private savedPatches = 0;
  private get referencePath() {
    return path.join(this.spec.stateDir, 'kernel-hash.json');
  }

  /** One apply at a time; a failed one does not stop the next. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs a change to the kernel with the epoch odd, so that reads overlapping it know they are stale. */
  private async changing(cfg: C, previous: C | null): Promise<void> {
    this.inflight?.stop.abort();
    this.epoch++;
    this.referencePending = true;
    this.appliedKernelHash = HASH_PENDING;
    try {
      await this.spec.apply(cfg, previous);
    } finally {
      this.epoch++;
    }
  }

  /**
   * After a restart: when the kernel still matches the saved config (the hash taken after it was
   * applied), adopts it and changes nothing; otherwise re-applies it whole.
   */
  restore(): Promise<'adopted' | 'reapplied' | 'none'> {
    const done = this.restoreSaved();
    this.restoring = done.catch(() => undefined);
    return done;
  }

  private async restoreSaved(): Promise<'adopted' | 'reapplied' | 'none'> {
    const text = await fs.readFile(this.savedPath, 'utf8').catch(() => null);
    if (!text) return 'none';
    const parsed = this.parse(safeJson(text));
    if (!parsed.success) {
      this.spec.log('warn', 'saved config does not parse; waiting for the server', { error: parsed.error.message });
      return 'none';
    }
    let cfg = parsed.data;
    // Patches saved since: each one based on the config before it (a line older than the config — the
    // config was written whole after it — is skipped).
    const lines = ((await fs.readFile(this.patchLogPath, 'utf8').catch(() => '')) || '').split('\n').filter(Boolean);
    for (const line of lines) {
      const p = ConfigPatch.safeParse(safeJson(line));
      if (!p.success || p.data.baseGeneration < cfg.generation) continue;
      const merged = p.data.baseGeneration === cfg.generation ? this.merge(cfg, p.data) : null;
      if (!merged?.ok) {
        this.spec.log('warn', 'a saved patch does not apply; restoring the config before it', { generation: cfg.generation });
        break;
      }
      cfg = merged.value;
    }
    this.savedPatches = lines.length;
    const ref = await readJson<SavedReference>(this.referencePath);
    const adopted = await this.serial(async () => {
      if (ref?.generation !== cfg.generation) return false;
      if ((await this.spec.invariants(cfg)).length > 0) return false;
      if ((await this.spec.kernelHash(cfg)) !== ref.kernelHash) return false;
      this.current = cfg;
      this.needFull = false;
      this.appliedKernelHash = ref.kernelHash;
      return true;
    });
    if (adopted) {
      this.spec.log('info', 'the kernel matches the saved config: adopted, nothing changed', { generation: cfg.generation });
      return 'adopted';
    }
    this.spec.log('info', 'the kernel differs from the saved config: re-applying it', { generation: cfg.generation });
    await this.apply(cfg, true).catch(() => undefined);
    return 'reapplied';
  }

  /**
   * Serialized: one sync at a time. `force` re-applies whole even when the generation is not newer.
   * `text`: the config as it came (PUT), saved as it is instead of serialized again.
   */
  apply(cfg: C, force = false, text?: string, checkMs?: number): Promise<void> {
    return this.serial(() => this.applyNow(cfg, { force, text, checkMs }));
  }

  /** The config a patch makes of `base`: each value it brings checked with its own schema, then the checks across the whole. */
  private merge(base: C, p: ConfigPatch): { ok: true; value: C } | { ok: false; issues: unknown[] } {
    const merged = applyPatch(this.spec.schema, this.spec.patching.keys, base, p.patch);
    if (!merged.ok) return merged;
    const issues = this.spec.patching.issues(merged.value);
    return issues.length ? { ok: false, issues } : merged;
  }

  /**
   * PATCH /v1/config, serialized like an apply: the patch must be based on the generation applied
   * now (else CONFIG_BASE: the server sends the whole config); the patched config is applied as a
   * change from the current one, and the patch appended to the saved config.
   */
  patch(p: ConfigPatch): Promise<void> {
    return this.serial(async () => {
      const base = this.current;
      if (!base || base.generation !== p.baseGeneration)
        throw agentError(
          'CONFIG_BASE',
          `the patch is based on generation ${p.baseGeneration}, the agent holds ${base?.generation ?? 'none'}`,
        );
      const t0 = performance.now();
      const merged = this.merge(base, p);
      const checkMs = performance.now() - t0;
      if (!merged.ok) {
        this.spec.log('warn', 'refused an invalid patch; the last good config stays', { issues: merged.issues.length });
        throw agentError(
          'CONFIG_INVALID',
          'the patch does not give a valid config; the last good config stays in force',
          merged.issues,
        );
      }
      if (merged.value.generation <= base.generation)
        throw agentError('CONFIG_STALE', `a patch must move the generation past ${base.generation}`);
      await this.applyNow(merged.value, { patch: p, checkMs });
    });
  }

  private async applyNow(
    cfg: C,
    opts: { force?: boolean; patch?: ConfigPatch; checkMs?: number; text?: string } = {},
  ): Promise<void> {
    const { force = false, patch, checkMs } = opts;
    const t0 = performance.now();
    if (!force && this.current && cfg.generation < this.current.generation) {
      throw agentError('CONFIG_STALE', `generation ${cfg.generation} is older than the applied ${this.current.generation}`);
    }
    clearTimeout(this.retryTimer);
    await fs.mkdir(this.spec.stateDir, { recursive: true });
    // A whole config that came as text is written beside the apply, and put in place once in force.
    const staged =
      !patch && opts.text !== undefined ? fs.writeFile(`${this.savedPath}.tmp`, opts.text, { mode: 0o600 }) : undefined;
    try {
      await this.changing(cfg, force || this.needFull ? null : this.current);
    } catch (err) {
      await staged?.catch(() => undefined);
      await fs.rm(`${this.savedPath}.tmp`, { force: true });
      const message = (err as Error).message;
      this.spec.log('error', 'apply failed', { generation: cfg.generation, error: message });
      const recovery = await this.rollBack(cfg);
      this.lastError = { code: 'APPLY_FAILED', message, at: new Date().toISOString(), recovery };
      throw agentError('APPLY_FAILED', message);
    }
    this.current = cfg;
    this.needFull = false;
    this.lastError = null;
    const t1 = performance.now();
    await fs.rm(this.referencePath, { force: true });
    await this.save(cfg, patch, staged);
    this.scheduleReference();
    // How long each part took, for whoever wonders where an apply's time goes.
    const ms = (x: number) => Math.round(x * 10) / 10;
    this.spec.log('info', 'applied', {
      generation: cfg.generation,
      ...(patch ? { patch: true } : {}),
      ...(checkMs !== undefined ? { checkMs: ms(checkMs) } : {}),
      applyMs: ms(t1 - t0),
      saveMs: ms(performance.now() - t1),
    });
  }

  /**
   * A patch is appended to the saved config; every so many, or for a whole config, the config is
   * written whole (`staged`: already being written from the text it came as).
   */
  private async save(cfg: C, patch?: ConfigPatch, staged?: Promise<void>) {
    if (patch && this.savedPatches < MAX_SAVED_PATCHES) {
      await fs.appendFile(this.patchLogPath, JSON.stringify(patch) + '\n', { mode: 0o600 });
      this.savedPatches++;
      return;
    }
    await (staged ?? fs.writeFile(`${this.savedPath}.tmp`, JSON.stringify(cfg), { mode: 0o600 }));
    await fs.rename(`${this.savedPath}.tmp`, this.savedPath);
    await fs.rm(this.patchLogPath, { force: true });
    this.savedPatches = 0;
  }

  /**
   * An apply failed part-way: the kernel may hold some of it. Puts the last good config back whole
   * ('rolled-back'); when that fails too, or there is none, the kernel is left to a retry
   * ('retrying': the agent retries the last good config every few seconds, the server its own).
   */
  private async rollBack(failed: C): Promise<'rolled-back' | 'retrying'> {
    this.needFull = true;
    const good = this.current;
    if (!good) return 'retrying';
    if (good === failed) {
      this.scheduleRetry(good);
      return 'retrying';
    }
    try {
      await this.changing(good, null);
      this.needFull = false;
      this.scheduleReference();
      this.spec.log('warn', 'rolled back to the last good config', { generation: good.generation });
      return 'rolled-back';
    } catch (err) {
      this.spec.log('error', 'rollback failed; retrying', { generation: good.generation, error: (err as Error).message });
      this.scheduleRetry(good);
      return 'retrying';
    }
  }

  private scheduleRetry(good: C) {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      void this.serial(async () => {
        if (this.current !== good || !this.needFull) return;
        try {
          await this.changing(good, null);
          this.needFull = false;
          if (this.lastError) this.lastError = { ...this.lastError, recovery: 'rolled-back' };
          this.scheduleReference();
          this.spec.log('info', 'the last good config is back in force', { generation: good.generation });
        } catch {
          this.scheduleRetry(good);
        }
      });
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /**
   * The reference is read once the agent has been idle for a moment: a burst of applies (a
   * reconciler catching up) reads the kernel once, and never competes with the next apply for CPU.
   * A status request in the meantime reads it at once.
   */
  private scheduleReference() {
    this.referencePending = true;
    this.appliedKernelHash = HASH_PENDING;
    clearTimeout(this.referenceTimer);
    const idle = Math.min(REFERENCE_IDLE_MAX_MS, Math.max(REFERENCE_IDLE_MS, 2 * this.lastReadMs));
    this.referenceTimer = setTimeout(() => void this.takeReference().catch(() => null), idle);
    this.referenceTimer.unref();
  }

  /**
   * Reads the kernel as the reference for drift, now, beside whatever comes next, and saves it
   * beside the config. Discarded when an apply overlapped the read (that apply takes its own).
   */
  private takeReference(): Promise<string | null> {
    clearTimeout(this.referenceTimer);
    const epoch = this.epoch;
    const cfg = this.current;
    // One read at a time per applied state: a status arriving while the timer's read runs shares it.
    if (this.inflight?.epoch === epoch && this.inflight.cfg === cfg) return this.inflight.read;
    const stop = new AbortController();
    const read = (async () => {
      if (!cfg) return null;
      const t0 = performance.now();
      const kernelHash = await this.spec.kernelHash(cfg, stop.signal).catch(() => null);
      if (!stop.signal.aborted) this.lastReadMs = performance.now() - t0;
      if (kernelHash === null || this.epoch !== epoch || this.current !== cfg) return null;
      this.appliedKernelHash = kernelHash;
      this.referencePending = false;
      const ref: SavedReference = { generation: cfg.generation, kernelHash };
      const tmp = `${this.referencePath}.${process.pid}.tmp`;
      await fs
        .writeFile(tmp, JSON.stringify(ref), { mode: 0o600 })
        .then(() => fs.rename(tmp, this.referencePath))
        .catch((err: Error) =>
          this.spec.log('warn', 'could not save the kernel hash; a restart re-applies', { error: err.message }),
        );
      return kernelHash;
    })().finally(() => {
      if (this.inflight?.read === read) this.inflight = null;
    });
    this.inflight = { epoch, cfg, read, stop };
    return read;
  }

  /** Reads the kernel: drift when it no longer matches the reference taken after the last apply. */
  async status(): Promise<AgentStatus> {
    // A reference still to take (an apply just ended) is taken now, and is this status's reading.
    const fresh = this.referencePending && this.epoch % 2 === 0 ? await this.takeReference() : null;
    const epoch = this.epoch;
    const kernelHash = fresh ?? (await this.spec.kernelHash(this.current));
    const broken = await this.spec.invariants(this.current);
    // A read that overlapped an apply says nothing about drift: the next status decides.
    const settled = epoch === this.epoch && epoch % 2 === 0;
    return this.statusWith(settled ? kernelHash : HASH_PENDING, settled ? broken : []);
  }

  private statusWith(kernelHash: string, broken: string[] = []): AgentStatus {
    return {
      kind: this.spec.kind,
      id: this.spec.id,
      protocolVersion: PROTOCOL_VERSION,
      appliedGeneration: this.current?.generation ?? 0,
      kernelHash,
      appliedKernelHash: this.appliedKernelHash,
      drift:
        this.current !== null &&
        (broken.length > 0 ||
          (kernelHash !== HASH_PENDING && this.appliedKernelHash !== HASH_PENDING && kernelHash !== this.appliedKernelHash)),
      ...(broken.length ? { broken } : {}),
      lastError: this.lastError,
      startedAt: this.startedAt,
    };
  }

  /** The answer to an apply: the kernel has not been read again (see the class comment). */
  private appliedStatus(): AgentStatus {
    return this.statusWith(this.appliedKernelHash);
  }

  currentConfig(): C | null {
    return this.current;
  }

  /** Handles PUT and PATCH /v1/config, GET /v1/status and POST /v1/resync (re-apply the current config). */
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
        await this.restoring;
        if (req.method === 'GET' && req.url === '/v1/status') return send(200, await this.status());
        if (req.method === 'GET' && req.url === '/v1/stats' && this.spec.stats)
          return send(200, await this.spec.stats(this.current));
        if (req.method === 'POST' && req.url === '/v1/resync') {
          if (!this.current) return send(409, agentError('NOT_FOUND', 'no config applied yet'));
          await this.apply(this.current, true);
          return send(200, this.appliedStatus());
        }
        if (req.method === 'PUT' && req.url === '/v1/config') {
          const body = await readBody(req);
          const t0 = performance.now();
          let json: unknown;
          try {
            json = JSON.parse(body);
          } catch {
            return send(400, agentError('CONFIG_INVALID', 'the body is not JSON'));
          }
          const parsed = this.parse(json);
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
          await this.apply(parsed.data, false, body, performance.now() - t0);
          return send(200, this.appliedStatus());
        }
        if (req.method === 'PATCH' && req.url === '/v1/config') {
          const parsed = ConfigPatch.safeParse(safeJson(await readBody(req)));
          if (!parsed.success)
            return send(400, agentError('CONFIG_INVALID', 'the body is not a config patch', parsed.error.issues));
          await this.patch(parsed.data);
          return send(200, this.appliedStatus());
        }
        return send(404, agentError('NOT_FOUND', `${req.method} ${req.url}`));
      } catch (err) {
        const e = err as AgentError & { status?: number };
        if (e.code === 'CONFIG_STALE' || e.code === 'CONFIG_BASE') return send(409, e);
        if (e.code === 'CONFIG_INVALID') return send(400, e);
        if (e.code === 'APPLY_FAILED') return send(500, e);
        return send(500, agentError('APPLY_FAILED', (err as Error).message));
      }
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function readJson<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return null;
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
