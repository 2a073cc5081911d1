import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AgentClient, AgentCallError } from '../client';
import { diffConfig } from '../protocol/patch';
import { VROUTER_PATCHING, VRouterConfigV1, type VRouterConfig } from '../protocol/vrouter';
import { NetnsLab } from '../../lab/netns';
import { buildRouterWorld, labDescribe, randomLabName } from '../../lab/testing';
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
    listeners: [],
    certificates: [],
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
    await buildRouterWorld(lab, dir);
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
    await client.putConfig(config(1));
    expect((await client.status()).kernelHash).toBe(before.kernelHash);
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

  const tableHandle = async () =>
    /# handle (\d+)/.exec(await lab.exec('vr', 'nft', ['-a', 'list', 'table', 'ip', 'cr_vrouter']))?.[1];
  const dnsPid = () => fs.readFile(path.join(dir, 'vrouter-vr', 'run', 'dns.pid'), 'utf8');

  it('R-HITLESS-1 killed and restarted onto a kernel that still matches, the agent adopts it and changes nothing', async () => {
    expect(await client.status()).toMatchObject({ appliedGeneration: 3, drift: false });
    const [handle, pid] = [await tableHandle(), await dnsPid()];
    expect(handle).toMatch(/^\d+$/);
    process.kill(agentPid!, 'SIGKILL');
    client = await restartAgent();
    expect(await client.status()).toMatchObject({ appliedGeneration: 3, drift: false, lastError: null });
    // The same table (a full apply deletes and re-creates it) and the same DNS forwarder process.
    expect(await tableHandle()).toBe(handle);
    expect(await dnsPid()).toBe(pid);
    expect((await fetchFromVm()).you).toBe('10.108.10.6');
  });

  it('R-HITLESS-1 the DNS forwarder killed by hand is drift; a resync starts it again', async () => {
    process.kill(Number(await dnsPid()), 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(await client.status()).toMatchObject({ drift: true, broken: ['the DNS forwarder is not running'] });
    expect((await client.resync()).drift).toBe(false);
    const ns = await lab.exec('vm', 'busybox', ['nslookup', '-type=a', 'example.com', '192.168.10.1']);
    expect(ns).toContain('198.51.100.10');
  });

  const VIP = '10.108.10.50';
  const withEip = (generation: number, patch: Partial<VRouterConfig> = {}) =>
    config(generation, {
      nics: [
        { name: 'eth1', role: 'public', l3Id: PUBLIC_L3, addresses: ['10.108.10.5/8', '10.108.10.6/8'] },
        { name: 'eth2', role: 'private', l3Id: PRIVATE_L3, addresses: ['192.168.10.1/24'] },
      ],
      snat: [{ sourceCidr: '192.168.10.0/24', outNic: 'eth1', toAddress: '10.108.10.6', l3Id: PRIVATE_L3 }],
      vips: [{ ip: VIP, nic: 'eth1' }],
      eips: [{ id: randomUUID(), vip: VIP, target: '192.168.10.20', nic: 'eth1' }],
      ...patch,
    });
  const flowsTo = async (ip: string) =>
    (await lab.exec('vr', 'conntrack', ['-L', '-d', ip]).catch(() => '')).split('\n').filter((l) => l.includes(ip));

  it('R-HITLESS-1 a drift repair forgets the flows of an EIP the kernel had mapped elsewhere', async () => {
    await lab.nsBatch('gw', [`route replace ${VIP}/32 via 10.108.10.5`]);
    expect((await client.putConfig(withEip(4))).appliedGeneration).toBe(4);
    // The reference hash is read when the agent has been idle a moment, or at the next status.
    expect((await client.status()).drift).toBe(false);
    expect(await lab.exec('gw', 'ping', ['-c', '1', '-W', '2', VIP])).toContain('1 received');
    // Someone re-points the EIP by hand; a flow is made through the wrong mapping.
    await lab.exec('vr', 'nft', ['-f', '-'], {
      input: `delete element ip cr_vrouter eip_dnat { ${VIP} }\nadd element ip cr_vrouter eip_dnat { ${VIP} : 192.168.10.99 }\n`,
    });
    await lab.exec('gw', 'ping', ['-c', '1', '-W', '1', VIP]).catch(() => '');
    const wrong = await flowsTo(VIP);
    expect(wrong.some((l) => l.includes('src=192.168.10.99'))).toBe(true);
    expect((await client.status()).drift).toBe(true);
    expect((await client.resync()).drift).toBe(false);
    expect((await flowsTo(VIP)).some((l) => l.includes('192.168.10.99'))).toBe(false);
    expect(await lab.exec('gw', 'ping', ['-c', '1', '-W', '2', VIP])).toContain('1 received');
  });

  it('R-HITLESS-1 an apply that fails part-way is rolled back to the last good config, and the status says so', async () => {
    const before = await client.status();
    // A route through a gateway no NIC reaches: the NAT change goes in, the route does not.
    const bad = withEip(5, {
      routes: [{ destination: '172.30.0.0/16', via: '172.31.9.9' }],
      eips: [{ id: randomUUID(), vip: VIP, target: '192.168.10.21', nic: 'eth1' }],
    });
    await expect(client.putConfig(bad)).rejects.toMatchObject({ status: 500, error: { code: 'APPLY_FAILED' } });
    const after = await client.status();
    expect(after).toMatchObject({
      appliedGeneration: 4,
      drift: false,
      lastError: { code: 'APPLY_FAILED', recovery: 'rolled-back' },
    });
    expect(after.kernelHash).toBe(before.kernelHash);
    expect(await lab.exec('vr', 'nft', ['list', 'map', 'ip', 'cr_vrouter', 'eip_dnat'])).toContain(`${VIP} : 192.168.10.20`);
    expect(await lab.exec('gw', 'ping', ['-c', '1', '-W', '2', VIP])).toContain('1 received');
    // The next good config applies and clears the error.
    expect(await client.putConfig(withEip(6))).toMatchObject({ appliedGeneration: 6, lastError: null });
  });

  it('R-HITLESS-1 a rule deleted right after an apply, before the agent read its reference, is still drift', async () => {
    await client.putConfig(withEip(7));
    await lab.exec('vr', 'nft', ['flush', 'chain', 'ip', 'cr_vrouter', 'postrouting']);
    const status = await client.status();
    expect(status.drift).toBe(true);
    expect(status.broken).toContain('chain ip cr_vrouter postrouting has 0 rules, expected 3');
    expect(await client.resync()).toMatchObject({ drift: false, appliedGeneration: 7 });
    expect((await client.status()).drift).toBe(false);
    // The VM has an EIP: the internet sees it.
    expect((await fetchFromVm()).you).toBe(VIP);
  });

  it('issue 12: a patch on the applied generation changes that alone; refused on another base or invalid; kept on restart', async () => {
    const g8 = withEip(8);
    expect((await client.putConfig(g8)).appliedGeneration).toBe(8);
    const VIP2 = '10.108.10.51';
    const g9: VRouterConfig = {
      ...g8,
      generation: 9,
      vips: [...g8.vips, { ip: VIP2, nic: 'eth1' }],
      eips: [...g8.eips, { id: randomUUID(), vip: VIP2, target: '192.168.10.21', nic: 'eth1' }],
    };
    const patch = diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, g8, g9)!;
    expect(JSON.stringify(patch).length).toBeLessThan(400);
    await expect(client.patchConfig({ version: 1, baseGeneration: 7, patch })).rejects.toMatchObject({
      status: 409,
      error: { code: 'CONFIG_BASE' },
    });
    // Valid item by item, not as a whole: a second EIP on the same VIP (R-EIP-1).
    const clash = diffConfig(VRouterConfigV1, VROUTER_PATCHING.keys, g8, {
      ...g9,
      eips: [...g8.eips, { id: randomUUID(), vip: VIP, target: '192.168.10.22', nic: 'eth1' }],
    })!;
    await expect(client.patchConfig({ version: 1, baseGeneration: 8, patch: clash })).rejects.toMatchObject({
      status: 400,
      error: { code: 'CONFIG_INVALID', details: [{ message: `VIP ${VIP} has two EIPs` }] },
    });
    expect((await client.status()).appliedGeneration).toBe(8);
    const handle = await tableHandle();
    expect(await client.patchConfig({ version: 1, baseGeneration: 8, patch })).toMatchObject({
      appliedGeneration: 9,
      lastError: null,
    });
    // Applied as a change to the table, not a replacement of it.
    expect(await tableHandle()).toBe(handle);
    expect(await lab.exec('vr', 'nft', ['list', 'map', 'ip', 'cr_vrouter', 'eip_dnat'])).toContain(`${VIP2} : 192.168.10.21`);
    expect((await client.status()).drift).toBe(false);
    // Saved as the config of generation 8 plus the patch; a restarted agent rebuilds generation 9 and adopts the kernel.
    const state = path.join(dir, 'vrouter-vr', 'state');
    expect(JSON.parse(await fs.readFile(path.join(state, 'config.json'), 'utf8'))).toMatchObject({ generation: 8 });
    expect((await fs.readFile(path.join(state, 'config.patches.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(1);
    process.kill(agentPid!, 'SIGKILL');
    client = await restartAgent();
    expect(await client.status()).toMatchObject({ appliedGeneration: 9, drift: false, lastError: null });
    expect(await tableHandle()).toBe(handle);
    expect((await fetchFromVm()).you).toBe(VIP);
    // A whole config is saved whole again.
    expect((await client.putConfig({ ...g9, generation: 10 })).appliedGeneration).toBe(10);
    expect(await fs.stat(path.join(state, 'config.patches.jsonl')).catch(() => null)).toBeNull();
  });
});
