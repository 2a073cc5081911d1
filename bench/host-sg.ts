/**
 * Issues 6 and 12's figures: a host's security-group ruleset for 500 VM NICs × 20 rules applied
 * whole — NICs sharing groups of 20, and each NIC in its own group (10,000 rules) — and a membership
 * change (a VM elsewhere joins a remote group) at that size vs. with 5 NICs (goal ≤ 2×); the kernel
 * step alone and the host agent's PUT end to end (what the reconciler waits for). The applies run
 * inside a fresh network namespace: `bench/host-sg.ts inner full|member PORTS RUNS [NICS_PER_GROUP]`
 * is that part, printing one JSON line.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { applySecurity } from '@/agent/apply/host';
import { deviceNames, HOST_PATCHING, HostConfigV1 } from '@/agent/protocol/host';
import { PROTOCOL_VERSION } from '@/agent/protocol/common';
import { diffConfig } from '@/agent/protocol/patch';
import { startAgent } from '@/lab/agents';
import type { HostConfig } from '@/agent/protocol/host';
import fs from 'node:fs/promises';
import os from 'node:os';
import { run } from '@/agent/apply/exec';
import { SG_TABLE } from '@/agent/render/host-sg';
import { restrictsEgress } from '@/server/domain/security/groups';
import { labSupported, NetnsLab } from '@/lab/netns';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const uuid = (kind: number, i: number) => `${String(kind).padStart(8, '0')}-0000-4000-8000-${String(i).padStart(12, '0')}`;
const ip = (i: number) => `10.${Math.floor(i / 65536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;
export const RULES_PER_NIC = 20;

/**
 * `ports` VM NICs, `nicsPerGroup` per group (20: shared groups; 1: each NIC its own); each group has
 * its 2 default rules and 18 of its own (TCP/UDP ranges, CIDRs, ICMP, and the next group as remote
 * group), so every NIC is filtered by 20 rules. Remote groups have members on other hosts too
 * (`extraMembers` each).
 */
export function securityConfig(ports: number, extraMembers = 50, nicsPerGroup = 20): HostConfig['security'] {
  const NICS_PER_GROUP = nicsPerGroup;
  const groupCount = Math.max(1, Math.ceil(ports / NICS_PER_GROUP));
  const gid = (g: number) => uuid(1, g % groupCount);
  const groups = Array.from({ length: groupCount }, (_, g) => ({
    id: gid(g),
    name: `SG-${g}`,
    rules: Array.from({ length: RULES_PER_NIC }, (_, r) => {
      const base = {
        id: uuid(2, g * 100 + r),
        portStart: null,
        portEnd: null,
        icmpType: null,
        icmpCode: null,
        cidr: null,
        remoteGroupId: null,
        isDefault: false,
      };
      if (r < 2)
        return {
          ...base,
          direction: r === 0 ? ('ingress' as const) : ('egress' as const),
          protocol: 'all' as const,
          remoteGroupId: gid(g),
          isDefault: true,
        };
      if (r === 2)
        return {
          ...base,
          direction: 'ingress' as const,
          protocol: 'tcp' as const,
          portStart: 22,
          portEnd: 22,
          remoteGroupId: gid(g + 1),
        };
      if (r === 3) return { ...base, direction: 'ingress' as const, protocol: 'icmp' as const, icmpType: -1, icmpCode: -1 };
      return {
        ...base,
        direction: r % 2 ? ('egress' as const) : ('ingress' as const),
        protocol: r % 3 ? ('tcp' as const) : ('udp' as const),
        portStart: 1000 + r * 10,
        portEnd: 1005 + r * 10,
        cidr: `172.${16 + (r % 16)}.0.0/16`,
      };
    }),
  }));
  const nicIps = Array.from({ length: ports }, (_, i) => ip(i + 1));
  const members: Record<string, string[]> = {};
  for (let g = 0; g < groupCount; g++) {
    members[gid(g)] = [
      ...nicIps.filter((_, i) => Math.floor(i / NICS_PER_GROUP) === g),
      ...Array.from({ length: extraMembers }, (_, k) => ip(200_000 + g * 1000 + k)),
    ];
  }
  return {
    ports: nicIps.map((address, i) => ({
      port: deviceNames.port(uuid(3, i)),
      ip: address,
      groupIds: [gid(Math.floor(i / NICS_PER_GROUP))],
      dns: ['10.255.0.1'],
    })),
    groups: groups.map((g) => ({ ...g, egressRestricted: restrictsEgress(g) })),
    members,
  };
}

/**
 * A host config the agent's own schema accepts: the security section's ports are VM ports of the
 * config, plugged into one bridge (the end-to-end runs create their interfaces, as running VMs have).
 */
const BENCH_L2 = uuid(8, 1);
const hostConfig = (security: HostConfig['security'], generation: number): HostConfig =>
  HostConfigV1.parse({
    version: 1,
    hostId: uuid(9, 1),
    generation,
    namespacePrefix: 'cr-bench-',
    bridges: [{ l2Id: BENCH_L2, name: deviceNames.bridge(BENCH_L2), uplink: { kind: 'nic', nic: 'em01' } }],
    ports: security.ports.map((p, i) => ({
      nicId: uuid(3, i),
      name: p.port,
      bridge: deviceNames.bridge(BENCH_L2),
      mac: `02:00:00:${[i >> 16, (i >> 8) & 255, i & 255].map((x) => x.toString(16).padStart(2, '0')).join(':')}`,
      guard: { ips: [p.ip] },
    })),
    dhcp: [],
    security,
  }) as HostConfig;

const time = async (fn: () => Promise<unknown>) => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

/** Config `i` of a run where VMs on other hosts join group 0 one by one (one set element here each). */
function joining(base: HostConfig, runs: number): HostConfig[] {
  const g0 = base.security.groups[0]!.id;
  const joined = [base];
  for (let i = 1; i <= runs; i++) {
    const prev = joined[i - 1]!;
    joined.push({
      ...prev,
      generation: i + 1,
      security: {
        ...prev.security,
        members: { ...prev.security.members, [g0]: [...prev.security.members[g0]!, ip(900_000 + i)] },
      },
    });
  }
  return joined;
}

async function inner(mode: string, ports: number, runs: number, nicsPerGroup: number) {
  const base = hostConfig(securityConfig(ports, 50, nicsPerGroup), 1);
  const out: number[] = [];
  if (mode === 'full') {
    for (let i = 0; i < runs; i++) {
      if (i > 0) for (const family of ['bridge', 'inet']) await run('nft', ['delete', 'table', family, SG_TABLE]);
      out.push(await time(() => applySecurity(base, null)));
    }
  } else if (mode === 'port') {
    // A VM here moves from group 0 to group 1 and back: a port-map element and two member-set elements.
    await applySecurity(base, null);
    const [g0, g1] = [base.security.groups[0]!.id, base.security.groups[1]!.id];
    const port0 = base.security.ports[0]!;
    const moved = (to: string, from: string, generation: number): HostConfig => ({
      ...base,
      generation,
      security: {
        ...base.security,
        ports: [{ ...port0, groupIds: [to] }, ...base.security.ports.slice(1)],
        members: {
          ...base.security.members,
          [from]: base.security.members[from]!.filter((x) => x !== port0.ip),
          [to]: [...base.security.members[to]!, port0.ip],
        },
      },
    });
    const cfgs = [base];
    for (let i = 1; i <= runs; i++) cfgs.push(i % 2 ? moved(g1, g0, i + 1) : { ...base, generation: i + 1 });
    for (let i = 1; i <= runs; i++) out.push(await time(() => applySecurity(cfgs[i]!, cfgs[i - 1]!)));
  } else {
    // A VM on another host joins group 0 (a remote group of the last group's rules) — one element
    // here — or, mode "leave", such VMs leave it again one by one.
    const joined = joining(base, runs);
    const cfgs = mode === 'leave' ? [...joined].reverse() : joined;
    await applySecurity(cfgs[0]!, null);
    for (let i = 1; i <= runs; i++) out.push(await time(() => applySecurity(cfgs[i]!, cfgs[i - 1]!)));
  }
  process.stdout.write(JSON.stringify({ [mode]: out }) + '\n');
}

/**
 * The host agent's PUT end to end, a real agent in a fresh namespace: `full` the whole config onto
 * a bare host (once per fresh agent), `member` the config at its size then `runs` membership changes
 * as patches.
 */
async function putInHost(
  lab: NetnsLab,
  dir: string,
  tag: string,
  mode: 'full' | 'member',
  ports: number,
  runs: number,
  perGroup: number,
) {
  const ns = `a${tag}`;
  await lab.batch([
    `netns add ${lab.ns(ns)}`,
    `link add em01 netns ${lab.ns(ns)} type veth peer name x${tag} netns ${lab.ns(ns)}`,
  ]);
  await lab.nsBatch(ns, ['link set lo up', 'link set em01 up']);
  const cfgs = joining(hostConfig(securityConfig(ports, 50, perGroup), 1), runs);
  // The VMs are running: their ports exist (veths whose other ends stay in the namespace).
  await lab.nsBatch(
    ns,
    cfgs[0]!.ports.map((p, i) => `link add ${p.name} type veth peer name q${i}`),
  );
  const agent = await startAgent(lab, { kind: 'host', ns, id: uuid(9, 1), dir, token: `bench-${tag}` });
  try {
    const put = async (cfg: HostConfig) => {
      const t0 = performance.now();
      await agent.client.putConfig(cfg);
      return performance.now() - t0;
    };
    if (mode === 'full') return [await put(cfgs[0]!)];
    await put(cfgs[0]!);
    const out: number[] = [];
    // As the reconciler sends a change: the diff against the config it last pushed (compiled afresh
    // from the database: distinct objects), then PATCH.
    const fresh = cfgs.map((c) => structuredClone(c));
    for (let i = 0; i < cfgs.length - 1; i++) {
      const t0 = performance.now();
      const patch = diffConfig(HostConfigV1, HOST_PATCHING.keys, fresh[i], fresh[i + 1])!;
      await agent.client.patchConfig({ version: PROTOCOL_VERSION, baseGeneration: cfgs[i]!.generation, patch });
      out.push(performance.now() - t0);
    }
    return out;
  } finally {
    process.kill(agent.pid, 'SIGTERM');
    await lab.removeNamespace(lab.ns(ns));
  }
}

async function inNamespace(lab: NetnsLab, tag: string, args: string[]): Promise<number[]> {
  const ns = `s${tag}`;
  await lab.batch([`netns add ${lab.ns(ns)}`]);
  const tsx = path.join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const out = await lab.exec(ns, tsx, ['--tsconfig', 'tsconfig.json', 'bench/host-sg.ts', 'inner', ...args], {
    timeoutMs: 120_000,
  });
  await lab.removeNamespace(lab.ns(ns));
  return Object.values(JSON.parse(out.trim().split('\n').pop()!) as Record<string, number[]>)[0]!;
}

export async function benchHostSg() {
  const support = await labSupported();
  if (!support.ok) {
    console.log(`\nsecurity groups: not measured — ${support.why}`);
    return;
  }
  const lab = new NetnsLab(`bsg${Math.random().toString(36).slice(2, 6)}`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-sg-'));
  try {
    const N = 500;
    const full = await inNamespace(lab, 'full', ['full', String(N), '3']);
    const ownFull = await inNamespace(lab, 'ofull', ['full', String(N), '3', '1']);
    const putOwn: number[] = [];
    for (let i = 0; i < 3; i++) putOwn.push(...(await putInHost(lab, dir, `o${i}`, 'full', N, 1, 1)));
    const putMemberBig = await putInHost(lab, dir, 'mb', 'member', N, 21, 1);
    const putMemberSmall = await putInHost(lab, dir, 'ms', 'member', 5, 21, 1);
    const atSize = await inNamespace(lab, 'big', ['member', String(N), '21']);
    const small = await inNamespace(lab, 'small', ['member', '5', '21']);
    const leaveBig = await inNamespace(lab, 'lbig', ['leave', String(N), '21']);
    const leaveSmall = await inNamespace(lab, 'lsmall', ['leave', '5', '21']);
    const leaveRatio = median(leaveBig) / median(leaveSmall);
    const move = await inNamespace(lab, 'move', ['port', String(N), '21']);
    const ratio = median(atSize) / median(small);
    console.log(
      `\nsecurity groups (one host's ruleset: bridge table tags ports, inet table filters with conntrack; remote groups as sets)`,
    );
    console.log(
      `  apply a ruleset for ${N} VM NICs × ${RULES_PER_NIC} rules (NICs sharing groups of 20) onto a bare host: kernel step median of 3 ` +
        `${median(full).toFixed(0)} ms (runs: ${full.map((x) => x.toFixed(0)).join(', ')})`,
    );
    const own = median(putOwn);
    const putRatio = median(putMemberBig) / median(putMemberSmall);
    console.log(
      `  each of the ${N} NICs in its own group of ${RULES_PER_NIC} rules (${N * RULES_PER_NIC} rules): kernel step median of 3 ` +
        `${median(ownFull).toFixed(0)} ms; the host agent's PUT end to end (JSON, socket, schema, apply, save) median of 3 ` +
        `${own.toFixed(0)} ms (goal ≤ 500 ms: ${own <= 500 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  … a membership change end to end as the reconciler sends it (diff, PATCH, item checks, apply, saved patch): ` +
        `at ${N} NICs median of 21 ${median(putMemberBig).toFixed(1)} ms; with 5 NICs ` +
        `${median(putMemberSmall).toFixed(1)} ms; ratio ${putRatio.toFixed(2)}× (goal ≤ 2×: ${putRatio <= 2 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  a membership change (a VM on another host joins a remote group): at ${N} NICs median of 21 ` +
        `${median(atSize).toFixed(1)} ms; with 5 NICs ${median(small).toFixed(1)} ms; ratio ${ratio.toFixed(2)}× ` +
        `(goal ≤ 2×: ${ratio <= 2 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  … and a VM leaving it: at ${N} NICs median of 21 ${median(leaveBig).toFixed(1)} ms; with 5 NICs ` +
        `${median(leaveSmall).toFixed(1)} ms; ratio ${leaveRatio.toFixed(2)}× (goal ≤ 2×: ` +
        `${leaveRatio <= 2 ? 'met' : 'NOT met'})`,
    );
    console.log(
      `  a VM here moves to another group (port map + member sets, no rule rewritten): at ${N} NICs median of ` +
        `21 ${median(move).toFixed(1)} ms`,
    );
  } finally {
    await lab.down();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith('host-sg.ts') && process.argv[2] === 'inner') {
  inner(process.argv[3]!, Number(process.argv[4]), Number(process.argv[5]), Number(process.argv[6] ?? 20)).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
