import fs from 'node:fs/promises';
import path from 'node:path';
import type { LbListener, LbListenerStats, VRouterConfig, VRouterStats } from '../protocol/vrouter';
import { HealthState, probeUdp } from '../health/udp';
import { haproxyListenerOf, haproxyNames, renderHaproxy, type HaproxyListener } from '../render/haproxy';
import {
  LB_COUNT_TABLE,
  LB_UDP_TABLE,
  parseUdpCounters,
  renderUdpCountTable,
  renderUdpTable,
  type UdpListener,
} from '../render/udp-lb';
import { nftRead, run } from './exec';
import { pidAlive, writeIfChanged } from './files';
import { haproxyFiles, readHaproxyStats, syncHaproxy } from './haproxy';

/**
 * A vRouter's load balancer listeners (SPEC R-LB-2 … R-LB-5), applied after the router's own state:
 * - TCP, HTTP and HTTPS: the router's haproxy (`apply/haproxy.ts`), its certificates in files only
 *   it reads, and each listener VIP a local address (`ip route … table local`, protocol 240): a VIP
 *   answered by the ARP responder alone is routed, never delivered to haproxy (FACTS.md);
 * - UDP: the kernel's DNAT rules in their own table (`render/udp-lb.ts`), listing the backends the
 *   agent's own checks find healthy (rise/fall as the seed words them); a state change reloads the
 *   table in one transaction.
 * Drift: haproxy not running, a VIP route missing or extra, or a UDP table that does not hold the
 * rules the agent loaded is reported by `invariants`, and the reconciler's resync applies it again.
 * An agent restart leaves all of it as it is: haproxy runs on (same file, no reload), and the UDP
 * checks start from the backends the kernel's rules list.
 */

/** Marks the local routes of listener VIPs: a number iproute2 names no routing daemon after (the vRouter's own routes use 188). */
export const LB_ROUTE_PROTO = 240;

type Log = (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
type Paths = { runDir: string };

const isTcpFamily = (l: LbListener) => l.protocol !== 'udp';
const certDir = (p: Paths) => path.join(p.runDir, 'lb-certs');
const certFile = (p: Paths, id: string) => path.join(certDir(p), `${id}.pem`);

/** The haproxy listeners of a config (TCP, HTTP, HTTPS), with the file each HTTPS one reads its certificate from. */
export function haproxyListeners(cfg: VRouterConfig, paths: Paths): HaproxyListener[] {
  return cfg.listeners
    .filter(isTcpFamily)
    .map((l) => haproxyListenerOf(l, l.certificateId ? certFile(paths, l.certificateId) : null));
}

/** Listener VIPs that must be local addresses: those of TCP-family listeners that are no NIC's own address. */
export function listenerVipRoutes(cfg: VRouterConfig): string[] {
  const own = new Set(cfg.nics.flatMap((n) => n.addresses.map((a) => a.split('/')[0]!)));
  return [...new Set(cfg.listeners.filter(isTcpFamily).map((l) => l.vip))].filter((v) => !own.has(v)).sort();
}

async function observedVipRoutes(): Promise<string[]> {
  const json = await run('ip', ['-j', '-N', 'route', 'show', 'table', 'local', 'proto', String(LB_ROUTE_PROTO)]);
  return (JSON.parse(json || '[]') as Array<{ dst: string }>).map((r) => r.dst.replace(/\/32$/, '')).sort();
}

async function syncVipRoutes(want: string[]) {
  const have = await observedVipRoutes();
  const lines = [
    ...have.filter((v) => !want.includes(v)).map((v) => `route del local ${v}/32 dev lo table local proto ${LB_ROUTE_PROTO}`),
    ...want.filter((v) => !have.includes(v)).map((v) => `route replace local ${v}/32 dev lo table local proto ${LB_ROUTE_PROTO}`),
  ];
  if (lines.length) await run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' });
}

/** Certificate files (0600) for the config's HTTPS listeners; `prune` removes those no longer named. */
async function syncCertificates(cfg: VRouterConfig, paths: Paths, prune: boolean) {
  await fs.mkdir(certDir(paths), { recursive: true, mode: 0o700 });
  for (const c of cfg.certificates) await writeIfChanged(certFile(paths, c.id), c.pem, 0o600);
  if (!prune) return;
  const keep = new Set(cfg.certificates.map((c) => `${c.id}.pem`));
  for (const f of await fs.readdir(certDir(paths))) if (!keep.has(f)) await fs.rm(path.join(certDir(paths), f), { force: true });
}

/**
 * The most connections haproxy can hold here: two descriptors each (client and server side) and
 * the pipes it splices through, within the hard limit on open files it inherits, less a margin for
 * listeners, checks and sockets (haproxy refuses to start past the limit).
 */
export async function processMaxConnections(): Promise<number> {
  const limits = await fs.readFile('/proc/self/limits', 'utf8').catch(() => '');
  const hard = /^Max open files\s+\S+\s+(\S+)/m.exec(limits)?.[1];
  const n = hard === undefined || hard === 'unlimited' ? 1_048_576 : Number(hard);
  // Two descriptors a connection, and splicing's pipes (a quarter of the connections, two each): 2.5; 3 leaves a margin.
  return Math.max(256, Math.floor((n - 1000) / 3));
}

/** The backends each UDP listener's rule in the kernel lists now (after an agent restart: where the checks left off). */
async function kernelUdpBackends(): Promise<Map<string, Set<string>> | null> {
  const text = await nftRead(['list', 'table', 'ip', LB_UDP_TABLE]).catch(() => null);
  if (text === null) return null;
  const out = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const id = /comment "lb udp=([0-9a-f-]{36})"/.exec(line)?.[1];
    if (!id) continue;
    const to = line.split(' dnat ip to ')[1] ?? '';
    out.set(id, new Set([...to.matchAll(/(\d+\.\d+\.\d+\.\d+)(?: \.|:)/g)].map((m) => m[1]!)));
  }
  return out;
}

const sameListeners = (a: VRouterConfig, b: VRouterConfig) =>
  a.listeners.length === b.listeners.length &&
  a.certificates.length === b.certificates.length &&
  JSON.stringify([a.listeners, a.certificates, a.nics]) === JSON.stringify([b.listeners, b.certificates, b.nics]);

/** UDP flows in conntrack's listing: original destination (VIP, port) and the reply's source (the VM). */
export function openUdpFlows(listing: string): Array<{ vip: string; port: number; backend: string }> {
  const out: Array<{ vip: string; port: number; backend: string }> = [];
  for (const line of listing.split('\n')) {
    const dst = [...line.matchAll(/\bdst=(\S+)/g)].map((m) => m[1]!);
    const src = [...line.matchAll(/\bsrc=(\S+)/g)].map((m) => m[1]!);
    const dport = /\bdport=(\d+)/.exec(line)?.[1];
    if (dst.length < 2 || src.length < 2 || !dport) continue;
    out.push({ vip: dst[0]!, port: Number(dport), backend: src[1]! });
  }
  return out;
}

interface UdpCheck {
  listener: LbListener;
  states: Map<string, HealthState>;
  timer: NodeJS.Timeout;
  busy: boolean;
}

export class LoadBalancing {
  private checks = new Map<string, UdpCheck>();
  /** The UDP table's text as last loaded, and its rule count. */
  private loaded: { text: string; rules: number } | null = null;
  /** The counting table's text as last loaded, and its rule count. */
  private loadedCounts: { text: string; rules: number } | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private started = false;

  constructor(
    private readonly paths: Paths,
    private readonly log: Log,
  ) {}

  /** One change of the UDP table at a time: an apply and a health-state change never interleave. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const p = this.queue.then(job);
    this.queue = p.catch(() => undefined);
    return p;
  }

  /**
   * Makes the router's listeners match the config: VIP routes, certificates and haproxy (checked,
   * then reloaded through its master: established connections stay), then the UDP checks and
   * table. `full`: the kernel may differ from what this process last did (first apply, resync).
   */
  async apply(cfg: VRouterConfig, previous: VRouterConfig | null): Promise<void> {
    const full = previous === null;
    // A change elsewhere (an EIP, a route) costs nothing here.
    if (!full && sameListeners(previous, cfg)) return;
    await syncVipRoutes(listenerVipRoutes(cfg));
    await syncCertificates(cfg, this.paths, false);
    const tcp = haproxyListeners(cfg, this.paths);
    const text = tcp.length
      ? renderHaproxy(tcp, { statsSocket: haproxyFiles(this.paths).stats, processMaxConnections: await processMaxConnections() })
      : null;
    const did = await syncHaproxy(text, this.paths);
    if (did !== 'unchanged') this.log('info', `haproxy ${did}`, { listeners: tcp.length });
    await syncCertificates(cfg, this.paths, true);
    await this.serial(() => this.applyUdp(cfg, full));
  }

  private async applyUdp(cfg: VRouterConfig, full: boolean) {
    const udp = cfg.listeners.filter((l) => l.protocol === 'udp');
    // After a restart, each check starts from what the kernel's rule lists; otherwise new backends start healthy.
    const kernel = !this.started ? await kernelUdpBackends() : null;
    this.started = true;
    const keep = new Set(udp.map((l) => l.id));
    for (const [id, c] of this.checks)
      if (!keep.has(id)) {
        clearInterval(c.timer);
        this.checks.delete(id);
      }
    for (const l of udp) {
      const prev = this.checks.get(l.id);
      const same =
        prev &&
        prev.listener.healthCheck.intervalSeconds === l.healthCheck.intervalSeconds &&
        prev.listener.healthCheck.healthyThreshold === l.healthCheck.healthyThreshold &&
        prev.listener.healthCheck.unhealthyThreshold === l.healthCheck.unhealthyThreshold;
      const states = new Map<string, HealthState>();
      for (const b of l.backends) {
        const was = prev?.states.get(b.ip);
        const inKernel = kernel?.get(l.id);
        const initial = kernel && !(inKernel?.has(b.ip) ?? false) ? 'unhealthy' : 'healthy';
        states.set(
          b.ip,
          same && was ? was : new HealthState(l.healthCheck.healthyThreshold, l.healthCheck.unhealthyThreshold, initial),
        );
      }
      if (prev && same) {
        prev.listener = l;
        prev.states = states;
        continue;
      }
      if (prev) clearInterval(prev.timer);
      const check: UdpCheck = {
        listener: l,
        states,
        busy: false,
        timer: setInterval(() => void this.probe(l.id), l.healthCheck.intervalSeconds * 1000),
      };
      check.timer.unref();
      this.checks.set(l.id, check);
    }
    await this.loadUdp(full);
  }

  /** The UDP table for the current listeners and health; loaded when it differs from what was loaded (always when `force`). */
  private async loadUdp(force: boolean) {
    const listeners: UdpListener[] = [...this.checks.values()].map(({ listener: l, states }) => ({
      id: l.id,
      vip: l.vip,
      lbPort: l.lbPort,
      vmPort: l.vmPort,
      algorithm: l.algorithm === 'least-connections' ? 'round-robin' : l.algorithm,
      backends: l.backends.filter((b) => states.get(b.ip)?.healthy),
    }));
    const table = renderUdpTable(listeners);
    const counts = renderUdpCountTable([...this.checks.values()].map(({ listener: l }) => l));
    // One transaction for both when both changed; the counting table only when the listeners did.
    const texts = [
      ...(force || this.loadedCounts?.text !== counts.text ? [counts.text] : []),
      ...(force || this.loaded?.text !== table.text ? [table.text] : []),
    ];
    if (texts.length === 0) return;
    await run('nft', ['-f', '-'], { input: texts.join('') });
    this.loaded = table;
    this.loadedCounts = counts;
  }

  /** One round of a UDP listener's checks; a backend crossing its threshold reloads the table. */
  private async probe(listenerId: string) {
    const c = this.checks.get(listenerId);
    if (!c || c.busy) return;
    c.busy = true;
    try {
      const l = c.listener;
      const timeoutMs = Math.min(2000, l.healthCheck.intervalSeconds * 1000);
      const results = await Promise.all(
        l.backends.map(async (b) => [b.ip, await probeUdp(b.ip, l.healthCheck.port ?? l.vmPort, { timeoutMs })] as const),
      );
      let changed = false;
      const failed: string[] = [];
      for (const [ip, result] of results) {
        const state = c.states.get(ip);
        if (state?.record(result === 'answered')) {
          changed = true;
          if (!state.healthy) failed.push(ip);
          this.log('info', `UDP backend ${ip} is ${state.healthy ? 'healthy' : 'unhealthy'}`, { listener: l.id, result });
        }
      }
      if (changed && this.checks.get(listenerId) === c) await this.serial(() => this.loadUdp(false));
      // Flows already steered to a failed backend would stay on it (conntrack): they are forgotten, so
      // their next datagram is a new flow that the rule sends to a healthy one (as LVS's expire_nodest_conn).
      for (const ip of failed)
        await run('conntrack', [
          '-D',
          '-p',
          'udp',
          '--orig-dst',
          l.vip,
          '--orig-port-dst',
          String(l.lbPort),
          '--reply-src',
          ip,
        ]).catch(() => undefined);
    } catch (err) {
      this.log('warn', 'UDP health check failed', { listener: listenerId, error: (err as Error).message });
    } finally {
      c.busy = false;
    }
  }

  /** Health of every backend the agent checks itself (UDP), by listener and backend address. */
  udpHealth(): Record<string, Record<string, boolean>> {
    return Object.fromEntries(
      [...this.checks].map(([id, c]) => [id, Object.fromEntries([...c.states].map(([ip, s]) => [ip, s.healthy]))]),
    );
  }

  /**
   * R-LB-6: each listener's connections (current, total) and bytes each way, and each backend's with
   * its health — haproxy's stats for TCP, HTTP and HTTPS; for UDP the table's counters (flows and
   * bytes per backend) and conntrack for the flows open now. Read when asked, never per packet.
   */
  async stats(cfg: VRouterConfig | null): Promise<VRouterStats> {
    const out: LbListenerStats[] = [];
    const listeners = cfg?.listeners ?? [];
    const tcp = listeners.filter(isTcpFamily);
    const rows = tcp.length ? await readHaproxyStats(this.paths).catch(() => null) : null;
    for (const l of tcp) {
      const fe = rows?.find((r) => r.pxname === haproxyNames.frontend(l.id) && r.svname === 'FRONTEND');
      const prefix = haproxyNames.backendPrefix(l.id);
      out.push({
        id: l.id,
        current: fe?.scur ?? 0,
        total: fe?.stot ?? 0,
        bytesIn: fe?.bin ?? 0,
        bytesOut: fe?.bout ?? 0,
        backends: l.backends.map((b) => {
          const sv = rows?.find((r) => r.pxname.startsWith(prefix) && r.svname === haproxyNames.server(b.nicId));
          const status = sv?.status ?? '';
          return {
            nicId: b.nicId,
            health: status.startsWith('UP') ? 'healthy' : status.startsWith('DOWN') ? 'unhealthy' : 'unchecked',
            current: sv?.scur ?? 0,
            total: sv?.stot ?? 0,
            bytesIn: sv?.bin ?? 0,
            bytesOut: sv?.bout ?? 0,
          };
        }),
      });
    }
    const udp = listeners.filter((l) => l.protocol === 'udp');
    if (udp.length) {
      const [json, flows] = await Promise.all([
        nftRead(['-j', 'list', 'table', 'ip', LB_COUNT_TABLE]).catch(() => null),
        run('conntrack', ['-L', '-p', 'udp']).catch(() => ''),
      ]);
      const counters = json ? parseUdpCounters(json) : new Map();
      const open = openUdpFlows(flows);
      for (const l of udp) {
        const byNic = counters.get(l.id);
        const states = this.checks.get(l.id)?.states;
        const backends = l.backends.map((b) => {
          const c = byNic?.get(b.nicId);
          const state = states?.get(b.ip);
          return {
            nicId: b.nicId,
            health: (state ? (state.healthy ? 'healthy' : 'unhealthy') : 'unchecked') as 'healthy' | 'unhealthy' | 'unchecked',
            current: open.filter((f) => f.vip === l.vip && f.port === l.lbPort && f.backend === b.ip).length,
            total: c?.new.packets ?? 0,
            bytesIn: c?.in.bytes ?? 0,
            bytesOut: c?.out.bytes ?? 0,
          };
        });
        const sum = (k: 'current' | 'total' | 'bytesIn' | 'bytesOut') => backends.reduce((n, b) => n + b[k], 0);
        out.push({
          id: l.id,
          current: sum('current'),
          total: sum('total'),
          bytesIn: sum('bytesIn'),
          bytesOut: sum('bytesOut'),
          backends,
        });
      }
    }
    return { generation: cfg?.generation ?? 0, at: new Date().toISOString(), listeners: out };
  }

  /** What no longer holds for the listeners (part of drift): haproxy, the VIP routes, the UDP table. */
  async invariants(cfg: VRouterConfig | null): Promise<string[]> {
    if (!cfg) return [];
    const broken: string[] = [];
    const tcp = cfg.listeners.some(isTcpFamily);
    const running = await pidAlive(haproxyFiles(this.paths).pidFile);
    if (tcp && !running) broken.push('haproxy is not running');
    const want = listenerVipRoutes(cfg);
    const have = await observedVipRoutes().catch((): string[] => []);
    for (const v of want) if (!have.includes(v)) broken.push(`listener VIP ${v} is not a local address`);
    for (const v of have) if (!want.includes(v)) broken.push(`${v} is a local address no listener needs`);
    for (const [table, loaded] of [
      [LB_UDP_TABLE, this.loaded],
      [LB_COUNT_TABLE, this.loadedCounts],
    ] as const) {
      if (!loaded) continue;
      const json = await nftRead(['-j', 'list', 'table', 'ip', table]).catch(() => null);
      const rules = json === null ? -1 : (JSON.parse(json) as { nftables: object[] }).nftables.filter((x) => 'rule' in x).length;
      if (rules !== loaded.rules)
        broken.push(rules < 0 ? `table ${table} is missing` : `table ${table} has ${rules} rules, expected ${loaded.rules}`);
    }
    return broken;
  }
}
