import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VRouterConfig } from '../protocol/vrouter';
import { renderDnsForwarder } from '../render/dnsmasq';
import {
  linksUnchanged,
  parseIpAddr,
  parseIpRoute,
  parseVipRoutes,
  planLegacyVipRoutes,
  planLinks,
  ROUTE_PROTO,
} from '../render/links';
import { parseMapElements } from '../render/nft';
import {
  expectedCounts,
  FLUSHED_MAPS,
  observedCounts,
  flowsToForget,
  mapName,
  renderVRouterNft,
  renderVRouterNftDelta,
  VROUTER_ARP_TABLE,
  VROUTER_TABLE,
  type NftDelta,
} from '../render/vrouter-nft';
import { nftRead, run } from './exec';
import { pidAlive, writeIfChanged } from './files';

export interface VRouterPaths {
  stateDir: string;
  /** PID files and generated service configs. */
  runDir: string;
}

async function observe() {
  const [addr, route, local] = await Promise.all([
    run('ip', ['-j', 'addr', 'show']),
    run('ip', ['-j', '-N', 'route', 'show', 'table', 'main']),
    run('ip', ['-j', '-N', 'route', 'show', 'table', 'local']),
  ]);
  return { links: parseIpAddr(addr), routes: parseIpRoute(route), vips: parseVipRoutes(local) };
}

const ipBatch = (lines: string[]) =>
  lines.length ? run('ip', ['-batch', '-'], { input: lines.join('\n') + '\n' }) : Promise.resolve('');

const dnsFiles = (paths: VRouterPaths) => ({
  conf: path.join(paths.runDir, 'dns.conf'),
  pidFile: path.join(paths.runDir, 'dns.pid'),
});

/** Our own dnsmasq: started from our config file, stopped by the PID in our pid file. */
async function syncDns(cfg: VRouterConfig, paths: VRouterPaths) {
  const { conf, pidFile } = dnsFiles(paths);
  const text = renderDnsForwarder(cfg, { pidFile });
  const running = await pidAlive(pidFile);
  if (text === null) {
    if (running) process.kill(running, 'SIGTERM');
    await fs.rm(conf, { force: true });
    return;
  }
  const changed = await writeIfChanged(conf, text);
  if (running && !changed) return;
  if (running) {
    process.kill(running, 'SIGTERM');
    for (let i = 0; i < 50 && (await pidAlive(pidFile)); i++) await new Promise((r) => setTimeout(r, 20));
  }
  await run('dnsmasq', [`--conf-file=${conf}`]);
}

/** Sysctls a router sets to 1 on a full apply and watches for drift: forwarding, and binding VIPs not held as addresses. */
const ROUTER_SYSCTLS = ['/proc/sys/net/ipv4/ip_forward', '/proc/sys/net/ipv4/ip_nonlocal_bind'];

/**
 * What must hold whatever the snapshot (R-HITLESS-1), checked against the config rather than a hash
 * taken after the apply — so a change by hand is drift at any moment: the sysctls routing and the
 * VIPs' ARP rely on are on, the DNS forwarder the config asks for runs. Each broken one, in words.
 */
export async function vrouterInvariants(cfg: VRouterConfig | null, paths: VRouterPaths): Promise<string[]> {
  if (!cfg) return [];
  const broken: string[] = [];
  for (const sysctl of ROUTER_SYSCTLS) {
    const value = (await fs.readFile(sysctl, 'utf8').catch(() => '?')).trim();
    if (value !== '1') broken.push(`${path.basename(sysctl)} is ${value}`);
  }
  if (cfg.dns && !(await pidAlive(dnsFiles(paths).pidFile))) broken.push('the DNS forwarder is not running');
  // Rules per chain and elements per map/set, against what the config renders to.
  const listings = await Promise.all([
    nftRead(['-j', 'list', 'table', 'ip', VROUTER_TABLE]).catch(() => '{"nftables": []}'),
    nftRead(['-j', 'list', 'table', 'netdev', VROUTER_ARP_TABLE]).catch(() => '{"nftables": []}'),
  ]);
  const want = expectedCounts(cfg);
  const have = observedCounts(listings);
  for (const [chain, n] of want.rules)
    if (have.rules.get(chain) !== n) broken.push(`chain ${chain} has ${have.rules.get(chain) ?? 'no'} rules, expected ${n}`);
  for (const [set, n] of want.elements)
    if (have.elements.get(set) !== n) broken.push(`${set} has ${have.elements.get(set) ?? 'no'} elements, expected ${n}`);
  return broken;
}

/** What is really in the kernel for the parts this agent owns, as one hash. `signal` abandons the read (it rejects). */
export async function vrouterKernelHash(cfg: VRouterConfig | null, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  h.update(await nftRead(['list', 'table', 'ip', VROUTER_TABLE], signal).catch(() => '<no table>'));
  h.update(await nftRead(['list', 'table', 'netdev', VROUTER_ARP_TABLE], signal).catch(() => '<no arp table>'));
  signal?.throwIfAborted();
  if (cfg) {
    const { links, routes, vips } = await observe();
    const names = new Set(cfg.nics.map((n) => n.name));
    for (const l of links.filter((x) => names.has(x.name)).sort((a, b) => a.name.localeCompare(b.name))) {
      h.update(`${l.name} ${l.up} ${l.mtu} ${[...l.addresses].sort().join(',')}\n`);
    }
    for (const r of routes.filter((x) => x.protocol === String(ROUTE_PROTO))) h.update(`${r.destination} ${r.via} ${r.dev}\n`);
    for (const v of vips.map((x) => `${x.ip} ${x.nic}`).sort()) h.update(`legacy vip route ${v}\n`);
  }
  return h.digest('hex');
}

/**
 * Connections that must be forgotten when an EIP or a forwarded port moves or goes away, or old
 * flows keep reaching the old VM (FACTS.md). conntrack exits 1 when nothing matched: not an error.
 */
async function forgetFlows(changed: NftDelta['changed']) {
  const jobs: string[][] = [];
  for (const vip of changed.get(mapName.eipDnat) ?? []) jobs.push(['-D', '-d', vip], ['-D', '--reply-dst', vip]);
  for (const proto of ['tcp', 'udp'] as const) {
    for (const k of changed.get(mapName.pf(proto)) ?? []) {
      const [vip, port] = k.split(' . ');
      jobs.push(['-D', '-p', proto, '-d', vip!, '--dport', port!]);
    }
  }
  await Promise.all(jobs.map((args) => run('conntrack', args).catch(() => undefined)));
}

/**
 * What the maps that steer flows (EIP DNAT, port forwarding) hold in the kernel now, before a full
 * apply replaces them: their flows must be forgotten where the new config maps a key elsewhere or
 * not at all. Read only on the full path (first apply, drift repair, restore after a change), and
 * only when the table exists: O(N), ~0.2 s at 10k port forwards.
 */
async function kernelMaps(): Promise<Map<string, Map<string, string>>> {
  const out = new Map<string, Map<string, string>>();
  await Promise.all(
    FLUSHED_MAPS.map(async (m) => {
      const json = await run('nft', ['-j', 'list', 'map', 'ip', VROUTER_TABLE, m]).catch(() => null);
      if (json) out.set(m, parseMapElements(json));
    }),
  );
  return out;
}

async function tableExists(): Promise<boolean> {
  return (await run('nft', ['list', 'tables', 'ip'])).split('\n').some((l) => l.trim() === `table ip ${VROUTER_TABLE}`);
}

/**
 * Gratuitous ARP for VIPs that just appeared: the upstream gateway updates a stale or incomplete
 * entry at once instead of after its ARP retry (~1 s), which matters most when a VIP moves between
 * routers. The VIP is no address of the router, hence `ip_nonlocal_bind` (set at the full apply).
 * Not awaited; at most 64 per apply (a whole table loading after a restart announces none).
 */
function announceVips(added: Array<{ ip: string; nic: string }>) {
  if (added.length > 64) return;
  for (const v of added) void run('busybox', ['arping', '-U', '-c', '1', '-I', v.nic, '-s', v.ip, v.ip]).catch(() => undefined);
}

export interface ApplyOptions {
  /** The config applied last by this process; null → reconcile everything against the kernel. */
  previous: VRouterConfig | null;
}

/**
 * Makes the router match the config.
 * Incremental path (the previous config was applied by this process): only what changed — chains
 * that differ, map and VIP-set elements added and deleted — in one `nft -f` transaction without
 * reading the kernel, and links/routes by diff only when NICs or routes changed; one more EIP
 * costs about the same on a router with 10,000 as on an empty one. Full path (first apply, resync,
 * after a failure): forwarding on, links/addresses/routes by diff against the kernel, beside the tables
 * replaced whole — skeleton and every element — in one transaction (R-HITLESS-1), after reading the
 * flow-steering maps so that flows the new config maps elsewhere are forgotten.
 * Either way, flows of moved or removed EIPs/ports are flushed, new VIPs are announced, and the
 * DNS forwarder is restarted only when its file changed. Applying the same config twice changes
 * nothing.
 */
export async function applyVRouter(
  cfg: VRouterConfig,
  paths: VRouterPaths,
  opts: ApplyOptions = { previous: null },
): Promise<'full' | 'delta'> {
  const prev = opts.previous;
  if (prev) {
    const delta = renderVRouterNftDelta(prev, cfg);
    // NICs or routes changed (a route table entry): those are few; read them and fix by diff.
    const links = linksUnchanged(prev, cfg) ? null : observe().then((observed) => ipBatch(planLinks(observed, cfg)));
    // Both settle before a failure is reported: a rollback must never race a change still in flight.
    const done = await Promise.allSettled([links, delta.text ? run('nft', ['-f', '-'], { input: delta.text }) : null]);
    for (const r of done) if (r.status === 'rejected') throw r.reason;
    announceVips(delta.addedVips);
    await forgetFlows(delta.changed);
    await syncDns(cfg, paths);
    return 'delta';
  }
  await fs.mkdir(paths.runDir, { recursive: true });
  for (const sysctl of ROUTER_SYSCTLS) await fs.writeFile(sysctl, '1');
  const reading = Promise.all([observe(), tableExists().then((yes) => (yes ? kernelMaps() : null))]);
  // Rendered while the kernel is read (~30 ms each at 10k EIPs + 10k port forwards).
  const text = renderVRouterNft(cfg);
  const [observed, before] = await reading;
  // Links and tables are apart: changed side by side, both settled before a failure is reported.
  const done = await Promise.allSettled([
    ipBatch([...planLinks(observed, cfg), ...planLegacyVipRoutes(observed.vips)]),
    run('nft', ['-f', '-'], { input: text }),
  ]);
  for (const r of done) if (r.status === 'rejected') throw r.reason;
  announceVips(cfg.vips);
  if (before) await forgetFlows(flowsToForget(before, cfg));
  await syncDns(cfg, paths);
  return 'full';
}
