import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { run } from './exec';
import { pidAlive } from './files';

/**
 * A vRouter's haproxy (issue 13): one master-worker process per router namespace, its own files in
 * the run directory. A new configuration is checked (`haproxy -c`) before it replaces the file, then
 * loaded through the master socket: the master starts new workers and the old ones finish the
 * connections they hold (R-LB-3: a backend added or removed cuts no established connection). A
 * configuration that does not check leaves the running one alone and fails the apply.
 *
 * Called by the vRouter agent's listeners (`apply/lb.ts`) on every change of its TCP, HTTP and
 * HTTPS listeners.
 */
export interface HaproxyPaths {
  runDir: string;
}

export const haproxyFiles = (p: HaproxyPaths) => ({
  config: path.join(p.runDir, 'haproxy.cfg'),
  pidFile: path.join(p.runDir, 'haproxy.pid'),
  master: path.join(p.runDir, 'haproxy-master.sock'),
  stats: path.join(p.runDir, 'haproxy.sock'),
  log: path.join(p.runDir, 'haproxy.log'),
});

/** One command on the master CLI; its whole answer. */
export function masterCommand(socket: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const c = net.connect(socket, () => c.end(`${command}\n`));
    c.setTimeout(timeoutMs, () => c.destroy(new Error(`haproxy's master did not answer "${command}" in ${timeoutMs} ms`)));
    c.on('data', (d) => (out += d.toString()));
    c.on('end', () => resolve(out));
    c.on('error', reject);
  });
}

/** The master's line of `show proc`: how many reloads it did and how many failed. */
async function reloads(socket: string): Promise<{ done: number; failed: number }> {
  const line = (await masterCommand(socket, 'show proc')).split('\n').find((l) => /\bmaster\b/.test(l)) ?? '';
  const m = /master\s+(\d+)\s+\[failed:\s*(\d+)\]/.exec(line);
  if (!m) throw new Error(`haproxy's master answered "show proc" with no master line: ${line}`);
  return { done: Number(m[1]), failed: Number(m[2]) };
}

/**
 * Starts haproxy in the background (`-D`: the command returns once the master runs) with its output
 * in a log file — a daemon holding our pipes would keep the command from ever ending. `launch`
 * prefixes the command (a test runs it in a router namespace: `ip netns exec …`).
 */
function start(files: ReturnType<typeof haproxyFiles>, launch: string[]): Promise<void> {
  return fs.open(files.log, 'a', 0o600).then(
    (log) =>
      new Promise<void>((resolve, reject) => {
        const argv = [
          ...launch,
          'haproxy',
          '-W',
          '-D',
          '-S',
          `${files.master},mode,600`,
          '-f',
          files.config,
          '-p',
          files.pidFile,
        ];
        const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', log.fd, log.fd] });
        child.on('error', (e) => void log.close().finally(() => reject(e)));
        child.on('exit', (code) => {
          void log.close();
          if (code === 0) resolve();
          else
            void fs
              .readFile(files.log, 'utf8')
              .then((t) =>
                reject(new Error(`haproxy did not start (exit ${code}): ${t.trim().split('\n').slice(-3).join(' | ')}`)),
              );
        });
      }),
  );
}

/**
 * Makes the router's haproxy run `text` (null: no TCP/HTTP/HTTPS listener — stopped, files
 * removed). Returns what it did.
 */
export async function syncHaproxy(
  text: string | null,
  paths: HaproxyPaths,
  opts: { launch?: string[] } = {},
): Promise<'started' | 'reloaded' | 'unchanged' | 'stopped'> {
  const files = haproxyFiles(paths);
  const running = await pidAlive(files.pidFile);
  if (text === null) {
    if (running) {
      process.kill(running, 'SIGTERM');
      for (let i = 0; i < 100 && (await pidAlive(files.pidFile)); i++) await new Promise((r) => setTimeout(r, 20));
    }
    for (const f of [files.config, files.pidFile, files.master]) await fs.rm(f, { force: true });
    return 'stopped';
  }
  await fs.mkdir(paths.runDir, { recursive: true });
  const current = await fs.readFile(files.config, 'utf8').catch(() => null);
  if (running && current === text) return 'unchanged';
  // Checked before it replaces the file: a configuration haproxy refuses never reaches the master.
  const next = `${files.config}.next`;
  await fs.writeFile(next, text, { mode: 0o600 });
  await run('haproxy', ['-c', '-q', '-f', next]).catch(async (err: Error) => {
    await fs.rm(next, { force: true });
    throw new Error(`haproxy refuses the configuration: ${err.message}`);
  });
  await fs.rename(next, files.config);
  if (!running) {
    await start(files, opts.launch ?? []);
    return 'started';
  }
  const before = await reloads(files.master);
  await masterCommand(files.master, 'reload');
  for (let i = 0; i < 250; i++) {
    const now = await reloads(files.master).catch(() => before);
    if (now.failed > before.failed) {
      // The file says what runs: the old one goes back, and the next apply tries again.
      if (current !== null) await fs.writeFile(files.config, current, { mode: 0o600 });
      throw new Error('haproxy did not load the new configuration; the old one serves on');
    }
    if (now.done > before.done) return 'reloaded';
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('haproxy did not reload within 5 s');
}

/** One row of haproxy's `show stat`: a frontend, a backend, or one of a backend's servers. */
export interface HaproxyStatRow {
  pxname: string;
  svname: string;
  scur: number;
  stot: number;
  bin: number;
  bout: number;
  /** UP, DOWN, "UP 1/2" (going down), "DOWN 1/2" (coming up), "no check", MAINT… */
  status: string;
}

/** Parses `show stat` (CSV with a `# ` header line). */
export function parseShowStat(csv: string): HaproxyStatRow[] {
  const lines = csv.split('\n').filter(Boolean);
  const header = (lines.shift() ?? '').replace(/^# /, '').split(',');
  const col = (name: string) => header.indexOf(name);
  const [px, sv, scur, stot, bin, bout, status] = ['pxname', 'svname', 'scur', 'stot', 'bin', 'bout', 'status'].map(col);
  return lines.map((l) => {
    const f = l.split(',');
    const n = (i: number | undefined) => Number(f[i!] || 0);
    return {
      pxname: f[px!]!,
      svname: f[sv!]!,
      scur: n(scur),
      stot: n(stot),
      bin: n(bin),
      bout: n(bout),
      status: f[status!] ?? '',
    };
  });
}

/** The running haproxy's stats, from its stats socket (admin level); null when it does not run. */
export async function readHaproxyStats(paths: HaproxyPaths): Promise<HaproxyStatRow[] | null> {
  const files = haproxyFiles(paths);
  if (!(await pidAlive(files.pidFile))) return null;
  return parseShowStat(await masterCommand(files.stats, 'show stat', 2000));
}
