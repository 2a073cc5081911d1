import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { openPglite } from '@/db/client';
import { LabController, LAB_INTERNET } from '@/lab/controller';
import { runCheck } from '@/lab/checks';
import { labSupported, NetnsLab } from '@/lab/netns';
import { syncDataCenter } from '@/server/dataplane/inventory';
import { Reconciler } from '@/server/reconciler/reconciler';
import { buildBasicDataCenter, SERVICES_PUBLIC_RANGE } from '@/server/testing/basic-datacenter';
import { startAgent } from '@/lab/agents';
import { openHarnessOn } from './harness';
import { plusEips, serviceConfig } from './vrouter-apply';
import { PROTOCOL_VERSION } from '@/agent/protocol/common';
import { diffConfig } from '@/agent/protocol/patch';
import { VROUTER_PATCHING, VRouterConfigV1 } from '@/agent/protocol/vrouter';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A bare router namespace `r<tag>` (eth1 public, eth2 private, their peers in `p<tag>`), and how to remove both. */
async function bareRouter(lab: NetnsLab, tag: string) {
  const r = `r${tag}`;
  const p = `p${tag}`;
  await lab.batch([
    `netns add ${lab.ns(r)}`,
    `netns add ${lab.ns(p)}`,
    `link add eth1 netns ${lab.ns(r)} type veth peer name p1 netns ${lab.ns(p)}`,
    `link add eth2 netns ${lab.ns(r)} type veth peer name p2 netns ${lab.ns(p)}`,
  ]);
  await lab.nsBatch(r, ['link set lo up', 'link set eth1 up', 'link set eth2 up']);
  return {
    r,
    remove: async () => {
      await lab.removeNamespace(lab.ns(r));
      await lab.removeNamespace(lab.ns(p));
    },
  };
}

/** bench/vrouter-apply.ts run inside a bare router namespace. */
async function applyInRouter(lab: NetnsLab, tag: string, args: string[]): Promise<Record<string, number[] | undefined>> {
  const { r, remove } = await bareRouter(lab, tag);
  const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const out = await lab.exec(r, tsx, ['--tsconfig', 'tsconfig.json', 'bench/vrouter-apply.ts', ...args], { timeoutMs: 120_000 });
  await remove();
  return JSON.parse(out.trim().split('\n').pop()!) as Record<string, number[]>;
}

/**
 * What the reconciler waits for: the agent's `PUT /v1/config` end to end (the client's JSON, the
 * socket, the agent's parse and schema, the apply, the save), a real vRouter agent in a bare router
 * namespace. `full`: the whole config onto the bare router, once per fresh agent; `one`: the config
 * at its size, then `runs` PUTs of one more EIP each.
 */
async function putInRouter(lab: NetnsLab, dir: string, tag: string, mode: 'full' | 'one' | 'patch', n: number, runs: number) {
  const { r, remove } = await bareRouter(lab, tag);
  const agent = await startAgent(lab, { kind: 'vrouter', ns: r, id: serviceConfig(0, 0).routerId, dir, token: `bench-${tag}` });
  try {
    const base = serviceConfig(n, n);
    if (mode === 'full') {
      const t0 = performance.now();
      await agent.client.putConfig(base);
      return [performance.now() - t0];
    }
    const cfgs = [base];
    for (let i = 0; i < runs; i++) cfgs.push(plusEips(cfgs[i]!, 1));
    await agent.client.putConfig(base);
    const out: number[] = [];
    // The reconciler compiles each config afresh from the database: the diff compares distinct objects.
    const fresh = cfgs.map((c) => structuredClone(c));
    for (const [i, cfg] of cfgs.slice(1).entries()) {
      const t0 = performance.now();
      if (mode === 'one') await agent.client.putConfig(cfg);
      else {
        // As the reconciler sends it: the diff against the config it last pushed, then PATCH.
        const patch = diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, fresh[i], fresh[i + 1])!;
        await agent.client.patchConfig({ version: PROTOCOL_VERSION, baseGeneration: cfgs[i]!.generation, patch });
      }
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    process.kill(agent.pid, 'SIGTERM');
    await remove();
  }
}

/**
 * Issue 5's vRouter figures: apply 10,000 EIPs + 10,000 PF rules (goal ≤ 0.3 s); one more EIP at
 * that size vs. on an empty router (goal ≤ 2×); and "bind EIP" in the API → first TCP connection
 * from the internet through it, with the real reconciler and agent.
 */
export async function benchVRouterServices() {
  const support = await labSupported();
  if (!support.ok) {
    console.log(`\nvRouter services: not measured — ${support.why}`);
    return;
  }
  const lab = new NetnsLab(`bvr${Math.random().toString(36).slice(2, 6)}`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-vr-'));
  const h = await openHarnessOn(await openPglite(undefined));
  let rec: Reconciler | undefined;
  try {
    const N = 10_000;
    const full: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < 3; i++) {
      const got = await applyInRouter(lab, `f${i}`, ['full', String(N), String(N), '1']);
      full.push(got.full![0]!);
      raw.push(got.raw![0]!);
    }
    const putFull: number[] = [];
    for (let i = 0; i < 3; i++) putFull.push(...(await putInRouter(lab, dir, `pf${i}`, 'full', N, 1)));
    const putAtSize = await putInRouter(lab, dir, 'pbig', 'one', N, 21);
    const putOnEmpty = await putInRouter(lab, dir, 'pempty', 'one', 0, 21);
    const patchAtSize = await putInRouter(lab, dir, 'qbig', 'patch', N, 21);
    const patchOnEmpty = await putInRouter(lab, dir, 'qempty', 'patch', 0, 21);
    const atSize = (await applyInRouter(lab, 'big', ['one', String(N), String(N), '21'])).oneMore!;
    const onEmpty = (await applyInRouter(lab, 'empty', ['one', '0', '0', '21'])).oneMore!;

    // Bind → first TCP through the EIP, end to end: API, reconciler, agent, kernel, packets.
    const dc = await buildBasicDataCenter(h.admin, {
      publicDns: [LAB_INTERNET.dns],
      publicRange: SERVICES_PUBLIC_RANGE,
      publicDhcp: '10.108.12.1',
    });
    const offering = await h.admin.instanceOffering.create({ name: 's', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'i',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/i.qcow2',
    });
    const vms = await h.admin.vm.create({
      name: 'VM',
      instanceOfferingId: offering.id,
      imageId: image.id,
      l3Ids: [dc.privateL3.id],
      count: 2,
    });
    const eip = await h.admin.eip.create({ name: 'EIP-bench', l3Id: dc.publicL3.id });
    const ctl = new LabController(lab, dir);
    await syncDataCenter(h.db, ctl);
    rec = new Reconciler(h.db, {
      namespacePrefixFor: ctl.namespacePrefixFor,
      resyncMs: 30_000,
      baseBackoffMs: 100,
      maxBackoffMs: 1000,
    });
    rec.start(20);
    await syncDataCenter(h.db, ctl);
    await rec.settle(60_000);
    for (const [i, vm] of vms.entries())
      await runCheck(lab, ctl.vmNs(vm.id), { kind: 'listen', port: 22, protocol: 'tcp', seconds: 600, label: `VM-${i + 1}` });
    const bindToTcp: number[] = [];
    for (let i = 0; i < 6; i++) {
      const vm = vms[i % 2]!;
      if (i > 0) await h.admin.eip.unbind({ id: eip.id });
      await rec.settle(30_000);
      const t0 = performance.now();
      await h.admin.eip.bind({ id: eip.id, nicId: vm.nics[0]!.id });
      // A client that tries again every few ms (a refused or lost SYN would otherwise cost a 1 s retransmit).
      for (;;) {
        const banner = await lab
          .exec('inet', 'timeout', [
            '0.2',
            'bash',
            '-c',
            'exec 3<>"/dev/tcp/$0/$1" && timeout 0.2 head -c 100 <&3',
            eip.vip,
            '22',
          ])
          .catch(() => '');
        if (banner.includes(`VM-${(i % 2) + 1}`)) break;
        if (performance.now() - t0 > 30_000) throw new Error('the EIP never answered');
        await sleep(5);
      }
      bindToTcp.push(performance.now() - t0);
    }

    const f = median(full);
    const ratio = median(atSize) / median(onEmpty);
    console.log(
      `\nvRouter services (nftables maps, VIPs answered by an nftables ARP responder; agent apply measured ` +
        `inside a router namespace; ${os.cpus().length} CPUs)`,
    );
    console.log(
      `  apply a config with ${N.toLocaleString('en')} EIPs + ${N.toLocaleString('en')} PF rules onto a bare ` +
        `router: median of 3 ${f.toFixed(0)} ms (runs: ${full.map((x) => x.toFixed(0)).join(', ')}; goal ≤ 300 ` +
        `ms: ${f <= 300 ? 'met' : 'NOT met'})`,
    );
    const [rawM, putM] = [median(raw), median(putFull)];
    console.log(
      `  the same, end to end — the agent's PUT /v1/config as the reconciler waits for it (JSON, socket, parse, ` +
        `apply, save): median of 3 ${putM.toFixed(0)} ms; the agent's apply alone ${f.toFixed(0)} ms; baseline raw ` +
        `\`nft -f\` of the same ruleset text ${rawM.toFixed(0)} ms; PUT/raw ${(putM / rawM).toFixed(2)}× (goal ≤ 1.5×: ` +
        `${putM / rawM <= 1.5 ? 'met' : 'NOT met'})`,
    );
    const patchRatio = median(patchAtSize) / median(patchOnEmpty);
    console.log(
      `  one more EIP end to end as the reconciler sends it (diff, PATCH /v1/config, item checks, apply, saved patch): ` +
        `at that size median of 21 ${median(patchAtSize).toFixed(1)} ms; on an empty router ` +
        `${median(patchOnEmpty).toFixed(1)} ms; ratio ${patchRatio.toFixed(2)}× (goal ≤ 2×: ${patchRatio <= 2 ? 'met' : 'NOT met'})`,
    );
    const putRatio = median(putAtSize) / median(putOnEmpty);
    console.log(
      `  for comparison, the same as a PUT of the whole config: at that size ${median(putAtSize).toFixed(1)} ms; ` +
        `on an empty router ${median(putOnEmpty).toFixed(1)} ms; ratio ${putRatio.toFixed(2)}×`,
    );
    console.log(
      `  one more EIP: at that size median of 21 ${median(atSize).toFixed(1)} ms; on an empty router ` +
        `${median(onEmpty).toFixed(1)} ms; ratio ${ratio.toFixed(2)}× (goal ≤ 2×: ` +
        `${ratio <= 2 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  "bind EIP" in the API → first TCP connection from the internet through it: median of 6 ` +
        `${median(bindToTcp).toFixed(0)} ms (runs: ${bindToTcp.map((x) => x.toFixed(0)).join(', ')}; reconciler ` +
        `poll 20 ms)`,
    );
  } finally {
    await rec?.stop();
    await lab.down();
    await h.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
