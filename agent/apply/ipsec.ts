import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { IpsecConnection } from '../protocol/ipsec';
import { renderStrongswanConf, renderSwanctl, type IpsecDataPath } from '../render/swanctl';
import { run } from './exec';
import { pidAlive, writeIfChanged } from './files';

/**
 * The router's IKE daemon (R-IPSEC-1, R-IPSEC-2): strongSwan's charon, one per router namespace with
 * a configuration of its own, driven through its vici socket by `swanctl`. Started once and left
 * running: connections are loaded into it (`swanctl --load-all` adds, changes and removes them)
 * without a restart, and an agent restart leaves it as it is.
 *
 * Not yet reachable from the protocol (issue 14): the lab test drives these functions directly.
 */

export interface IpsecPaths {
  runDir: string;
}

export const ipsecFiles = (p: IpsecPaths) => ({
  strongswanConf: path.join(p.runDir, 'strongswan.conf'),
  swanctlConf: path.join(p.runDir, 'swanctl.conf'),
  vici: path.join(p.runDir, 'charon.vici'),
  log: path.join(p.runDir, 'charon.log'),
  pidFile: path.join(p.runDir, 'charon.pid'),
});

/**
 * Whether this kernel carries ESP itself: an XFRM state is added and removed again. A kernel without
 * it ("Requested type not found", as on these machines) gets strongSwan's userspace ESP, libipsec.
 * `launch` runs the probe elsewhere (a router namespace: `ip netns exec NS`).
 */
export async function probeDataPath(launch: string[] = []): Promise<IpsecDataPath> {
  const ip = (args: string[]) => (launch.length ? run(launch[0]!, [...launch.slice(1), 'ip', ...args]) : run('ip', args));
  const sa = ['src', '192.0.2.1', 'dst', '192.0.2.2', 'proto', 'esp', 'spi', '0xc0ffee01'];
  try {
    await ip([
      'xfrm',
      'state',
      'add',
      ...sa,
      'mode',
      'tunnel',
      'enc',
      'cbc(aes)',
      `0x${'00'.repeat(16)}`,
      'auth',
      'hmac(sha1)',
      `0x${'00'.repeat(20)}`,
    ]);
  } catch {
    return 'libipsec';
  }
  await ip(['xfrm', 'state', 'delete', ...sa.slice(0, 4), 'proto', 'esp', 'spi', '0xc0ffee01']).catch(() => undefined);
  return 'kernel';
}

/** Starts the router's charon unless it runs; resolves once its vici socket answers. */
export async function startCharon(paths: IpsecPaths, dataPath: IpsecDataPath, opts: { launch?: string[] } = {}): Promise<void> {
  const files = ipsecFiles(paths);
  await fs.mkdir(paths.runDir, { recursive: true });
  const conf = renderStrongswanConf({ viciSocket: files.vici, logFile: files.log, dataPath });
  const changed = await writeIfChanged(files.strongswanConf, conf);
  const running = await pidAlive(files.pidFile);
  if (running && !changed) return;
  if (running) await stopCharon(paths);
  await fs.rm(files.vici, { force: true });
  const out = await fs.open(path.join(paths.runDir, 'charon.out'), 'a', 0o600);
  try {
    const argv = [...(opts.launch ?? []), '/usr/sbin/charon-systemd'];
    // Its own process group, not waited for: it outlives the agent (an agent restart leaves it running).
    const child = spawn(argv[0]!, argv.slice(1), {
      stdio: ['ignore', out.fd, out.fd],
      detached: true,
      env: { ...process.env, STRONGSWAN_CONF: files.strongswanConf },
    });
    child.unref();
    await fs.writeFile(files.pidFile, `${child.pid}\n`, { mode: 0o600 });
  } finally {
    await out.close();
  }
  for (let i = 0; i < 200; i++) {
    if (
      await swanctl(paths, ['--stats']).then(
        () => true,
        () => false,
      )
    )
      return;
    if (!(await pidAlive(files.pidFile))) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  const log = await fs.readFile(files.log, 'utf8').catch(() => '');
  throw new Error(`charon did not start: ${log.trim().split('\n').slice(-3).join(' | ')}`);
}

export async function stopCharon(paths: IpsecPaths): Promise<void> {
  const files = ipsecFiles(paths);
  const pid = await pidAlive(files.pidFile);
  if (pid) {
    process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 100 && (await pidAlive(files.pidFile)); i++) await new Promise((r) => setTimeout(r, 20));
  }
  await fs.rm(files.pidFile, { force: true });
}

/** swanctl against this router's daemon. */
export function swanctl(paths: IpsecPaths, args: string[]): Promise<string> {
  return run('swanctl', [...args, '--uri', `unix://${ipsecFiles(paths).vici}`], { timeoutMs: 10_000 });
}

/**
 * Makes the daemon hold exactly `conns`: the file rewritten (0600: it holds the keys) and loaded
 * whole — swanctl adds what is new, replaces what changed and unloads what is gone, and a changed
 * connection's SAs are renegotiated with its new settings.
 */
export async function loadConnections(conns: IpsecConnection[], paths: IpsecPaths): Promise<void> {
  const files = ipsecFiles(paths);
  await writeIfChanged(files.swanctlConf, renderSwanctl(conns));
  await swanctl(paths, ['--load-all', '--noprompt', '--file', files.swanctlConf]);
}
