import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DataDirLockedError, lockDataDir, openPglite } from './client';

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cr-lock-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('only one process opens a PGlite folder', () => {
  it('refuses a folder locked by another live process, with a clear message', async () => {
    const dir = tmp();
    // A real second process holds the lock (its PID is alive while it sleeps).
    const child = spawn(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(path.join(dir, 'cloudrouter.lock'))}, String(process.pid)); ` +
        `setTimeout(() => {}, 30000)`,
    ]);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(fs.readFileSync(path.join(dir, 'cloudrouter.lock'), 'utf8')).toBe(String(child.pid));
      await expect(openPglite(dir)).rejects.toBeInstanceOf(DataDirLockedError);
      await expect(openPglite(dir)).rejects.toThrow(/already open by process \d+.*PostgreSQL via DATABASE_URL/s);
    } finally {
      child.kill();
    }
  });

  it('takes over a stale lock left by a dead process, and releases it on close', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'cloudrouter.lock'), '999999999');
    const handle = await openPglite(dir);
    expect(fs.readFileSync(path.join(dir, 'cloudrouter.lock'), 'utf8')).toBe(String(process.pid));
    await handle.close();
    expect(fs.existsSync(path.join(dir, 'cloudrouter.lock'))).toBe(false);
  });

  it('keeps data across reopening the same folder', async () => {
    const dir = tmp();
    const first = await openPglite(dir);
    await first.db.execute('CREATE TABLE IF NOT EXISTS probe (v int)');
    await first.db.execute('INSERT INTO probe VALUES (42)');
    await first.close();
    const second = await openPglite(dir);
    const res = (await second.db.execute('SELECT v FROM probe')) as unknown as { rows: Array<{ v: number }> };
    expect(res.rows).toEqual([{ v: 42 }]);
    await second.close();
  });

  it('lockDataDir refuses a second lock in the same process only for another PID', () => {
    const dir = tmp();
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, 'cloudrouter.lock'), 'utf8')).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, 'cloudrouter.lock'))).toBe(false);
  });
});
