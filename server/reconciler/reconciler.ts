import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, lt, lte, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { agents } from '@/db/schema';
import { AgentCallError, AgentClient, type ClientTls } from '@/agent/client';
import { PROTOCOL_VERSION, type AgentStatus } from '@/agent/protocol/common';
import { HOST_PATCHING, HostConfigV1, type HostConfig } from '@/agent/protocol/host';
import { diffConfig, type ConfigPatch } from '@/agent/protocol/patch';
import { VROUTER_PATCHING, VRouterConfigV1, type VRouterConfig } from '@/agent/protocol/vrouter';
import { logger } from '@/lib/logger';
import { desiredHostConfig, desiredVRouterConfig } from '../desired';

type AgentRow = typeof agents.$inferSelect;

export interface ReconcilerOptions {
  /** Who holds leases (one per console process). */
  owner?: string;
  /** How long a lease lasts; a dead console's leases expire after this. */
  leaseMs?: number;
  /** Retry: base × 2^failures, at most `maxBackoffMs`. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Periodic resync: an in-sync agent is checked for drift this often. */
  resyncMs?: number;
  /** Agents handled per tick. */
  batch?: number;
  /** The DHCP namespace prefix of a host (the lab's own prefix in the lab). */
  namespacePrefixFor?(hostId: string): string;
  /** How to reach an agent; defaults to its stored endpoint (Unix socket, or HTTPS with `tls`). */
  clientFor?(agent: AgentRow): AgentLike | null;
  /** The console's certificate for agents reached over TCP (mutual TLS). */
  tls?: () => Promise<ClientTls>;
}

export interface AgentLike {
  putConfig(cfg: HostConfig | VRouterConfig): Promise<AgentStatus>;
  /** Optional: an agent without it always gets the whole config. */
  patchConfig?(p: ConfigPatch): Promise<AgentStatus>;
  status(): Promise<AgentStatus>;
  resync(): Promise<AgentStatus>;
}

/** An agent's client from its stored endpoint; over TCP it presents the console's certificate (mutual TLS). */
export function defaultClientFor(agent: AgentRow, tls?: () => Promise<ClientTls>): AgentLike | null {
  if (!agent.endpoint) return null;
  return AgentClient.fromEndpoint(agent.endpoint, agent.token, tls && { material: tls, agentId: agent.id });
}

/** An agent of another protocol version would misread our configs: say so rather than push. */
function speaksOurProtocol(status: AgentStatus): AgentStatus {
  if (status.protocolVersion !== PROTOCOL_VERSION) {
    throw new Error(
      `the agent speaks protocol version ${status.protocolVersion}, this console ${PROTOCOL_VERSION}: upgrade the agent to this console's`,
    );
  }
  return status;
}

/**
 * Level-triggered reconciliation. Each tick leases due agents with FOR UPDATE SKIP LOCKED (so
 * consoles sharing one PostgreSQL never push the same agent at once), pushes each its config when
 * it is behind (a patch against the config it last pushed, or the whole), or checks it for drift
 * when it is due, and records the outcome: applied generation and kernel hash, or the error with
 * capped exponential backoff.
 */
export class Reconciler {
  readonly owner: string;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly o: Required<Omit<ReconcilerOptions, 'owner'>>;
  /**
   * The config each agent last applied from this console: the base of the next change, sent as a
   * patch (issue 12: a change to a 10k router ships, parses and saves that change, not 20k rows). An
   * agent holding another generation (another console pushed, a wiped agent) answers CONFIG_BASE,
   * and gets the whole config.
   */
  private readonly pushed = new Map<string, HostConfig | VRouterConfig>();

  constructor(
    private readonly db: Db,
    opts: ReconcilerOptions = {},
  ) {
    this.owner = opts.owner ?? `console-${process.pid}-${randomUUID().slice(0, 8)}`;
    this.o = {
      leaseMs: opts.leaseMs ?? 30_000,
      baseBackoffMs: opts.baseBackoffMs ?? 500,
      maxBackoffMs: opts.maxBackoffMs ?? 60_000,
      resyncMs: opts.resyncMs ?? 30_000,
      batch: opts.batch ?? 16,
      namespacePrefixFor: opts.namespacePrefixFor ?? (() => 'crdhcp-'),
      clientFor: opts.clientFor ?? ((a) => defaultClientFor(a, opts.tls)),
      tls: opts.tls ?? (() => Promise.reject(new Error('this console has no TLS certificate for agents'))),
    };
  }

  /** Takes up to `batch` due agents under this owner's lease. */
  async lease(): Promise<AgentRow[]> {
    return this.db.transaction(async (tx) => {
      const now = sql`now()`;
      const due = await tx
        .select({ id: agents.id })
        .from(agents)
        .where(
          and(
            lte(agents.nextAttemptAt, now),
            or(isNull(agents.leaseUntil), lt(agents.leaseUntil, now)),
            or(
              lt(agents.appliedGeneration, agents.desiredGeneration),
              eq(agents.drift, true),
              isNull(agents.lastCheckedAt),
              lt(agents.lastCheckedAt, sql`now() - make_interval(secs => ${this.o.resyncMs / 1000})`),
            ),
          ),
        )
        .orderBy(asc(agents.nextAttemptAt))
        .limit(this.o.batch)
        .for('update', { skipLocked: true });
      if (due.length === 0) return [];
      const rows: AgentRow[] = [];
      for (const d of due) {
        const [row] = await tx
          .update(agents)
          .set({ leaseOwner: this.owner, leaseUntil: sql`now() + make_interval(secs => ${this.o.leaseMs / 1000})` })
          .where(eq(agents.id, d.id))
          .returning();
        rows.push(row!);
      }
      return rows;
    });
  }

  async compile(agent: AgentRow): Promise<HostConfig | VRouterConfig> {
    return agent.kind === 'host'
      ? desiredHostConfig(this.db, agent.id, agent.desiredGeneration, this.o.namespacePrefixFor(agent.id))
      : desiredVRouterConfig(this.db, agent.id, agent.desiredGeneration);
  }

  /** Brings one leased agent up to date; never throws. */
  async sync(agent: AgentRow): Promise<void> {
    const client = this.o.clientFor(agent);
    try {
      if (!client) throw new Error('the agent has no reachable endpoint yet');
      let status: AgentStatus;
      if (agent.appliedGeneration < agent.desiredGeneration) {
        status = await this.push(agent, client, await this.compile(agent));
      } else {
        status = speaksOurProtocol(await client.status());
        if (status.appliedGeneration < agent.desiredGeneration) {
          // The agent lost its state (reinstalled, wiped): full sync.
          this.pushed.delete(agent.id);
          status = await this.push(agent, client, await this.compile(agent));
        } else if (status.drift) {
          logger.warn({ agent: agent.id, kind: agent.kind }, 'drift: the kernel differs from the applied config; repairing');
          status = await client.resync();
        }
      }
      await this.db
        .update(agents)
        .set({
          appliedGeneration: sql`GREATEST(${agents.appliedGeneration}, ${status.appliedGeneration})`,
          kernelHash: status.kernelHash,
          drift: status.drift,
          failures: 0,
          lastError: null,
          lastAppliedAt: status.appliedGeneration > agent.appliedGeneration ? new Date() : agent.lastAppliedAt,
          lastCheckedAt: new Date(),
          nextAttemptAt: sql`now()`,
          leaseOwner: null,
          leaseUntil: null,
        })
        .where(and(eq(agents.id, agent.id), eq(agents.leaseOwner, this.owner)));
    } catch (err) {
      this.pushed.delete(agent.id);
      const failures = agent.failures + 1;
      const delay = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** Math.min(failures - 1, 20));
      const message = err instanceof AgentCallError ? err.message : (err as Error).message;
      // An agent without an endpoint yet is expected for a moment after it is created.
      const log = client ? logger.warn : logger.debug;
      log({ agent: agent.id, kind: agent.kind, failures, retryInMs: delay, err: message }, 'agent sync failed');
      await this.db
        .update(agents)
        .set({
          failures,
          lastError: message,
          lastErrorAt: new Date(),
          nextAttemptAt: sql`now() + make_interval(secs => ${delay / 1000})`,
          leaseOwner: null,
          leaseUntil: null,
        })
        .where(and(eq(agents.id, agent.id), eq(agents.leaseOwner, this.owner)));
    }
  }

  /** The change from what this console last pushed when the agent holds it, else the whole config. */
  private async push(agent: AgentRow, client: AgentLike, cfg: HostConfig | VRouterConfig): Promise<AgentStatus> {
    const base = this.pushed.get(agent.id);
    this.pushed.delete(agent.id);
    let status: AgentStatus | null = null;
    if (base && client.patchConfig && base.generation === agent.appliedGeneration && base.generation < cfg.generation) {
      const patch =
        agent.kind === 'host'
          ? diffConfig(HostConfigV1, HOST_PATCHING.keys, base, cfg)
          : diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, base, cfg);
      try {
        if (patch) status = await client.patchConfig({ version: PROTOCOL_VERSION, baseGeneration: base.generation, patch });
      } catch (err) {
        // Another base (CONFIG_BASE) or an agent without patches (NOT_FOUND): the whole config.
        const code = err instanceof AgentCallError ? err.error?.code : undefined;
        if (code !== 'CONFIG_BASE' && code !== 'NOT_FOUND') throw err;
      }
    }
    status = speaksOurProtocol(status ?? (await client.putConfig(cfg)));
    if (status.appliedGeneration === cfg.generation) this.pushed.set(agent.id, cfg);
    return status;
  }

  /** One round: lease what is due and sync it. Returns how many agents were handled. */
  async tick(): Promise<number> {
    const leased = await this.lease();
    await Promise.all(leased.map((a) => this.sync(a)));
    return leased.length;
  }

  /** Runs ticks every `intervalMs` (a tick that finds work runs again at once). */
  start(intervalMs = 250): void {
    if (this.timer) return;
    const loop = async () => {
      if (this.running) return;
      this.running = true;
      try {
        while ((await this.tick()) > 0 && this.timer) {
          /* keep going while there is work */
        }
      } catch (err) {
        logger.error({ err }, 'reconciler tick failed');
      } finally {
        this.running = false;
      }
    };
    this.timer = setInterval(() => void loop(), intervalMs);
    void loop();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }

  /** Resolves when every agent has applied its desired generation (tests, wizards). */
  async settle(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const behind = await this.db
        .select({ id: agents.id, lastError: agents.lastError })
        .from(agents)
        .where(lt(agents.appliedGeneration, agents.desiredGeneration));
      if (behind.length === 0) return;
      if (Date.now() > until)
        throw new Error(
          `agents not in sync after ${timeoutMs} ms: ${behind.map((b) => `${b.id} (${b.lastError ?? 'pending'})`).join(', ')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
