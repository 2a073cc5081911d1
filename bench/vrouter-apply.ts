/**
 * Runs inside a fresh router namespace (started by bench/vrouter.ts): times the vRouter agent's
 * apply of big service configs. Prints one JSON line. Arguments: eips pfs runs.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyVRouter } from '@/agent/apply/vrouter';
import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { run } from '@/agent/apply/exec';
import { renderVRouterNft, VROUTER_ARP_TABLE, VROUTER_TABLE } from '@/agent/render/vrouter-nft';

const ROUTER = '00000000-0000-4000-8000-000000000001';
const PUB = '00000000-0000-4000-8000-000000000002';
const PRIV = '00000000-0000-4000-8000-000000000003';
const id = (i: number) => `10000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ip = (base: number, i: number) => {
  const n = base + i;
  return [Math.floor(n / 2 ** 24) % 256, Math.floor(n / 2 ** 16) % 256, Math.floor(n / 256) % 256, n % 256].join('.');
};
const VIP_BASE = 10 * 2 ** 24 + 109 * 2 ** 16; // 10.109.0.0 + i: the EIPs' VIPs
const VM_BASE = 192 * 2 ** 24 + 168 * 2 ** 16 + 256; // 192.168.1.0 + i: the VMs

/** A router with `eips` EIPs (each its own VIP and VM) and `pfs` single-port rules on its system VIP. */
export function serviceConfig(eips: number, pfs: number, generation = 1): VRouterConfig {
  return {
    version: 1,
    routerId: ROUTER,
    generation,
    nics: [
      { name: 'eth1', role: 'public', l3Id: PUB, addresses: ['10.108.10.5/8'], mac: '02:00:00:00:00:01' },
      { name: 'eth2', role: 'private', l3Id: PRIV, addresses: ['192.168.0.1/16'] },
    ],
    defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
    routes: [],
    snat: [{ sourceCidr: '192.168.0.0/16', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: PRIV }],
    dns: null,
    listeners: [],
    certificates: [],
    vips: Array.from({ length: eips }, (_, i) => ({ ip: ip(VIP_BASE, i), nic: 'eth1' })),
    eips: Array.from({ length: eips }, (_, i) => ({ id: id(i), vip: ip(VIP_BASE, i), target: ip(VM_BASE, i), nic: 'eth1' })),
    portForwards: Array.from({ length: pfs }, (_, i) => ({
      id: id(100_000 + i),
      protocol: 'tcp' as const,
      vip: '10.108.10.5',
      vipPortStart: 10_000 + i,
      vipPortEnd: 10_000 + i,
      target: ip(VM_BASE, i % 20_000),
      targetPortStart: 22,
      allowedCidr: null,
    })),
  };
}

/** `cfg` with `k` more EIPs (numbered after the existing ones). */
export function plusEips(cfg: VRouterConfig, k: number): VRouterConfig {
  const n = cfg.eips.length;
  const more = serviceConfig(n + k, 0).eips.slice(n);
  return {
    ...cfg,
    generation: cfg.generation + 1,
    eips: [...cfg.eips, ...more],
    vips: [...cfg.vips, ...more.map((e) => ({ ip: e.vip, nic: 'eth1' }))],
  };
}

const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

async function main() {
  const [mode, eipsArg, pfsArg, runsArg] = process.argv.slice(2);
  const eips = Number(eipsArg);
  const pfs = Number(pfsArg);
  const runs = Number(runsArg);
  const runDir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-vr-'));
  const paths = { stateDir: runDir, runDir };
  const out: Record<string, number[] | string> = { mode: mode! };
  if (mode === 'full') {
    // The whole config onto a router that has none of it (as after a restart with state wiped),
    // beside the baseline: raw `nft -f` of the same ruleset text, rendered beforehand.
    const cfg = serviceConfig(eips, pfs);
    const text = renderVRouterNft(cfg);
    const bare = async () => {
      await run('nft', ['delete', 'table', 'ip', VROUTER_TABLE]).catch(() => undefined);
      await run('nft', ['delete', 'table', 'netdev', VROUTER_ARP_TABLE]).catch(() => undefined);
    };
    const full: number[] = [];
    const raw: number[] = [];
    for (let i = 0; i < runs; i++) {
      await bare();
      raw.push(await time(() => run('nft', ['-f', '-'], { input: text })));
      await bare();
      full.push(await time(() => applyVRouter(cfg, paths, { previous: null })));
    }
    out.full = full;
    out.raw = raw;
  } else {
    // Start at the size, then add one EIP at a time by delta, as the agent does after a bind.
    // Every config is built before timing, so the loop measures the agent, not this harness.
    const cfgs = [serviceConfig(eips, pfs)];
    for (let i = 0; i < runs; i++) cfgs.push(plusEips(cfgs[i]!, 1));
    await applyVRouter(cfgs[0]!, paths, { previous: null });
    const one: number[] = [];
    for (let i = 1; i <= runs; i++) one.push(await time(() => applyVRouter(cfgs[i]!, paths, { previous: cfgs[i - 1]! })));
    out.oneMore = one;
  }
  await fs.rm(runDir, { recursive: true, force: true });
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (process.argv[1]?.endsWith('vrouter-apply.ts')) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
