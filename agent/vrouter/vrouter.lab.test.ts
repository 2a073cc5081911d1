import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient, AgentCallError } from '../client';
import type { VRouterConfig } from '../protocol/vrouter';
import { NetnsLab } from '../../lab/netns';
import { labDescribe, randomLabName } from '../../lab/testing';
import { startAgent } from '../../lab/agents';

// Address plan (seed tables 1 and 3; internet on documentation ranges):
//   VM 192.168.10.20/24 ── eth2 192.168.10.1/24 [vRouter] eth1 10.108.10.5/8 ── 10.0.0.1/8 [gw] 203.0.113.2/30 ── 203.0.113.1/30 [internet]
//   internet: web 198.51.100.10 (example.com), DNS 198.51.100.53
const PUBLIC_L3 = randomUUID();
const PRIVATE_L3 = randomUUID();
const ROUTER = randomUUID();

const lab = new NetnsLab(randomLabName('vr'));
let dir: string;
let client: AgentClient;
let agentPid: number | undefined;

function config(generation: number, patch: Partial<VRouterConfig> = {}): VRouterConfig {
  return {
    version: 1,
    routerId: ROUTER,
    generation,
    nics: [
      { name: 'eth1', role: 'public', l3Id: PUBLIC_L3, addresses: ['10.108.10.5/8'] },
      { name: 'eth2', role: 'private', l3Id: PRIVATE_L3, addresses: ['192.168.10.1/24'] },
    ],
    defaultRoute: { via: '10.0.0.1', nic: 'eth1' },
    routes: [],
    snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.5', l3Id: PRIVATE_L3 }],
    dns: { listen: ['192.168.10.1'], upstreams: ['198.51.100.53'] },
    vips: [],
    eips: [],
    portForwards: [],
    ...patch,
  };
}

async function restartAgent() {
  const started = await startAgent(lab, { kind: 'vrouter', ns: 'vr', id: ROUTER, dir, token: 'lab-token-1' });
  agentPid = started.pid;
  return started.client;
}

/** From the VM: fetch http://example.com/ and return what the internet server saw. */
async function fetchFromVm(): Promise<{ you: string }> {
  // curl, not busybox wget: busybox 1.35's `wget -T` segfaults.
  const out = await lab.exec('vm', 'curl', ['-s', '-m', '5', 'http://example.com/']);
  return JSON.parse(out) as { you: string };
}

await labDescribe('vRouter agent in a real namespace (R-SNAT-1, R-DNS-1)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-vr-'));
    const [inet, gw, vr, vm] = ['inet', 'gw', 'vr', 'vm'].map((s) => lab.ns(s));
    await lab.batch([
      `netns add ${inet}`,
      `netns add ${gw}`,
      `netns add ${vr}`,
      `netns add ${vm}`,
      `link add up0 netns ${inet} type veth peer name up0 netns ${gw}`,
      `link add pub0 netns ${gw} type veth peer name eth1 netns ${vr}`,
      `link add eth2 netns ${vr} type veth peer name eth0 netns ${vm}`,
    ]);
    await lab.nsBatch('inet', [
      'link set lo up',
      'link set up0 up',
      'addr add 203.0.113.1/30 dev up0',
      'addr add 198.51.100.10/32 dev lo',
      'addr add 198.51.100.53/32 dev lo',
      'route add 10.0.0.0/8 via 203.0.113.2',
    ]);
    await lab.nsBatch('gw', [
      'link set lo up',
      'link set up0 up',
      'link set pub0 up',
      'addr add 203.0.113.2/30 dev up0',
      'addr add 10.0.0.1/8 dev pub0',
      'route add default via 203.0.113.1',
    ]);
    await lab.exec('gw', 'sh', ['-c', 'echo 1 > /proc/sys/net/ipv4/ip_forward']);
    await lab.nsBatch('vr', ['link set lo up']);
    await lab.nsBatch('vm', [
      'link set lo up',
      'link set eth0 up',
      'addr add 192.168.10.20/24 dev eth0',
      'route add default via 192.168.10.1',
    ]);
    await lab.setResolver('vm', '192.168.10.1');
    lab.spawn('inet', process.execPath, ['lab/internet/web.mjs', '198.51.100.10', '80']);
    await lab.exec('inet', 'dnsmasq', [
      '--conf-file=/dev/null',
      '--no-resolv',
      '--no-hosts',
      '--bind-interfaces',
      '--listen-address=198.51.100.53',
      '--address=/example.com/198.51.100.10',
      `--pid-file=${path.join(dir, 'inet-dns.pid')}`,
    ]);
    client = await restartAgent();
  });

  afterAll(async () => {
    await lab.down();
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(await lab.list()).toEqual([]);
  });

  it('the VM resolves example.com through the vRouter and reaches the internet from the vRouter public IP', async () => {
    const status = await client.putConfig(config(1));
    expect(status).toMatchObject({ appliedGeneration: 1, drift: false, lastError: null });
    const ns = await lab.exec('vm', 'busybox', ['nslookup', '-type=a', 'example.com', '192.168.10.1']);
    expect(ns).toContain('198.51.100.10');
    expect((await fetchFromVm()).you).toBe('10.108.10.5');
    // SNAT is scoped to the public NIC and carries the L3 id.
    const nft = await lab.exec('vr', 'nft', ['list', 'table', 'ip', 'cr_vrouter']);
    expect(nft).toContain(`oifname "eth1" ip saddr 192.168.10.0/24 snat to 10.108.10.5 comment "snat l3=${PRIVATE_L3}"`);
  });

  it('applying the same config twice changes nothing', async () => {
    const before = await client.status();
    const dnsPid = await fs.readFile(path.join(dir, 'vrouter-vr', 'run', 'dns.pid'), 'utf8');
    const again = await client.putConfig(config(1));
    expect(again.kernelHash).toBe(before.kernelHash);
    expect(await fs.readFile(path.join(dir, 'vrouter-vr', 'run', 'dns.pid'), 'utf8')).toBe(dnsPid);
  });

  it('refuses a malformed config with a clear error and keeps the old one in force', async () => {
    const err = await client
      .putRaw(JSON.stringify({ version: 1, routerId: ROUTER, generation: 2, nics: 'eth1' }))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentCallError);
    expect(err).toMatchObject({ status: 400, error: { code: 'CONFIG_INVALID' } });
    const notJson = await client.putRaw('{not json').catch((e: unknown) => e);
    expect(notJson).toMatchObject({ status: 400, error: { code: 'CONFIG_INVALID' } });
    expect((await client.status()).appliedGeneration).toBe(1);
    expect((await fetchFromVm()).you).toBe('10.108.10.5');
  });

  it('refuses a wrong token', async () => {
    const stranger = new AgentClient(client.address, 'wrong-token');
    await expect(stranger.status()).rejects.toMatchObject({ status: 401, error: { code: 'UNAUTHORIZED' } });
  });

  it('reports drift when a rule is deleted by hand, and a resync restores it', async () => {
    await lab.exec('vr', 'nft', ['flush', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
    const drifted = await client.status();
    expect(drifted.drift).toBe(true);
    expect(drifted.kernelHash).not.toBe(drifted.appliedKernelHash);
    const repaired = await client.resync();
    expect(repaired.drift).toBe(false);
    expect((await fetchFromVm()).you).toBe('10.108.10.5');
  });

  it('a new generation changes only what differs: a second public address becomes the SNAT source', async () => {
    const cfg = config(3, {
      nics: [
        { name: 'eth1', role: 'public', l3Id: PUBLIC_L3, addresses: ['10.108.10.5/8', '10.108.10.6/8'] },
        { name: 'eth2', role: 'private', l3Id: PRIVATE_L3, addresses: ['192.168.10.1/24'] },
      ],
      snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.6', l3Id: PRIVATE_L3 }],
    });
    expect((await client.putConfig(cfg)).appliedGeneration).toBe(3);
    expect((await fetchFromVm()).you).toBe('10.108.10.6');
    // An older generation is refused as stale.
    await expect(client.putConfig(config(2))).rejects.toMatchObject({ status: 409, error: { code: 'CONFIG_STALE' } });
  });

  it('killed and restarted, the agent converges to its last config by itself', async () => {
    process.kill(agentPid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    // Meanwhile someone breaks the router: the SNAT rule is gone.
    await lab.exec('vr', 'nft', ['flush', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
    client = await restartAgent();
    for (let i = 0; i < 100 && (await client.status()).appliedGeneration !== 3; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await client.status()).toMatchObject({ appliedGeneration: 3, drift: false });
    expect((await fetchFromVm()).you).toBe('10.108.10.6');
  });
});
