import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPglite } from '@/db/client';
import { LabController, LAB_INTERNET } from '@/lab/controller';
import { runCheck } from '@/lab/checks';
import { labSupported, NetnsLab } from '@/lab/netns';
import { syncDataCenter } from '@/server/dataplane/inventory';
import { Reconciler } from '@/server/reconciler/reconciler';
import { buildBasicDataCenter } from '@/server/testing/basic-datacenter';
import { openHarnessOn } from './harness';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function rssMb(pid: number): Promise<number> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** The floor: a namespace, a veth, static addresses and one ping — no control plane at all. */
async function bareVmToPing(lab: NetnsLab, i: number): Promise<number> {
  const t0 = performance.now();
  const a = lab.ns(`ba${i}`);
  const b = lab.ns(`bb${i}`);
  await lab.batch([`netns add ${a}`, `netns add ${b}`, `link add e0 netns ${a} type veth peer name e0 netns ${b}`]);
  await lab.nsBatch(`ba${i}`, ['link set lo up', 'link set e0 up', 'addr add 192.0.2.1/24 dev e0']);
  await lab.nsBatch(`bb${i}`, ['link set lo up', 'link set e0 up', 'addr add 192.0.2.2/24 dev e0']);
  await lab.exec(`ba${i}`, 'ping', ['-c', '1', '-W', '1', '192.0.2.2']);
  return performance.now() - t0;
}

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/** The built console at rest (lab off), its resident memory after serving a page. */
async function consoleRss(): Promise<number | null> {
  if (!(await fs.stat('.next/BUILD_ID').catch(() => null))) return null;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-console-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['node_modules/next/dist/bin/next', 'start', '-p', String(port), '-H', '127.0.0.1'], {
    env: { ...process.env, CLOUDROUTER_DATA_DIR: dataDir, CLOUDROUTER_LAB: 'off', CLOUDROUTER_ADMIN_PASSWORD: 'bench-password' },
    stdio: 'ignore',
  });
  try {
    for (let i = 0; i < 100; i++) {
      const ok = await fetch(`http://127.0.0.1:${port}/login`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      await sleep(200);
    }
    await fetch(`http://127.0.0.1:${port}/api/openapi.json`);
    await sleep(2000);
    return await rssMb(child.pid!);
  } finally {
    child.kill('SIGTERM');
    await sleep(500);
    await fs.rm(dataDir, { recursive: true, force: true });
  }
}

export async function benchDataPlane() {
  const support = await labSupported();
  if (!support.ok) {
    console.log(`\nData plane: not measured — ${support.why}`);
    return;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-'));
  const lab = new NetnsLab(`bench${Math.random().toString(36).slice(2, 6)}`);
  const h = await openHarnessOn(await openPglite(undefined));
  let rec: Reconciler | undefined;
  let loop: NodeJS.Timeout | undefined;
  try {
    const dc = await buildBasicDataCenter(h.admin, { publicDns: [LAB_INTERNET.dns] });
    const offering = await h.admin.instanceOffering.create({ name: 's', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'i',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/i.qcow2',
    });
    const ctl = new LabController(lab, dir);
    await syncDataCenter(h.db, ctl);
    const resyncMs = 2000;
    rec = new Reconciler(h.db, { namespacePrefixFor: ctl.namespacePrefixFor, resyncMs, baseBackoffMs: 100, maxBackoffMs: 1000 });
    rec.start(50);
    // As in the console: the lab follows the database continuously.
    let busy = false;
    loop = setInterval(() => {
      if (busy) return;
      busy = true;
      void syncDataCenter(h.db, ctl).finally(() => (busy = false));
    }, 100);

    const createToPing = async (name: string) => {
      const t0 = performance.now();
      const [vm] = await h.admin.vm.create({
        name,
        instanceOfferingId: offering.id,
        imageId: image.id,
        l3Ids: [dc.privateL3.id],
      });
      for (;;) {
        const r = await runCheck(lab, ctl.vmNs(vm!.id), { kind: 'ping', target: '192.168.10.1', count: 1 }).catch(() => ({
          ok: false,
        }));
        if (r.ok) return { ms: performance.now() - t0, vm: vm! };
        if (performance.now() - t0 > 60_000) throw new Error(`${name} never pinged its gateway`);
        await sleep(50);
      }
    };
    const first = await createToPing('VM-0');
    const times: number[] = [];
    for (let i = 1; i <= 20; i++) times.push((await createToPing(`VM-${i}`)).ms);
    const bare: number[] = [];
    for (let i = 0; i < 5; i++) bare.push(await bareVmToPing(lab, i));

    // A rule deleted by hand, until the periodic resync puts it back.
    const router = (await h.admin.vrouter.list({})).items[0]!;
    const rns = ctl.routerNs(router.id);
    await sleep(resyncMs + 500);
    const repairs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await lab.exec(rns, 'nft', ['flush', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
      const t0 = performance.now();
      while (!(await lab.exec(rns, 'nft', ['list', 'chain', 'ip', 'cr_vrouter', 'postrouting'])).includes('snat to'))
        await sleep(20);
      repairs.push(performance.now() - t0);
    }

    await sleep(3000);
    const hostRss = await rssMb(ctl.agentPid(dc.host.id)!);
    const routerRss = await rssMb(ctl.agentPid(router.id)!);
    clearInterval(loop);
    loop = undefined;
    await rec.stop();
    const consoleMb = await consoleRss();

    console.log('\nData plane in the lab (S-BASIC, real agents, reconciler, DHCP)');
    const sorted = [...times].sort((a, b) => a - b);
    const p95 = sorted[Math.ceil(0.95 * sorted.length) - 1]!;
    console.log(
      `  create VM → first ping of its gateway, 20 runs: p50 ${median(times).toFixed(0)} ms, p95 ${p95.toFixed(0)} ms; ` +
        `p95/p50 ${(p95 / median(times)).toFixed(2)}× (goal ≤ 1.5×: ${p95 / median(times) <= 1.5 ? 'met' : 'NOT met'}) (runs: ` +
        `${times.map((t) => t.toFixed(0)).join(', ')}); the first VM, which also creates the vRouter: ` +
        `${first.ms.toFixed(0)} ms`,
    );
    console.log(
      `  baseline — bare namespace + veth + static IP + ping: median ${median(bare).toFixed(0)} ms; ratio ` +
        `${(median(times) / median(bare)).toFixed(1)}×`,
    );
    console.log(
      `  hand-deleted SNAT rule → repaired: median of 3 ${median(repairs).toFixed(0)} ms with a ${resyncMs} ms ` +
        `resync interval (ratio to the interval ${(median(repairs) / resyncMs).toFixed(2)}×; the console's ` +
        `default interval is 30 s)`,
    );
    console.log(
      `  resident memory at rest: host agent ${hostRss.toFixed(1)} MB, vRouter agent ${routerRss.toFixed(1)} MB ` +
        `(goal < 80 MB: ${Math.max(hostRss, routerRss) < 80 ? 'met' : 'NOT met'}), console ` +
        `${consoleMb === null ? 'not measured (no production build; run `npx next build`)' : `${consoleMb.toFixed(1)} MB`}`,
    );
  } finally {
    if (loop) clearInterval(loop);
    await rec?.stop();
    await lab.down();
    await h.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
