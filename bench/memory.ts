/**
 * Issue 12: the console's resident memory at rest — the production build (`npm run build` first),
 * a fresh data dir, the built-in lab up when run as root — on the embedded database and, with
 * BENCH_DATABASE_URL, on PostgreSQL. Resident memory of the console's whole process tree (agents
 * and lab daemons run in their own processes and are not counted), read from /proc after it has
 * served a few pages and rested.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The resident memory (MB) of `pid` and its descendants that are not agents or lab daemons. */
async function treeRss(pid: number): Promise<number> {
  const parent = new Map<number, number>();
  const comm = new Map<number, string>();
  for (const d of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = await fs.readFile(`/proc/${d}/stat`, 'utf8').catch(() => null);
    if (!stat) continue;
    const close = stat.lastIndexOf(')');
    parent.set(Number(d), Number(stat.slice(close + 2).split(' ')[1]));
    comm.set(Number(d), stat.slice(stat.indexOf('(') + 1, close));
  }
  const inTree = (p: number): boolean => p === pid || (p > 1 && parent.has(p) && inTree(parent.get(p)!));
  let kb = 0;
  for (const p of parent.keys()) {
    if (!inTree(p)) continue;
    const cmdline = (await fs.readFile(`/proc/${p}/cmdline`, 'utf8').catch(() => '')).replace(/\0/g, ' ');
    // The data plane's own processes (agents, dnsmasq, lab internet) are the data center's, not the console's.
    if (/agent|dnsmasq|web\.mjs|busybox|udhcpc|nsenter|ip netns exec/.test(cmdline) && comm.get(p) !== 'next-server') continue;
    const status = await fs.readFile(`/proc/${p}/status`, 'utf8').catch(() => '');
    kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  }
  return kb / 1024;
}

async function consoleAtRest(env: Record<string, string>): Promise<number> {
  const port = await freePort();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-mem-'));
  const child = spawn(path.join('node_modules', '.bin', 'next'), ['start', '-H', '127.0.0.1', '-p', String(port)], {
    env: {
      ...process.env,
      CLOUDROUTER_DATA_DIR: dir,
      CLOUDROUTER_ADMIN_PASSWORD: 'bench-admin-password',
      CLOUDROUTER_LAB_NAME: `bm${Math.random().toString(36).slice(2, 8)}`,
      ...env,
    },
    stdio: 'ignore',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      const ok = await fetch(`${base}/login`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (i > 240) throw new Error('the console did not start');
      await sleep(500);
    }
    for (const p of ['/login', '/api/openapi.json', '/login?next=/vms']) await fetch(`${base}${p}`).then((r) => r.text());
    await sleep(15_000);
    return await treeRss(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export async function benchConsoleMemory() {
  if (!(await fs.stat('.next/BUILD_ID').catch(() => null))) {
    console.log('\nconsole memory: not measured — run `npm run build` first');
    return;
  }
  const lab = process.getuid?.() === 0 ? 'with the built-in lab up' : 'without the lab (not root)';
  const embedded = await consoleAtRest({});
  console.log(`\nconsole memory at rest (production build, fresh data, ${lab}; the console's processes only)`);
  console.log(
    `  embedded database (PGlite): ${embedded.toFixed(0)} MB resident (goal < 400 MB: ${embedded < 400 ? 'met' : 'NOT met'})`,
  );
  const url = process.env.BENCH_DATABASE_URL;
  if (url) {
    const onPg = await consoleAtRest({ DATABASE_URL: url });
    console.log(`  PostgreSQL: ${onPg.toFixed(0)} MB resident; embedded/PostgreSQL ${(embedded / onPg).toFixed(2)}×`);
  } else console.log('  (set BENCH_DATABASE_URL to measure on PostgreSQL too)');
}
