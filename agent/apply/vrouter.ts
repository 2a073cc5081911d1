import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { VRouterConfig } from '../protocol/vrouter';
import { renderDnsForwarder } from '../render/dnsmasq';
import { parseIpAddr, parseIpRoute, planLinks, ROUTE_PROTO } from '../render/links';
import { renderVRouterNft, VROUTER_TABLE } from '../render/vrouter-nft';
import { run } from './exec';
import { pidAlive, writeIfChanged } from './files';

export interface VRouterPaths {
  stateDir: string;
  /** PID files and generated service configs. */
  runDir: string;
}

async function observe() {
  const [addr, route] = await Promise.all([run('ip', ['-j', 'addr', 'show']), run('ip', ['-j', 'route', 'show', 'table', 'main'])]);
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
 * Makes the router match the config: forwarding on, links/addresses/routes by diff, the nftables
 * table replaced in one transaction, the DNS forwarder restarted only when its file changed.
 * Applying the same config twice changes nothing.
 */
export async function applyVRouter(cfg: VRouterConfig, paths: VRouterPaths): Promise<void> {
  await fs.mkdir(paths.runDir, { recursive: true });
  await fs.writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  const batch = planLinks(await observe(), cfg);
  if (batch.length) await run('ip', ['-batch', '-'], { input: batch.join('\n') + '\n' });
  await run('nft', ['-f', '-'], { input: renderVRouterNft(cfg) });
  await syncDns(cfg, paths);
}
