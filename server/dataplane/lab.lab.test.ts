import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { LAB_REGISTRY, NetnsLab } from '@/lab/netns';
import { labDescribe, randomLabName } from '@/lab/testing';
import { labAdmin, openBuiltInLab } from './lab';

/**
 * Issue 12, crash safety: a lab whose console was SIGKILLed is listed as a leftover by `lab status`,
 * removed by `down --leftovers`, and — when it cannot be adopted (here: no saved picture of it) —
 * rebuilt (saying so) by the next console of its name; a lab whose console still runs is never
 * touched by either. Adoption itself: lab/console-crash.lab.test.ts.
 */
const exited = async (cmd: string, args: string[]) => {
  const child = spawn(cmd, args, { stdio: 'ignore' });
  await new Promise((r) => child.once('exit', r));
  return child.pid!;
};
const crashed = new NetnsLab(randomLabName('cr'));
const running = new NetnsLab(randomLabName('ru'));
const sleeper = spawn('sleep', ['120'], { stdio: 'ignore' });
let dir: string;

/** A lab with one namespace whose owner is `pid` (as a console that made it and then died or not). */
async function labOwnedBy(lab: NetnsLab, pid: number) {
  await lab.batch([`netns add ${lab.ns('x')}`]);
  await fs.writeFile(path.join(LAB_REGISTRY, `${lab.name}.json`), JSON.stringify({ pid, startedAt: new Date().toISOString() }));
}

await labDescribe('the lab after a console crash (issue 12)', () => {
  afterAll(async () => {
    sleeper.kill('SIGKILL');
    await crashed.down();
    await running.down();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect([...(await crashed.list()), ...(await running.list())]).toEqual([]);
  });

  it('lists a lab whose console is gone as a leftover, one whose console runs as running', async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-crash-'));
    const dead = await exited('true', []);
    await labOwnedBy(crashed, dead);
    await labOwnedBy(running, sleeper.pid!);
    const all = await labAdmin(crashed.name).all();
    expect(all.find((l) => l.name === crashed.name)).toEqual({ name: crashed.name, namespaces: 1, state: 'leftover', pid: dead });
    expect(all.find((l) => l.name === running.name)).toEqual({
      name: running.name,
      namespaces: 1,
      state: 'running',
      pid: sleeper.pid,
    });
  });

  it('the next console of that name rebuilds a leftover lab it cannot adopt; another console’s lab it refuses to take', async () => {
    const reopened = await openBuiltInLab({ dataDir: dir, labName: crashed.name });
    expect(reopened.ok).toBe(true);
    // The crashed run's namespaces are gone (rebuilt from the database as it syncs), and this process owns the lab now.
    expect(await crashed.list()).toEqual([]);
    expect(await crashed.owner()).toMatchObject({ pid: process.pid, alive: true });
    const taken = await openBuiltInLab({ dataDir: dir, labName: running.name });
    expect(taken).toMatchObject({ ok: false, why: expect.stringContaining(`process ${sleeper.pid}`) });
    expect(await running.list()).toEqual([running.ns('x')]);
  });

  it('`down --leftovers` removes the labs of runs that did not stop, never a running one', async () => {
    await labOwnedBy(crashed, await exited('true', []));
    // Only this test's two labs are considered: other runs' leftovers on this machine are not this test's to remove.
    const gone = await labAdmin(crashed.name).downLeftovers([crashed.name, running.name]);
    expect(gone).toContain(crashed.name);
    expect(gone).not.toContain(running.name);
    expect(await crashed.list()).toEqual([]);
    expect(await running.list()).toEqual([running.ns('x')]);
  });
});
