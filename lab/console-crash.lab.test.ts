import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPglite } from '@/db/client';
import { accounts } from '@/db/schema';
import type { Actor } from '@/server/auth/actor';
import { authService } from '@/server/services/auth';
import { buildBasicDataCenter, SERVICES_PUBLIC_RANGE } from '@/server/testing/basic-datacenter';
import { createCaller } from '@/server/trpc/router';
import { LAB_INTERNET } from './controller';
import { NetnsLab } from './netns';
import { connLoad, describeLoads, labDescribe, randomLabName, startBuiltConsole, type ConsoleProcess } from './testing';

/**
 * Issue 12, items 4 and the first "Done when": the console (the production build, as root, with its
 * built-in lab) is SIGKILLed while new TCP connections run at ≥ 200 per second each through an EIP,
 * a port forward and SNAT; started again, it adopts the lab as it is (it says so; nothing is
 * rebuilt) — and not one connection fails, during its absence or its return.
 */
const RATE = 200;
const LOAD_MS = 16_000;
const EIP_VIP = '10.108.13.50';
const LISTENER = path.join(process.cwd(), 'lab', 'vm', 'listen.mjs');
const labName = randomLabName('cc');
const lab = new NetnsLab(labName);
let dataDir: string;
let vmNs: string;
let pfVip: string;
const consoles: ChildProcess[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = (ns: string, host: string, port: number, rate = RATE, ms = LOAD_MS) => connLoad(lab, ns, host, port, rate, ms);

/** The console as an administrator starts it (`bash scripts/console.sh` runs the same), as root with its lab. */
async function startConsole(): Promise<ConsoleProcess> {
  const c = await startBuiltConsole({
    CLOUDROUTER_DATA_DIR: dataDir,
    CLOUDROUTER_LAB: 'auto',
    CLOUDROUTER_LAB_NAME: labName,
    CLOUDROUTER_ADMIN_PASSWORD: 'crash-password',
  });
  consoles.push(c.child);
  return c;
}

await labDescribe(
  'the console SIGKILLed and started again under load: the lab is adopted, no connection fails (issue 12)',
  () => {
    beforeAll(async () => {
      await fs.access(path.join(process.cwd(), '.next', 'BUILD_ID')).catch(() => {
        throw new Error('this test runs the production build: run `npx next build` first (scripts/test.sh does)');
      });
      dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-crash-'));
      // The host agents' DHCP servers read their files under it after dropping root.
      await fs.chmod(dataDir, 0o755);
      // The data center, made through the same procedures as the console's pages, before it starts.
      const handle = await openPglite(dataDir);
      await authService.bootstrapAdmin(handle.db, 'crash-password');
      const [row] = await handle.db.select().from(accounts).where(eq(accounts.name, 'admin'));
      const actor: Actor = { accountId: row!.id, name: 'admin', role: 'admin' };
      const admin = createCaller({ db: handle.db, actor, requestId: 'crash' });
      const dc = await buildBasicDataCenter(admin, {
        publicDns: [LAB_INTERNET.dns],
        publicRange: SERVICES_PUBLIC_RANGE,
        publicDhcp: '10.108.12.1',
      });
      const offering = await admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
      const image = await admin.image.create({
        name: 'i',
        kind: 'vm',
        backupStorageId: dc.bs.id,
        url: 'http://192.0.2.10/i.qcow2',
      });
      const [vm] = await admin.vm.create({
        name: 'VM',
        instanceOfferingId: offering.id,
        imageId: image.id,
        l3Ids: [dc.privateL3.id],
      });
      await admin.eip.create({ name: 'EIP', l3Id: dc.publicL3.id, ip: EIP_VIP, nicId: vm!.nics[0]!.id });
      const pf = await admin.portForward.create({
        name: 'PF',
        l3Id: dc.publicL3.id,
        protocol: 'tcp',
        mode: 'single',
        vipPortStart: 2222,
        vmPortStart: 22,
        nicId: vm!.nics[0]!.id,
      });
      pfVip = pf.vip;
      await handle.close();
      vmNs = `v${vm!.id.replace(/-/g, '').slice(-8)}`;

      await startConsole();
      // The lab runs the VM: it answers on 22 once up, and reaches the internet once DHCP gave it its address.
      for (let i = 0; i < 600 && !(await lab.list()).includes(lab.ns(vmNs)); i++) await sleep(100);
      lab.spawn(vmNs, process.execPath, [LISTENER, 'tcp', '22', '900', 'VM']);
      const ready = async () =>
        (
          await Promise.all([
            load('inet', EIP_VIP, 22, 5, 400),
            load('inet', pfVip, 2222, 5, 400),
            load(vmNs, LAB_INTERNET.web, 80, 5, 400),
          ])
        )
          .map((r) => r.ok > 0)
          .every(Boolean);
      for (let i = 0; i < 60 && !(await ready()); i++) await sleep(500);
      expect(await ready()).toBe(true);
    });

    afterAll(async () => {
      // The last console tears its lab down when stopped; then whatever is left is ours to sweep.
      for (const c of consoles) {
        if (c.exitCode !== null || !c.pid) continue;
        try {
          process.kill(-c.pid, 'SIGTERM');
        } catch {
          /* gone */
        }
        for (let i = 0; i < 100 && c.exitCode === null; i++) await sleep(100);
      }
      await lab.down();
      if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
      expect(await lab.list()).toEqual([]);
    });

    it('≥ 200 new connections/s each through an EIP, a port forward and SNAT while the console dies and comes back', async () => {
      const namespacesBefore = (await lab.list()).sort();
      const loads = Promise.all([load('inet', EIP_VIP, 22), load('inet', pfVip, 2222), load(vmNs, LAB_INTERNET.web, 80)]);
      await sleep(2000);
      // The console process alone, as the OOM killer or `kill -9 PID` would.
      process.kill(consoles[0]!.pid!, 'SIGKILL');
      await sleep(3000);
      const second = await startConsole();
      const results = await loads;
      expect(second.out()).toMatch(new RegExp(`adopted the lab "${labName}" left by a console that did not stop`));
      expect(second.out()).not.toContain('rebuilding it');
      // Nothing rebuilt: the same namespaces.
      expect((await lab.list()).sort()).toEqual(namespacesBefore);
      process.stdout.write(`console SIGKILL under load: ${describeLoads(results)}\n`);
      for (const r of results) {
        expect(r.failures, `${r.target}: ${JSON.stringify(r)}`).toEqual([]);
        expect(r.ok).toBe(r.attempted);
        expect(r.perSecond).toBeGreaterThanOrEqual(RATE);
      }
    });
  },
);
