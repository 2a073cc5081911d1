import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { VRouterConfig } from '@/agent/protocol/vrouter';
import { startAgent } from '@/lab/agents';
import { labSupported, NetnsLab } from '@/lab/netns';

/**
 * Issue 12: what EIPs and port forwards cost the traffic itself. A client and a server namespace
 * either side of a router namespace run by a real vRouter agent; the same TCP traffic goes
 *   - routed: to the server's private address, through the router with conntrack and no NAT (the baseline);
 *   - through an EIP: to the VIP, 1:1 NAT to the server;
 *   - through a port forward: to the router's public address and a port, DNAT to the server's port.
 * Figures: bulk throughput of one connection, and new connections per second (64 in flight).
 * Issue 13 adds a load balancer's listeners on their own VIP over the same server: TCP through the
 * router's haproxy, and UDP datagram exchanges (64 flows) through the kernel's DNAT.
 * Both ends are Node processes, the client pinned to CPU 0 and the server to CPU 1 (the kernel's
 * forwarding runs beside them): the ratios compare the data paths under the same load, not the
 * machine's line rate. A round measures every path once; each path's figure is compared with the
 * baseline's of the same round, and the median of those ratios is the verdict — on these machines
 * one connection's throughput swings 3× between seconds, and a ratio of medians taken at different
 * moments said little.
 */
const TOOL = path.join(process.cwd(), 'lab', 'testing', 'tcp-bench.mjs');
const ROUNDS = 15;
const SERVER_CPU = os.cpus().length > 1 ? 1 : 0;
const MS = 1000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const LB_VIP = '10.108.10.60';

function config(mac: string): VRouterConfig {
  return {
    version: 1,
    routerId: '88888888-8888-4888-8888-888888888888',
    generation: 1,
    nics: [
      { name: 'eth1', role: 'public', l3Id: '11111111-1111-4111-8111-111111111111', addresses: ['10.108.10.5/8'], mac },
      { name: 'eth2', role: 'private', l3Id: '22222222-2222-4222-8222-222222222222', addresses: ['192.168.10.1/24'] },
    ],
    defaultRoute: null,
    routes: [],
    snat: [
      { sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: '22222222-2222-4222-8222-222222222222' },
    ],
    dns: null,
    // Issue 13: a TCP listener (haproxy) and a UDP listener (the kernel's DNAT) on their own VIP.
    listeners: (['tcp', 'udp'] as const).map((protocol, i) => ({
      id: `00000000-0000-4000-8000-00000000001${i}`,
      name: `bench-${protocol}`,
      protocol,
      vip: LB_VIP,
      lbPort: protocol === 'tcp' ? 5001 : 5353,
      vmPort: protocol === 'tcp' ? 5001 : 5353,
      algorithm: 'round-robin' as const,
      maxConnections: 100000,
      idleTimeoutSeconds: 60,
      healthCheck: {
        protocol,
        httpCodes: [],
        uri: null,
        method: 'HEAD' as const,
        healthyThreshold: 2,
        unhealthyThreshold: 2,
        intervalSeconds: 5,
        port: null,
      },
      certificateId: null,
      backends: [{ nicId: '00000000-0000-4000-8000-000000000020', ip: '192.168.10.20', weight: 1, group: 'default' }],
      policies: [],
    })),
    certificates: [],
    vips: [
      { ip: '10.108.10.50', nic: 'eth1' },
      { ip: LB_VIP, nic: 'eth1' },
    ],
    eips: [{ id: '00000000-0000-4000-8000-000000000001', vip: '10.108.10.50', target: '192.168.10.20', nic: 'eth1' }],
    portForwards: [
      {
        id: '00000000-0000-4000-8000-000000000002',
        protocol: 'tcp',
        vip: '10.108.10.5',
        vipPortStart: 2222,
        vipPortEnd: 2222,
        target: '192.168.10.20',
        targetPortStart: 5001,
        allowedCidr: null,
      },
    ],
  };
}

export async function benchThroughput() {
  const support = await labSupported();
  if (!support.ok) {
    console.log(`\nEIP / port-forward throughput: not measured — ${support.why}`);
    return;
  }
  const lab = new NetnsLab(`bth${Math.random().toString(36).slice(2, 6)}`);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-bench-th-'));
  try {
    await lab.batch([
      `netns add ${lab.ns('c')}`,
      `netns add ${lab.ns('r')}`,
      `netns add ${lab.ns('s')}`,
      `link add eth0 netns ${lab.ns('c')} type veth peer name eth1 netns ${lab.ns('r')}`,
      `link add eth2 netns ${lab.ns('r')} type veth peer name eth0 netns ${lab.ns('s')}`,
    ]);
    await lab.nsBatch('c', [
      'link set lo up',
      'link set eth0 up',
      'addr add 10.0.0.1/8 dev eth0',
      // The baseline's route: the server's private network through the router, no NAT.
      'route add 192.168.10.0/24 via 10.108.10.5',
    ]);
    await lab.nsBatch('r', ['link set lo up', 'link set eth1 up', 'link set eth2 up']);
    await lab.nsBatch('s', [
      'link set lo up',
      'link set eth0 up',
      'addr add 192.168.10.20/24 dev eth0',
      'route add default via 192.168.10.1',
    ]);
    const agent = await startAgent(lab, { kind: 'vrouter', ns: 'r', id: config('').routerId, dir, token: 'bench' });
    const [link] = JSON.parse(await lab.exec('r', 'ip', ['-j', 'link', 'show', 'eth1'])) as Array<{ address: string }>;
    await agent.client.putConfig(config(link!.address));
    // Client and server pinned: every path gets the same placement (left to the scheduler, one
    // connection's throughput swung between ~9 and ~15 Gbit/s from run to run).
    lab.spawn('s', 'taskset', ['-c', String(SERVER_CPU), process.execPath, TOOL, 'serve', '5001']);
    lab.spawn('s', 'taskset', ['-c', String(SERVER_CPU), process.execPath, TOOL, 'userve', '5353']);
    await new Promise((r) => setTimeout(r, 300));
    // The listeners serve once haproxy's first health check of the server passed (the server started after the config).
    for (let i = 0; ; i++) {
      const c = JSON.parse(
        (await lab.exec('c', process.execPath, [TOOL, 'connect', LB_VIP, '5001', '200', '1'], { timeoutMs: 10_000 })).trim(),
      ) as { done: number };
      if (c.done > 0) break;
      if (i > 100) throw new Error('the load balancer listener never answered');
      await new Promise((r) => setTimeout(r, 200));
    }

    // Goals: NAT paths ≥ 0.95× the routed baseline (issue 12); a TCP listener — a proxy, two
    // connections per client connection — ≥ 0.5× (issue 13).
    const paths = [
      { name: 'routed (conntrack, no NAT)', host: '192.168.10.20', port: 5001, goal: 0 },
      { name: 'EIP (1:1 NAT)', host: '10.108.10.50', port: 5001, goal: 0.95 },
      { name: 'port forward (DNAT)', host: '10.108.10.5', port: 2222, goal: 0.95 },
      { name: 'load balancer TCP listener (haproxy)', host: LB_VIP, port: 5001, goal: 0.5 },
    ];
    const udpPaths = [
      { name: 'routed (conntrack, no NAT)', host: '192.168.10.20', port: 5353, goal: 0 },
      { name: 'load balancer UDP listener (nftables DNAT)', host: LB_VIP, port: 5353, goal: 0.9 },
    ];
    const udp: number[][] = udpPaths.map(() => []);
    const gbps: number[][] = paths.map(() => []);
    const cps: number[][] = paths.map(() => []);
    const run = async (args: string[]) =>
      JSON.parse((await lab.exec('c', 'taskset', ['-c', '0', process.execPath, TOOL, ...args], { timeoutMs: 60_000 })).trim());
    // Interleaved rounds: drift of the machine's load hits every path alike.
    for (let round = 0; round < ROUNDS; round++) {
      // Each round starts with another path: no path always goes first (a cold start) or last.
      for (const i of paths.map((_, k) => (k + round) % paths.length)) {
        const p = paths[i]!;
        const t = (await run(['send', p.host, String(p.port), String(MS)])) as { bytes: number; ms: number };
        gbps[i]!.push((t.bytes * 8) / (t.ms / 1000) / 1e9);
        const c = (await run(['connect', p.host, String(p.port), String(MS), '64'])) as {
          done: number;
          failed: number;
          ms: number;
        };
        if (c.failed) throw new Error(`${p.name}: ${c.failed} connections failed`);
        cps[i]!.push(c.done / (c.ms / 1000));
      }
      for (const i of udpPaths.map((_, k) => (k + round) % udpPaths.length)) {
        const p = udpPaths[i]!;
        const u = (await run(['uping', p.host, String(p.port), String(MS), '64'])) as { done: number; lost: number; ms: number };
        udp[i]!.push(u.done / (u.ms / 1000));
      }
    }
    process.kill(agent.pid, 'SIGTERM');
    // The agent's haproxy (a daemon in the router namespace) goes with the namespace at teardown.
    console.log(
      `\nEIP and port-forward data path (a real vRouter agent's rules; client → router → server namespaces; ` +
        `median of ${ROUNDS} interleaved rounds of ${MS / 1000} s, the paths' order rotating; client and server ` +
        `the client pinned to CPU 0 and the server to CPU ${SERVER_CPU} of ${os.cpus().length})`,
    );
    for (const [i, p] of paths.entries()) {
      const [g, c] = [median(gbps[i]!), median(cps[i]!)];
      // Each round's figure against the baseline's in the same round (the machine's drift hits both), then the median.
      const paired = (xs: number[][]) => median(xs[i]!.map((x, round) => x / xs[0]![round]!));
      const verdict = (x: number) =>
        i === 0
          ? ''
          : ` (${x.toFixed(2)}× the routed baseline, median of the rounds' ratios; goal ≥ ${p.goal}×: ${x >= p.goal ? 'met' : 'NOT met'})`;
      const spread = (xs: number[], digits: number) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;
      console.log(
        `  ${p.name}: one connection ${g.toFixed(2)} Gbit/s (rounds ${spread(gbps[i]!, 1)})${verdict(paired(gbps))}; ` +
          `new connections ${c.toFixed(0)}/s (rounds ${spread(cps[i]!, 0)})${verdict(paired(cps))}`,
      );
    }
    console.log('  UDP, 64 flows each sending a datagram and waiting for its answer:');
    for (const [i, p] of udpPaths.entries()) {
      const ratio = median(udp[i]!.map((x, round) => x / udp[0]![round]!));
      console.log(
        `    ${p.name}: ${median(udp[i]!).toFixed(0)} datagram exchanges/s` +
          (i === 0
            ? ''
            : ` (${ratio.toFixed(2)}× the routed baseline; goal ≥ ${p.goal}×: ${ratio >= p.goal ? 'met' : 'NOT met'})`),
      );
    }
  } finally {
    await lab.down();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
