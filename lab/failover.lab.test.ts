import { execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPostgres, type DbHandle } from '@/db/client';
import { createTestDatabase } from '@/db/testing';
import { accounts, agents } from '@/db/schema';
import type { Actor } from '@/server/auth/actor';
import { syncDataCenter } from '@/server/dataplane/inventory';
import { authService } from '@/server/services/auth';
import { buildBasicDataCenter } from '@/server/testing/basic-datacenter';
import { createCaller } from '@/server/trpc/router';
import { LabController, LAB_INTERNET } from './controller';
import { NetnsLab } from './netns';
import { labDescribe, randomLabName, startBuiltConsole, type ConsoleProcess } from './testing';

/**
 * Issue 12, item 7: two consoles (the production build, `next start`) on one PostgreSQL. The one
 * holding the agents' leases is SIGKILLed in the middle of pushing; the other takes every agent
 * over once those leases run out — never while they are valid — and every agent applies its config.
 * The vRouter agents are real (lab namespaces); the host agents are left unreachable on purpose
 * (a console with the lab off would give them DHCP namespaces outside the lab's prefix).
 */
const run = promisify(execFile);
const LEASE_S = 4;
const lab = new NetnsLab(randomLabName('fo'));
let dir: string;
let pgDir: string;
let ownPg = false;
let serverUrl: string;
let dbUrl: string;
let handle: DbHandle;
let ctl: LabController;
const consoles: ChildProcess[] = [];
const frozen: number[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A console as an administrator runs it, on the shared database, lab off. */
async function startConsole(name: string): Promise<ConsoleProcess & { log: () => string }> {
  const c = await startBuiltConsole({
    DATABASE_URL: dbUrl,
    CLOUDROUTER_LAB: 'off',
    CLOUDROUTER_AGENT_LEASE_SECONDS: String(LEASE_S),
    CLOUDROUTER_ADMIN_PASSWORD: 'failover-password',
    CLOUDROUTER_DATA_DIR: path.join(dir, name),
  });
  consoles.push(c.child);
  return { ...c, log: c.out };
}

const vrouterRows = () => handle.db.select().from(agents).where(eq(agents.kind, 'vrouter'));

await labDescribe('two consoles on one PostgreSQL: the survivor takes over a SIGKILLed one’s leases (issue 12)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-failover-'));
    serverUrl = process.env.TEST_DATABASE_URL ?? '';
    if (!serverUrl) {
      // Run alone (not after scripts/test.sh's PostgreSQL step): a throwaway server of our own.
      pgDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-failover-pg-'));
      const { stdout } = await run('bash', ['scripts/pg-server.sh', 'start', pgDir]);
      serverUrl = /TEST_DATABASE_URL=(\S+)/.exec(stdout)![1]!;
      ownPg = true;
    }
    dbUrl = (await createTestDatabase(serverUrl, 'cr_failover')).url;
    handle = await openPostgres(dbUrl, 5);
    await authService.bootstrapAdmin(handle.db, 'failover-password');
    const [row] = await handle.db.select().from(accounts).where(eq(accounts.name, 'admin'));
    const actor: Actor = { accountId: row!.id, name: 'admin', role: 'admin' };
    const caller = createCaller({ db: handle.db, actor, requestId: 'failover' });
    const dc = await buildBasicDataCenter(caller, { publicDns: [LAB_INTERNET.dns] });
    const offering = await caller.instanceOffering.create({ name: 's', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await caller.image.create({
      name: 'i',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/i.qcow2',
    });
    // Two private networks: two vRouters, two real agents.
    const second = await caller.l3.create({
      name: 'L3-second',
      l2Id: dc.privateL2.id,
      category: 'private',
      type: 'vrouter',
      vrouterOfferingId: dc.offering.id,
      range: { method: 'cidr', cidr: '192.168.20.0/24' },
    });
    for (const l3 of [dc.privateL3.id, second.id])
      await caller.vm.create({ name: `VM-${l3.slice(0, 4)}`, instanceOfferingId: offering.id, imageId: image.id, l3Ids: [l3] });
    ctl = new LabController(lab, dir);
    await syncDataCenter(handle.db, ctl);
    await handle.db.update(agents).set({ endpoint: null }).where(eq(agents.kind, 'host'));
    expect((await vrouterRows()).every((r) => r.endpoint?.startsWith('unix:'))).toBe(true);
  });

  afterAll(async () => {
    for (const pid of frozen) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    for (const c of consoles) {
      try {
        if (c.pid) process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await handle?.close();
    await lab.down();
    if (ownPg) await run('bash', ['scripts/pg-server.sh', 'stop', pgDir]);
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(await lab.list()).toEqual([]);
  });

  it('A pushes; frozen agents keep it holding their leases; A is SIGKILLed; B applies every agent once the leases run out', async () => {
    const a = await startConsole('a');
    const inSync = async () => (await vrouterRows()).every((r) => r.appliedGeneration === r.desiredGeneration);
    for (let i = 0; i < 300 && !(await inSync()); i++) await sleep(100);
    expect(await inSync()).toBe(true);
    const rows = await vrouterRows();
    expect(rows).toHaveLength(2);

    // The agents stop answering (SIGSTOP): A's next pushes hang, holding the leases.
    // (A short-lived child of an agent may be gone by the time it is signalled.)
    for (const r of rows)
      for (const pid of (await lab.pids(lab.ns(ctl.routerNs(r.id)))).map(Number)) {
        try {
          process.kill(pid, 'SIGSTOP');
          frozen.push(pid);
        } catch {
          /* gone */
        }
      }
    expect(frozen.length).toBeGreaterThanOrEqual(2);
    await handle.db
      .update(agents)
      .set({ desiredGeneration: sql`${agents.desiredGeneration} + 1` })
      .where(eq(agents.kind, 'vrouter'));
    const leased = async () => (await vrouterRows()).every((r) => r.leaseOwner === a.owner());
    for (let i = 0; i < 100 && !(await leased()); i++) await sleep(100);
    expect(await leased()).toBe(true);
    const leaseUntil = new Map((await vrouterRows()).map((r) => [r.id, r.leaseUntil!.getTime()]));

    const b = await startConsole('b');
    expect(b.owner()).not.toBe(a.owner());
    // Who holds each agent, sampled until the end.
    const samples: Array<{ t: number; id: string; owner: string | null }> = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const t = Date.now();
        for (const r of await vrouterRows()) samples.push({ t, id: r.id, owner: r.leaseOwner });
        await sleep(50);
      }
    })();

    process.kill(-a.child.pid!, 'SIGKILL');
    const killedAt = Date.now();
    for (const pid of frozen.splice(0)) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        /* gone */
      }
    }
    for (let i = 0; i < 200 && !(await inSync()); i++) await sleep(100);
    const appliedAt = Date.now();
    sampling = false;
    await sampler;

    expect(await inSync()).toBe(true);
    const latest = Math.max(...leaseUntil.values());
    // Within the lease time of the kill (plus the survivor's poll and the apply).
    expect(appliedAt - killedAt).toBeLessThanOrEqual(LEASE_S * 1000 + 3000);
    // Never both: B holds an agent only after A's lease on it ran out.
    // B's pushes are short: a sample may not catch B holding an agent, but each one it did catch,
    // and each agent's recorded apply (A is dead: it can only be B's), came after A's lease on it.
    for (const s of samples.filter((x) => x.owner === b.owner())) expect(s.t).toBeGreaterThanOrEqual(leaseUntil.get(s.id)! - 50);
    for (const r of await vrouterRows()) expect(r.lastAppliedAt!.getTime()).toBeGreaterThanOrEqual(leaseUntil.get(r.id)! - 50);
    expect(samples.every((s) => s.owner === null || s.owner === a.owner() || s.owner === b.owner())).toBe(true);
    expect(latest).toBeGreaterThan(killedAt);
    expect(b.log()).not.toContain('"level":"error"');
  });
});
