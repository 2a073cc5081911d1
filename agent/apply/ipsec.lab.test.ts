import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCheck } from '../../lab/checks';
import { NetnsLab } from '../../lab/netns';
import { labDescribe, randomLabName } from '../../lab/testing';
import { IPSEC_DEFAULTS, type IpsecConnection } from '../protocol/ipsec';
import { ipsecFiles, loadConnections, probeDataPath, startCharon, stopCharon, swanctl } from './ipsec';
import { pidAlive } from './files';

/**
 * S-IPSEC's two sites with real packets (issue 14, R-IPSEC-1, R-IPSEC-2): site 1's 192.168.10.0/24
 * behind router r1 (public 10.108.12.1), site 2's 192.168.100.0/24 behind r2 (public 10.108.14.1),
 * an internet namespace routing between the two public networks and counting what crosses it.
 * Each router runs its own charon with the rendered configuration (libipsec here: this kernel has
 * no ESP), connections loaded through vici without restarting it.
 */
const lab = new NetnsLab(randomLabName('ips'));
let dir = '';
const paths = (r: string) => ({ runDir: path.join(dir, r) });
const launch = (r: string) => ['ip', 'netns', 'exec', lab.ns(r)];

const site = (n: 1 | 2, over: Partial<IpsecConnection> = {}): IpsecConnection => ({
  id: '11111111-1111-4111-8111-111111111111',
  name: `IPsec隧道-${n}`,
  localAddress: n === 1 ? '10.108.12.1' : '10.108.14.1',
  peerAddress: n === 1 ? '10.108.14.1' : '10.108.12.1',
  localSubnets: [n === 1 ? '192.168.10.0/24' : '192.168.100.0/24'],
  peerSubnets: [n === 1 ? '192.168.100.0/24' : '192.168.10.0/24'],
  psk: 'a strong "pre-shared" key #1',
  ...IPSEC_DEFAULTS,
  ...over,
});

/** What crossed the internet namespace since the last call: private addresses, IKE, NAT-T (ESP in UDP) and raw ESP. */
async function crossed(): Promise<Record<string, number>> {
  const out = await lab.exec('inet', 'nft', ['-j', 'list', 'table', 'inet', 'watch']);
  const counts: Record<string, number> = {};
  for (const item of JSON.parse(out).nftables as Array<{ counter?: { name: string; packets: number } }>)
    if (item.counter) counts[item.counter.name] = item.counter.packets;
  await lab.exec('inet', 'nft', ['reset', 'counters', 'table', 'inet', 'watch']);
  return counts;
}

const ping = (from: string, to: string) => runCheck(lab, from, { kind: 'ping', target: to, count: 3 });
async function until(fn: () => Promise<boolean>, ms: number) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn()) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
const childUp = async (r: string) => /INSTALLED/.test(await swanctl(paths(r), ['--list-sas']).catch(() => ''));

await labDescribe('IPsec between two sites: rendered strongSwan config, real charon, real packets (S-IPSEC)', () => {
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cr-ipsec-'));
    await lab.batch(['r1', 'r2', 'inet', 'vm1', 'vm2'].map((n) => `netns add ${lab.ns(n)}`));
    await lab.batch([
      `link add pub netns ${lab.ns('r1')} type veth peer name to1 netns ${lab.ns('inet')}`,
      `link add pub netns ${lab.ns('r2')} type veth peer name to2 netns ${lab.ns('inet')}`,
      `link add priv netns ${lab.ns('r1')} type veth peer name eth0 netns ${lab.ns('vm1')}`,
      `link add priv netns ${lab.ns('r2')} type veth peer name eth0 netns ${lab.ns('vm2')}`,
    ]);
    await lab.nsBatch('inet', [
      'link set lo up',
      'link set to1 up',
      'link set to2 up',
      'addr add 10.108.12.254/24 dev to1',
      'addr add 10.108.14.254/24 dev to2',
    ]);
    for (const [r, pub, priv] of [
      ['r1', '10.108.12.1', '192.168.10.1'],
      ['r2', '10.108.14.1', '192.168.100.1'],
    ] as const)
      await lab.nsBatch(r, [
        'link set lo up',
        'link set pub up',
        'link set priv up',
        `addr add ${pub}/24 dev pub`,
        `addr add ${priv}/24 dev priv`,
        `route add default via ${pub.replace(/\.1$/, '.254')}`,
      ]);
    for (const [vm, ip] of [
      ['vm1', '192.168.10.10'],
      ['vm2', '192.168.100.10'],
    ] as const)
      await lab.nsBatch(vm, [
        'link set lo up',
        'link set eth0 up',
        `addr add ${ip}/24 dev eth0`,
        `route add default via ${ip.replace(/\.10$/, '.1')}`,
      ]);
    for (const n of ['r1', 'r2', 'inet']) await lab.exec(n, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
    await lab.exec('inet', 'nft', ['-f', '-'], {
      input: `table inet watch {
  counter private {}
  counter ike {}
  counter natt {}
  counter rawesp {}
  chain forward {
    type filter hook forward priority 0;
    ip saddr 192.168.0.0/16 counter name private
    ip daddr 192.168.0.0/16 counter name private
    udp dport 500 counter name ike
    udp dport 4500 counter name natt
    meta l4proto esp counter name rawesp
  }
}
`,
    });
  }, 60_000);
  afterAll(async () => {
    for (const r of ['r1', 'r2']) await stopCharon(paths(r)).catch(() => undefined);
    await lab.down();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it(
    'before the tunnels VM-1 ✗ VM-2; with the seed’s defaults on both sites, ping and TCP 22 both ways; ' +
      'only IKE and ESP-in-UDP between the VIPs',
    async () => {
      expect((await ping('vm1', '192.168.100.10')).ok).toBe(false);
      expect((await ping('vm2', '192.168.10.10')).ok).toBe(false);
      const dataPath = await probeDataPath(launch('r1'));
      // These machines' kernel has no ESP (FACTS.md): the userspace data path.
      expect(dataPath).toBe('libipsec');
      for (const r of ['r1', 'r2']) await startCharon(paths(r), dataPath, { launch: launch(r) });
      await loadConnections([site(2)], paths('r2'));
      await loadConnections([site(1)], paths('r1'));
      await crossed();
      expect(await until(() => childUp('r1'), 15_000)).toBe(true);
      expect((await ping('vm1', '192.168.100.10')).ok).toBe(true);
      expect((await ping('vm2', '192.168.10.10')).ok).toBe(true);
      for (const [vm, other, ip] of [
        ['vm1', 'vm2', '192.168.100.10'],
        ['vm2', 'vm1', '192.168.10.10'],
      ] as const) {
        await runCheck(lab, other, { kind: 'listen', protocol: 'tcp', port: 22, seconds: 30, label: other });
        const tcp = await runCheck(lab, vm, { kind: 'tcp', target: ip, port: 22 });
        expect(tcp.summary).toContain(`answered by ${other}`);
      }
      const seen = await crossed();
      expect(seen.private).toBe(0);
      expect(seen.natt).toBeGreaterThan(10);
      const sa = await swanctl(paths('r1'), ['--list-sas']);
      expect(sa).toContain('IKEv1');
      expect(sa).toContain('3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024');
      expect(sa).toMatch(/ESP:3DES_CBC\/HMAC_SHA1_96\/MODP_1024/);
    },
    60_000,
  );

  it('mismatched proposals leave the tunnel down with "no proposal chosen"; fixed, it comes up — the daemons never restarted', async () => {
    const pids = await Promise.all(['r1', 'r2'].map((r) => pidAlive(ipsecFiles(paths(r)).pidFile)));
    const modern = {
      ikeVersion: 2 as const,
      ike: { encryption: 'aes256gcm16' as const, integrity: 'sha384' as const, dhGroup: 20 as const },
    };
    await loadConnections([site(1, { ...modern, id: '22222222-2222-4222-8222-222222222222' })], paths('r1'));
    await loadConnections(
      [site(2, { ...modern, id: '22222222-2222-4222-8222-222222222222', ike: { ...modern.ike, encryption: 'aes128gcm16' } })],
      paths('r2'),
    );
    const log = () => fs.readFile(ipsecFiles(paths('r1')).log, 'utf8');
    expect(await until(async () => /NO_PROPOSAL_CHOSEN|no proposal chosen/i.test(await log()), 15_000)).toBe(true);
    expect(await childUp('r1')).toBe(false);
    expect((await ping('vm1', '192.168.100.10')).ok).toBe(false);
    // Site 2 takes site 1's proposal: the same connection (same id), loaded again.
    await loadConnections([site(2, { ...modern, id: '22222222-2222-4222-8222-222222222222' })], paths('r2'));
    expect(await until(() => childUp('r1'), 20_000)).toBe(true);
    expect((await ping('vm1', '192.168.100.10')).ok).toBe(true);
    const sa = await swanctl(paths('r1'), ['--list-sas']);
    expect(sa).toContain('IKEv2');
    expect(sa).toContain('AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384');
    expect(await Promise.all(['r1', 'r2'].map((r) => pidAlive(ipsecFiles(paths(r)).pidFile)))).toEqual(pids);
  }, 60_000);
});
