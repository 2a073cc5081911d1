import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AgentClient } from '../client';
import type { VRouterConfig } from '../protocol/vrouter';
import { NetnsLab } from '../../lab/netns';
import { buildRouterWorld, connLoad, describeLoads, labDescribe, randomLabName } from '../../lab/testing';
import { startAgent } from '../../lab/agents';

/**
 * R-HITLESS-1 under load (issue 12): new TCP connections at ≥ 200 per second each through an EIP,
 * a port forward and SNAT, on a router holding 10,000 EIPs and 10,000 port forwards, while its agent
 * is SIGKILLed and started again and while drift repairs (full applies of the whole config) run.
 * Not one connection may fail. (The console's own SIGKILL is lab/console-crash.lab.test.ts.)
 */
const ROUTER = '77777777-7777-4777-8777-777777777777';
const PUB = '11111111-1111-4111-8111-111111111111';
const PRIV = '22222222-2222-4222-8222-222222222222';
const EIP_VIP = '10.108.10.50';
const N = 10_000;
const RATE = 200;
const LOAD_MS = 14_000;

const lab = new NetnsLab(randomLabName('hl'));
let dir: string;
let client: AgentClient;
let agentPid: number;

const uuid = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const quad = (a: number, b: number, i: number) => `${a}.${b}.${(i >> 8) & 255}.${i & 255}`;

function config(mac: string): VRouterConfig {
  const vips = [{ ip: EIP_VIP, nic: 'eth1' }, ...Array.from({ length: N }, (_, i) => ({ ip: quad(10, 109, i), nic: 'eth1' }))];
  return {
    version: 1,
    routerId: ROUTER,
    generation: 1,
    nics: [
      // With its MAC, the router answers ARP for its VIPs on the public network (the gateway finds the EIP).
      { name: 'eth1', role: 'public', l3Id: PUB, addresses: ['10.108.10.5/8'], mac },
      { name: 'eth2', role: 'private', l3Id: PRIV, addresses: ['192.168.10.1/24'] },
    ],
    defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
    routes: [],
    snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: PRIV }],
    dns: null,
    listeners: [],
    certificates: [],
    vips,
    eips: [
      { id: uuid(1), vip: EIP_VIP, target: '192.168.10.20', nic: 'eth1' },
      ...Array.from({ length: N }, (_, i) => ({
        id: uuid(100_000 + i),
        vip: quad(10, 109, i),
        target: quad(172, 20, i),
        nic: 'eth1',
      })),
    ],
    portForwards: [
      {
        id: uuid(2),
        protocol: 'tcp',
        vip: '10.108.10.5',
        vipPortStart: 2222,
        vipPortEnd: 2222,
        target: '192.168.10.20',
        targetPortStart: 22,
        allowedCidr: null,
      },
      ...Array.from({ length: N }, (_, i) => ({
        id: uuid(200_000 + i),
        protocol: 'tcp' as const,
        vip: '10.108.10.5',
        vipPortStart: 30_000 + i,
        vipPortEnd: 30_000 + i,
        target: quad(172, 21, i),
        targetPortStart: 22,
        allowedCidr: null,
      })),
    ],
  };
}

async function restartAgent() {
  const started = await startAgent(lab, { kind: 'vrouter', ns: 'vr', id: ROUTER, dir, token: 'hitless-token' });
  agentPid = started.pid;
  client = started.client;
}

const load = (ns: string, host: string, port: number) => connLoad(lab, ns, host, port, RATE, LOAD_MS);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

await labDescribe('R-HITLESS-1: no connection fails through agent restarts and drift repairs at 10k EIPs (issue 12)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-hitless-'));
    await buildRouterWorld(lab, dir);
    // The VM answers on 22 (the EIP's and the port forward's target).
    lab.spawn('vm', process.execPath, [path.join(process.cwd(), 'lab', 'vm', 'listen.mjs'), 'tcp', '22', '600', 'vm']);
    await restartAgent();
    const [link] = JSON.parse(await lab.exec('vr', 'ip', ['-j', 'link', 'show', 'eth1'])) as Array<{ address: string }>;
    expect((await client.putConfig(config(link!.address))).appliedGeneration).toBe(1);
    expect((await client.status()).drift).toBe(false);
  });

  afterAll(async () => {
    await lab.down();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(await lab.list()).toEqual([]);
  });

  it('≥ 200 new connections/s each through an EIP, a port forward and SNAT: none fails', async () => {
    const loads = Promise.all([load('inet', EIP_VIP, 22), load('inet', '10.108.10.5', 2222), load('vm', '198.51.100.10', 80)]);
    const faults: string[] = [];
    // 1. The agent is SIGKILLed and started again: it adopts the kernel it finds.
    await sleep(1500);
    const before = agentPid;
    process.kill(agentPid, 'SIGKILL');
    await sleep(300);
    await restartAgent();
    expect(agentPid).not.toBe(before);
    expect(await client.status()).toMatchObject({ appliedGeneration: 1, drift: false });
    faults.push('agent SIGKILLed and restarted');
    // 2. Someone deletes an EIP by hand: drift; the repair is a full apply of 10k EIPs + 10k port forwards.
    await sleep(1500);
    const gone = quad(10, 109, 7);
    await lab.exec('vr', 'nft', ['delete', 'element', 'ip', 'cr_vrouter', 'eip_dnat', `{ ${gone} }`]);
    expect((await client.status()).drift).toBe(true);
    let t0 = performance.now();
    expect((await client.resync()).drift).toBe(false);
    faults.push(`drift repaired at 10k EIPs in ${Math.round(performance.now() - t0)} ms`);
    expect(await lab.exec('vr', 'nft', ['get', 'element', 'ip', 'cr_vrouter', 'eip_dnat', `{ ${gone} }`])).toContain(gone);
    // 3. More full applies of the whole table while the load runs.
    for (let i = 0; i < 3; i++) {
      await sleep(1000);
      t0 = performance.now();
      await client.resync();
      faults.push(`full apply ${i + 1} in ${Math.round(performance.now() - t0)} ms`);
    }
    const results = await loads;
    process.stdout.write(`R-HITLESS-1 load: ${describeLoads(results)}; ${faults.join('; ')}\n`);
    for (const r of results) {
      expect(r.failures, `${r.target}: ${JSON.stringify(r)} during ${faults.join('; ')}`).toEqual([]);
      expect(r.failed).toBe(0);
      expect(r.ok).toBe(r.attempted);
      expect(r.perSecond).toBeGreaterThanOrEqual(RATE);
    }
    expect(faults).toHaveLength(5);
  });
});
