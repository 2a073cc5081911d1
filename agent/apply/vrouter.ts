import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VRouterConfig } from '../protocol/vrouter';
import { renderDnsForwarder } from '../render/dnsmasq';
import { parseIpAddr, parseIpRoute, planLinks, planVipDelta, ROUTE_PROTO } from '../render/links';
import { elementChanges, renderVRouterNft, renderVRouterNftDelta, VROUTER_TABLE, type NftDelta } from '../render/vrouter-nft';
import { run } from './exec';
import { pidAlive, writeIfChanged } from './files';

export interface VRouterPaths {
  stateDir: string;
  /** PID files and generated service configs. */
  runDir: string;
}

async function observe() {
  const [addr, route] = await Promise.all([run('ip', ['-j', 'addr', 'show']), run('ip', ['-j', '-N', 'route', 'show', 'table', 'main'])]);
  return { links: parseIpAddr(addr), routes: parseIpRoute(route) };
}

/** Our own dnsmasq: started from our config file, stopped by the PID in our pid file. */
async function syncDns(cfg: VRouterConfig, paths: VRouterPaths) {
  const conf = path.join(paths.runDir, 'dns.conf');
  const pidFile = path.join(paths.runDir, 'dns.pid');
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

/** What is really in the kernel for the parts this agent owns, as one hash. */
export async function vrouterKernelHash(cfg: VRouterConfig | null): Promise<string> {
  const h = createHash('sha256');
  h.update(await run('nft', ['list', 'table', 'ip', VROUTER_TABLE]).catch(() => '<no table>'));
  if (cfg) {
    const { links, routes } = await observe();
    const names = new Set(cfg.nics.map((n) => n.name));
    for (const l of links.filter((x) => names.has(x.name)).sort((a, b) => a.name.localeCompare(b.name))) {
      h.update(`${l.name} ${l.up} ${l.mtu} ${[...l.addresses].sort().join(',')}\n`);
    }
    for (const r of routes.filter((x) => x.protocol === String(ROUTE_PROTO))) h.update(`${r.destination} ${r.via} ${r.dev}\n`);
  }
  return h.digest('hex');
}

/**
 * Connections that must be forgotten when an EIP or a forwarded port moves or goes away, or old
 * flows keep reaching the old VM (FACTS.md). conntrack exits 1 when nothing matched: not an error.
 */
async function forgetFlows(changed: NftDelta['changed']) {
  const jobs: string[][] = [];
  for (const vip of changed.eip_dnat) jobs.push(['-D', '-d', vip], ['-D', '--reply-dst', vip]);
  for (const [proto, keys] of [['tcp', changed.pf_tcp], ['udp', changed.pf_udp]] as const) {
    for (const k of keys) {
      const [vip, port] = k.split(' . ');
      jobs.push(['-D', '-p', proto, '-d', vip!, '--dport', port!]);
    }
  }
  await Promise.all(jobs.map((args) => run('conntrack', args).catch(() => undefined)));
}

export interface ApplyOptions {
  /** The config applied last by this process; null → reconcile everything against the kernel. */
  previous: VRouterConfig | null;
}

/**
 * Makes the router match the config. Full path: forwarding on, links/addresses/routes by diff
 * against the kernel, the nftables table replaced in one transaction. Incremental path, taken when
 * the previous config differs only by services (EIPs, port forwards, VIPs): only the VIP addresses
 * and map elements that changed, so one more EIP costs the same on a router with 10,000 as on an
 * empty one. Either way, flows of moved or removed EIPs/ports are flushed, and the DNS forwarder is
 * restarted only when its file changed. Applying the same config twice changes nothing.
 */
export async function applyVRouter(cfg: VRouterConfig, paths: VRouterPaths, opts: ApplyOptions = { previous: null }): Promise<'full' | 'delta'> {
  const prev = opts.previous;
  const vipDelta = prev ? planVipDelta(prev, cfg) : null;
  const nftDelta = prev ? renderVRouterNftDelta(prev, cfg) : null;
  if (vipDelta && nftDelta) {
    if (vipDelta.length) await run('ip', ['-batch', '-'], { input: vipDelta.join('\n') + '\n' });
    if (nftDelta.text) await run('nft', ['-f', '-'], { input: nftDelta.text });
    await forgetFlows(nftDelta.changed);
    await syncDns(cfg, paths);
    return 'delta';
  }
  await fs.mkdir(paths.runDir, { recursive: true });
  await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  const batch = planLinks(await observe(), cfg);
  if (batch.length) await run('ip', ['-batch', '-'], { input: batch.join('\n') + '\n' });
  await run('nft', ['-f', '-'], { input: renderVRouterNft(cfg) });
  if (prev) await forgetFlows(elementChanges(prev, cfg).changed);
  await syncDns(cfg, paths);
  return 'full';
}
