import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { deviceNames, type HostConfig, type HostDhcp } from '../protocol/host';
import { jsonEqual } from '../protocol/patch';
import { renderDhcpConf, renderDhcpHosts } from '../render/host-dhcp';
import { parseIpLinkDetailed, planFdb, planHostLinks } from '../render/host-links';
import { HOST_TABLE, renderHostNft } from '../render/host-nft';
import { renderHostSg, renderHostSgDelta, SG_TABLE } from '../render/host-sg';
import { nftRead, run } from './exec';
import { pidAlive, writeIfChanged } from './files';

export interface HostPaths {
  /** DHCP leases (persistent). */
  stateDir: string;
  /** PID files and generated dnsmasq configs. */
  runDir: string;
}

async function observeLinks() {
  return parseIpLinkDetailed(await run('ip', ['-j', '-d', 'link', 'show']));
}

async function observeFdb(devs: string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const dev of devs) {
    const entries = JSON.parse((await run('bridge', ['-j', 'fdb', 'show', 'dev', dev]).catch(() => '[]')) || '[]') as Array<{
      mac: string;
      dst?: string;
    }>;
    out.set(
      dev,
      entries.filter((e) => e.mac === '00:00:00:00:00:00' && e.dst).map((e) => e.dst!),
    );
  }
  return out;
}

async function namespaces(): Promise<string[]> {
  return (await run('ip', ['netns', 'list']))
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter(Boolean);
}

function dhcpFiles(paths: HostPaths, l3Id: string) {
  const run = path.join(paths.runDir, `dhcp-${l3Id}`);
  return {
    conf: `${run}.conf`,
    hostsFile: `${run}.hosts`,
    leaseFile: path.join(paths.stateDir, `dhcp-${l3Id}.leases`),
    pidFile: `${run}.pid`,
  };
}

/** One L3's DHCP server on this host: its namespace, its veth into the bridge, its dnsmasq. */
async function syncDhcp(cfg: HostConfig, d: HostDhcp, paths: HostPaths, existingNs: Set<string>) {
  const ns = deviceNames.dhcpNamespace(cfg.namespacePrefix, d.l3Id);
  const veth = deviceNames.dhcpVeth(d.l3Id);
  if (!existingNs.has(ns)) await run('ip', ['netns', 'add', ns]);
  const links = await observeLinks();
  if (!links.some((l) => l.name === veth))
    await run('ip', ['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
  await run('ip', ['link', 'set', 'dev', veth, 'master', d.bridge, 'up']);
  const inside = JSON.parse(await run('ip', ['-n', ns, '-j', 'addr', 'show', 'dev', 'eth0'])) as Array<{
    addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
  }>;
  const have = (inside[0]?.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`);
  const want = `${d.serverIp}/${d.prefix}`;
  const lines = [
    'link set lo up',
    'link set eth0 up',
    ...have.filter((a) => a !== want).map((a) => `addr del ${a} dev eth0`),
    ...(have.includes(want) ? [] : [`addr add ${want} dev eth0`]),
  ];
  await run('ip', ['-n', ns, '-batch', '-'], { input: lines.join('\n') + '\n' });

  const f = dhcpFiles(paths, d.l3Id);
  // dnsmasq drops root after start and then reads its hosts file: it must be readable to others
  // (it holds MACs and addresses, no secrets), in a state directory they can traverse.
  await assertTraversable(path.dirname(f.hostsFile));
  const confChanged = await writeIfChanged(f.conf, renderDhcpConf(d, { ...f, iface: 'eth0' }), 0o644);
  const hostsChanged = await writeIfChanged(f.hostsFile, renderDhcpHosts(d), 0o644);
  const pid = await pidAlive(f.pidFile);
  if (pid && !confChanged) {
    if (hostsChanged) process.kill(pid, 'SIGHUP');
    return;
  }
  if (pid) await stopPid(pid, f.pidFile);
  await run('ip', ['netns', 'exec', ns, 'dnsmasq', `--conf-file=${f.conf}`]);
}

/**
 * dnsmasq reads its hosts file after dropping root: a folder on the way that others may not enter
 * (a data directory made with mode 700) would leave it answering no one, silently. Said instead.
 */
async function assertTraversable(dir: string) {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0)
      throw new Error(
        `the DHCP server reads its files in ${dir} as an unprivileged user, but ${d} is closed to others ` +
          `(mode ${(st.mode & 0o777).toString(8)}): chmod o+x ${d}`,
      );
    if (d === path.dirname(d)) return;
  }
}

async function stopPid(pid: number, pidFile: string) {
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 100 && (await pidAlive(pidFile)); i++) await new Promise((r) => setTimeout(r, 20));
}

/** Removes DHCP servers (namespace, processes, files) of L3s no longer in the config. */
async function removeStaleDhcp(cfg: HostConfig, paths: HostPaths, existingNs: string[]) {
  const wanted = new Set(cfg.dhcp.map((d) => deviceNames.dhcpNamespace(cfg.namespacePrefix, d.l3Id)));
  const mine = `${cfg.namespacePrefix}d`;
  for (const ns of existingNs.filter((n) => n.startsWith(mine) && !wanted.has(n))) {
    const pids = (await run('ip', ['netns', 'pids', ns]).catch(() => ''))
      .split('\n')
      .map(Number)
      .filter((p) => p > 0);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    await run('ip', ['netns', 'del', ns]);
  }
  const keep = new Set(cfg.dhcp.map((d) => `dhcp-${d.l3Id}`));
  for (const dir of [paths.stateDir, paths.runDir]) {
    for (const file of await fs.readdir(dir)) {
      const m = /^(dhcp-[0-9a-f-]{36})\./.exec(file);
      if (m && !keep.has(m[1]!)) await fs.rm(path.join(dir, file), { force: true });
    }
  }
}

const BRIDGE_NF = '/proc/sys/net/bridge/bridge-nf-call-iptables';

/**
 * The `inet` forward hook sees bridged packets only through br_netfilter (FACTS.md). Without it
 * security groups would silently filter nothing, so the apply fails and says why; when it is
 * loaded but switched off in this network namespace, the agent switches it on here.
 */
async function ensureBridgeNetfilter() {
  const value = await fs.readFile(BRIDGE_NF, 'utf8').catch(() => null);
  if (value === null)
    throw new Error(
      `security groups need the br_netfilter kernel module (${BRIDGE_NF} is missing): run "modprobe br_netfilter" on this host`,
    );
  if (value.trim() !== '1') await fs.writeFile(BRIDGE_NF, '1\n');
}

/**
 * Security groups (R-SG-3): one nft transaction. From `previous` (what this process applied last,
 * so the kernel holds it) only element changes when rules and profiles are unchanged — members of
 * remote groups, ports joining or leaving a profile — else the whole ruleset.
 */
export async function applySecurity(cfg: HostConfig, previous: HostConfig | null) {
  const text = await securityText(cfg, previous);
  if (text) await run('nft', ['-f', '-'], { input: text });
}

/** The `nft -f` text of {@link applySecurity}: '' when nothing changed. */
async function securityText(cfg: HostConfig, previous: HostConfig | null): Promise<string> {
  if (cfg.security.ports.length > 0) await ensureBridgeNetfilter();
  const delta = previous ? renderHostSgDelta(previous.security, cfg.security) : null;
  return delta ?? renderHostSg(cfg.security);
}

/**
 * Makes the host match the config: bridges and uplinks (NIC, VLAN, VXLAN with head-end
 * replication), VM ports plugged in, one DHCP server per L3 in its own namespace, the nft bridge
 * table that keeps DHCP local (R-DHCP-1), and the security groups of its VM ports (R-SG-3).
 * Applying the same config twice changes nothing.
 *
 * From `previous` (what this process applied last, so the kernel holds it — drift is the periodic
 * check's), only the parts that changed: links, the host table and the VXLAN flood lists when
 * bridges, ports or the ports' epoch did (the hypervisor made a VM's ports — started it, or made them
 * again under the same names), each DHCP server when its own part did. A membership change on a
 * host of 500 ports then costs its security-group elements, not a reading of 1,000 links (issue 12).
 */
export async function applyHost(
  cfg: HostConfig,
  paths: HostPaths,
  previous: HostConfig | null = null,
): Promise<{ missingPorts: string[] }> {
  for (const dir of [paths.stateDir, paths.runDir]) {
    await fs.mkdir(dir, { recursive: true });
    await fs.chmod(dir, 0o755);
  }
  const same = <T>(pick: (c: HostConfig) => T) => previous !== null && jsonEqual(pick(previous), pick(cfg));
  // Links are read again when bridges or ports changed, when the hypervisor made ports (the epoch),
  // or when a port was still missing after the last apply.
  const structureSame =
    same((c) => c.bridges) && same((c) => c.ports) && same((c) => c.portsEpoch) && missingAfter.get(previous!) === 0;
  const dhcpSame = same((c) => c.dhcp) && same((c) => c.namespacePrefix);
  // The filters first, security groups and the host table in one transaction (they name ports, which
  // need not exist yet): a new port is never plugged in unfiltered, nor before its anti-spoofing guard
  // (R-SPOOF-1) — and no DHCP server answers across an uplink even for a moment. The links are read
  // meanwhile; both settle before a failure is reported.
  const filters = (await securityText(cfg, previous)) + (structureSame && dhcpSame ? '' : renderHostNft(cfg));
  const [loaded, links] = await Promise.allSettled([
    filters ? run('nft', ['-f', '-'], { input: filters }) : null,
    structureSame ? null : observeLinks(),
  ]);
  if (loaded.status === 'rejected') throw loaded.reason;
  if (links.status === 'rejected') throw links.reason;
  const plan = links.value ? planHostLinks(links.value, cfg) : { batch: [], plugs: [], missingPorts: [] };
  if (plan.batch.length) await run('ip', ['-batch', '-'], { input: plan.batch.join('\n') + '\n' });
  if (!structureSame) {
    const vxlans = cfg.bridges.flatMap((b) => (b.uplink.kind === 'vxlan' ? [deviceNames.vxlan(b.uplink.vni)] : []));
    const fdb = planFdb(await observeFdb(vxlans), cfg);
    if (fdb.length) await run('bridge', ['-batch', '-'], { input: fdb.join('\n') + '\n' });
  }
  if (!(structureSame && dhcpSame) || plan.batch.length) {
    const ns = await namespaces();
    const nsSet = new Set(ns);
    const before = new Map((previous?.dhcp ?? []).map((d) => [d.l3Id, d]));
    for (const d of cfg.dhcp)
      if (!structureSame || plan.batch.length || !jsonEqual(before.get(d.l3Id), d)) await syncDhcp(cfg, d, paths, nsSet);
    await removeStaleDhcp(cfg, paths, ns);
  }
  // VM ports last: a guest's first DHCP request finds its server knowing its lease (a request lost
  // to a server not yet told costs the guest its 1 s retry).
  if (plan.plugs.length) await run('ip', ['-batch', '-'], { input: plan.plugs.join('\n') + '\n' });
  missingAfter.set(cfg, plan.missingPorts.length);
  return { missingPorts: plan.missingPorts };
}

/** VM ports that did not exist yet when a config was applied: the next apply reads the links again. */
const missingAfter = new WeakMap<HostConfig, number>();

/** What is really in the kernel for the parts the host agent owns, as one hash. `signal` abandons the read (it rejects). */
export async function hostKernelHash(cfg: HostConfig | null, signal?: AbortSignal): Promise<string> {
  const h = createHash('sha256');
  for (const [family, table] of [
    ['bridge', HOST_TABLE],
    ['bridge', SG_TABLE],
    ['inet', SG_TABLE],
  ]) {
    h.update(await nftRead(['list', 'table', family!, table!], signal).catch(() => `<no ${family} ${table}>`));
  }
  signal?.throwIfAborted();
  if (!cfg) return h.digest('hex');
  const links = await observeLinks();
  const relevant = new Set([
    ...cfg.bridges.map((b) => b.name),
    ...cfg.ports.map((p) => p.name),
    ...cfg.dhcp.map((d) => deviceNames.dhcpVeth(d.l3Id)),
  ]);
  for (const l of links
    .filter((x) => relevant.has(x.name) || x.alias === 'cloudrouter')
    .sort((a, b) => a.name.localeCompare(b.name))) {
    h.update(`${l.name} ${l.up} ${l.master ?? '-'} ${l.mtu} ${l.vxlan ? `${l.vxlan.id}/${l.vxlan.local}` : ''}\n`);
  }
  const fdb = await observeFdb(cfg.bridges.flatMap((b) => (b.uplink.kind === 'vxlan' ? [deviceNames.vxlan(b.uplink.vni)] : [])));
  for (const [dev, dsts] of [...fdb].sort()) h.update(`${dev} ${[...dsts].sort().join(',')}\n`);
  const ns = new Set(await namespaces());
  for (const d of cfg.dhcp) {
    const name = deviceNames.dhcpNamespace(cfg.namespacePrefix, d.l3Id);
    const addrs = ns.has(name)
      ? await run('ip', ['-n', name, '-br', 'addr', 'show', 'dev', 'eth0']).catch(() => '')
      : '<missing>';
    h.update(`${name} ${addrs.replace(/\s+/g, ' ').trim()}\n`);
  }
  return h.digest('hex');
}

/**
 * What must hold whatever the snapshot (R-HITLESS-1), checked against the config so that a change
 * by hand is drift at any moment: bridge netfilter on where security groups filter (the apply
 * switches it on only then), every DHCP server's dnsmasq running. Each broken one, in words.
 */
export async function hostInvariants(cfg: HostConfig | null, paths: HostPaths): Promise<string[]> {
  if (!cfg) return [];
  const broken: string[] = [];
  if (cfg.security.ports.length) {
    const value = (await fs.readFile(BRIDGE_NF, 'utf8').catch(() => '?')).trim();
    if (value !== '1') broken.push(`bridge-nf-call-iptables is ${value}`);
  }
  for (const d of cfg.dhcp)
    if (!(await pidAlive(dhcpFiles(paths, d.l3Id).pidFile))) broken.push(`the DHCP server of L3 ${d.l3Id} is not running`);
  return broken;
}
