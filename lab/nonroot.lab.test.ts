import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { labDescribe } from './testing';

/**
 * Issue "Real data plane": run as a non-root user, the console starts, works, and says clearly that
 * the lab needs root. Runs the production build (scripts/test.sh builds before the lab step) as
 * `nobody`, so it needs root to switch user — hence a lab test.
 */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

let child: ChildProcess | undefined;
let dataDir: string | undefined;

await labDescribe('the console without root', () => {
  afterAll(async () => {
    // runuser was started in its own process group: stop that group by its PID.
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
  });

  it('starts as nobody with a clear note that the lab needs root, and serves the console', async () => {
    await fs.access(path.join(process.cwd(), '.next', 'BUILD_ID')).catch(() => {
      throw new Error('this test runs the production build: run `npx next build` first (scripts/test.sh does)');
    });
    const readable = await new Promise<boolean>((resolve) => {
      const probe = spawn('runuser', ['-u', 'nobody', '--', 'test', '-r', path.join(process.cwd(), '.next', 'BUILD_ID')], {
        stdio: 'ignore',
      });
      probe.on('exit', (code) => resolve(code === 0));
    });
    if (!readable)
      throw new Error(
        `the user nobody cannot read ${process.cwd()} (a parent folder is not world-readable), so the console ` +
          `cannot be run as non-root from here`,
      );
    dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-nonroot-'));
    await fs.chown(dataDir, 65534, 65534);
    const port = await freePort();
    let out = '';
    child = spawn(
      'runuser',
      [
        '-u',
        'nobody',
        '--',
        'env',
        `CLOUDROUTER_DATA_DIR=${dataDir}`,
        'CLOUDROUTER_ADMIN_PASSWORD=nonroot-password',
        process.execPath,
        'node_modules/next/dist/bin/next',
        'start',
        '-p',
        String(port),
        '-H',
        '127.0.0.1',
      ],
      { cwd: process.cwd(), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const until = Date.now() + 60_000;
    while (!out.includes('the lab needs root') && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(out).toContain(
      'CloudRouter: The built-in lab is not running: the lab needs root (network namespaces). The console works',
    );
    const login = await fetch(`http://127.0.0.1:${port}/login`);
    expect(login.status).toBe(200);
    // The REST API answers too (401 without a token, not a crash).
    expect((await fetch(`http://127.0.0.1:${port}/api/v1/zones`)).status).toBe(401);
  });
});
