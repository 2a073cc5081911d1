import { eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { agents, lbListeners, lbListenerSamples } from '@/db/schema';
import { AgentClient, type ClientTls } from '@/agent/client';
import type { VRouterStats } from '@/agent/protocol/vrouter';
import { logger } from '@/lib/logger';

type AgentRow = typeof agents.$inferSelect;

export interface LbStatsOptions {
  /** How often the vRouter agents are asked (the console's chart moves at this pace). */
  intervalMs?: number;
  /** How long samples are kept. */
  keepMs?: number;
  /** How to ask an agent for its counters; defaults to its stored endpoint. */
  statsOf?(agent: AgentRow): Promise<VRouterStats> | null;
  tls?: () => Promise<ClientTls>;
}

/**
 * R-LB-6: collects every vRouter agent's listener counters (GET /v1/stats — haproxy's stats and
 * the kernel's counters, read by the agent) every few seconds into `lb_listener_samples`, and
 * forgets samples older than an hour. A sample's time is the agent's, rounded to the interval, so
 * consoles sharing one database write each sample once. An agent that does not answer is skipped
 * until the next round; the reconciler reports it.
 */
export class LbStatsCollector {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private readonly intervalMs: number;
  private readonly keepMs: number;

  constructor(
    private readonly db: Db,
    private readonly o: LbStatsOptions = {},
  ) {
    this.intervalMs = o.intervalMs ?? 5000;
    this.keepMs = o.keepMs ?? 3_600_000;
  }

  private statsOf(agent: AgentRow): Promise<VRouterStats> | null {
    if (this.o.statsOf) return this.o.statsOf(agent);
    if (!agent.endpoint) return null;
    return AgentClient.fromEndpoint(
      agent.endpoint,
      agent.token,
      this.o.tls && { material: this.o.tls, agentId: agent.id },
    ).stats();
  }

  /** One round: ask each vRouter agent, store what it says. Returns the samples written. */
  async collect(): Promise<number> {
    const routers = await this.db.select().from(agents).where(eq(agents.kind, 'vrouter'));
    const answers = await Promise.all(
      routers.map(async (a) => {
        try {
          return (await this.statsOf(a)) ?? null;
        } catch (err) {
          logger.debug({ agent: a.id, err: (err as Error).message }, 'listener stats not read');
          return null;
        }
      }),
    );
    const stats = answers.flatMap((a) => (a ? a.listeners.map((l) => ({ ...l, at: a.at })) : []));
    let written = 0;
    if (stats.length) {
      // A listener deleted since the agent's last config is not sampled.
      const known = new Set(
        (
          await this.db
            .select({ id: lbListeners.id })
            .from(lbListeners)
            .where(
              inArray(
                lbListeners.id,
                stats.map((s) => s.id),
              ),
            )
        ).map((r) => r.id),
      );
      const rows = stats
        .filter((s) => known.has(s.id))
        .map((s) => ({
          listenerId: s.id,
          at: new Date(Math.floor(Date.parse(s.at) / this.intervalMs) * this.intervalMs),
          current: s.current,
          total: s.total,
          bytesIn: s.bytesIn,
          bytesOut: s.bytesOut,
          backends: s.backends,
        }));
      if (rows.length) await this.db.insert(lbListenerSamples).values(rows).onConflictDoNothing();
      written = rows.length;
    }
    await this.db
      .delete(lbListenerSamples)
      .where(lt(lbListenerSamples.at, sql`now() - make_interval(secs => ${this.keepMs / 1000})`));
    return written;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.collect()
        .catch((err) => logger.error({ err }, 'listener stats collection failed'))
        .finally(() => (this.running = false));
    }, this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    while (this.running) await new Promise((r) => setTimeout(r, 20));
  }
}
