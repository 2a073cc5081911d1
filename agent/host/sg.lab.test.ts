import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderHostSg, type HostSgConfig } from '../render/host-sg';
import { runCheck } from '../../lab/checks';
import { NetnsLab } from '../../lab/netns';
import { labDescribe, randomLabName } from '../../lab/testing';

/**
 * The host security-group ruleset, rendered and applied by hand (no agent), enforced on a real
 * bridge: S-SG's expectations (SPEC §5) with VM-1 in no group and SG-1 on VM-2 and VM-3 — first
 * the ingress rule TCP 23–1024, then also the egress rule — and return traffic passing.
 */
const lab = new NetnsLab(randomLabName('sg'));
const SG1 = '77777777-7777-4777-8777-777777777777';
const ip = (n: number) => `192.168.10.1${n}`;
type SgGroup = HostSgConfig['groups'][number];
type SgRule = SgGroup['rules'][number];
/** A group's two default rules (R-SG-2) as the server ships them. */
const defaultRules = (groupId: string) =>
  (['ingress', 'egress'] as const).map((direction) => ({
    direction,
    protocol: 'all' as const,
    remoteGroupId: groupId,
    isDefault: true,
  }));
const ingress: SgRule = { id: 'in-tcp', direction: 'ingress', protocol: 'tcp', portStart: 23, portEnd: 1024 };
const egress: SgRule = { id: 'out-tcp', direction: 'egress', protocol: 'tcp', portStart: 23, portEnd: 1024 };
const config = (rules: SgRule[]): HostSgConfig => {
  const group: SgGroup = {
    id: SG1,
    name: 'SG-1',
    rules: [...defaultRules(SG1).map((r, i) => ({ ...r, id: `d${i}` })), ...rules],
    egressRestricted: rules.some((r) => r.direction === 'egress'),
  };
  return {
    ports: [1, 2, 3].map((n) => ({ port: `vp${n}`, ip: ip(n), groupIds: n === 1 ? [] : [SG1], dns: [] })),
    groups: [group],
    members: { [SG1]: [ip(2), ip(3)] },
  };
};
const apply = (cfg: HostSgConfig) => lab.exec('h', 'nft', ['-f', '-'], { input: renderHostSg(cfg) });
const tcp = async (from: number, to: number, port: number) =>
  (await runCheck(lab, `v${from}`, { kind: 'tcp', target: ip(to), port })).ok;

await labDescribe('security groups on a bridge (S-SG semantics, R-SG-2)', () => {
  beforeAll(async () => {
    await lab.batch([`netns add ${lab.ns('h')}`, ...[1, 2, 3].map((n) => `netns add ${lab.ns(`v${n}`)}`)]);
    await lab.nsBatch('h', ['link set lo up', 'link add br0 type bridge', 'link set br0 up']);
    for (const n of [1, 2, 3]) {
      await lab.batch([`link add eth0 netns ${lab.ns(`v${n}`)} type veth peer name vp${n} netns ${lab.ns('h')}`]);
      await lab.nsBatch('h', [`link set vp${n} master br0 up`]);
      await lab.nsBatch(`v${n}`, ['link set lo up', 'link set eth0 up', `addr add ${ip(n)}/24 dev eth0`]);
      for (const port of [21, 22, 23])
        await runCheck(lab, `v${n}`, { kind: 'listen', port, protocol: 'tcp', seconds: 120, label: `VM-${n}` });
    }
  });
  afterAll(async () => {
    await lab.down();
    expect(await lab.list()).toEqual([]);
  });

  it('S-SG ingress TCP 23–1024 on VM-2/VM-3: VM-1 → VM-2:22 ✗, :23 ✓; the group’s members reach each other', async () => {
    await apply(config([ingress]));
    expect(await tcp(1, 2, 22)).toBe(false);
    expect(await tcp(1, 2, 23)).toBe(true);
    expect(await tcp(3, 2, 22)).toBe(true);
    // Egress is not restricted yet, and the replies of VM-2's connection to VM-1 come back.
    expect(await tcp(2, 1, 21)).toBe(true);
  });

  it('S-SG after egress TCP 23–1024: VM-2 → VM-1:21 ✗, :23 ✓ (its return traffic passes)', async () => {
    await apply(config([ingress, egress]));
    expect(await tcp(2, 1, 21)).toBe(false);
    expect(await tcp(2, 1, 23)).toBe(true);
    expect(await tcp(1, 2, 23)).toBe(true);
  });

  it('a member removed from the group’s member set loses the intra-group rules', async () => {
    await apply(config([ingress, egress]));
    expect(await tcp(3, 2, 22)).toBe(true);
    await apply({ ...config([ingress, egress]), members: { [SG1]: [ip(2)] } });
    expect(await tcp(3, 2, 22)).toBe(false);
  });

  it('both tags are cleared after filtering: no mark or out-port tag of ours leaves the bridge forward hook', async () => {
    await apply(config([ingress]));
    // Probes in the bridge family: at 100 (after the inet filters br_netfilter runs at 0) and at 300 (after untag).
    const probe = (priority: number) =>
      `chain p${priority} { type filter hook forward priority ${priority}; policy accept; ` +
      `meta mark & 0xffff0000 == 0x5c000000 counter comment "mark"; meta priority & 0xffff0000 == 0x10000 counter comment "prio"; }`;
    await lab.exec('h', 'nft', ['-f', '-'], { input: `table bridge probe {\n${probe(100)}\n${probe(300)}\n}\n` });
    expect(await tcp(3, 2, 23)).toBe(true);
    const listing = await lab.exec('h', 'nft', ['list', 'table', 'bridge', 'probe']);
    const count = (priority: number, what: string) =>
      Number(new RegExp(`chain p${priority} \\{[^}]*?counter packets (\\d+) bytes \\d+ comment "${what}"`).exec(listing)?.[1]);
    expect(count(100, 'mark')).toBeGreaterThan(0);
    expect(count(100, 'prio')).toBeGreaterThan(0);
    expect(count(300, 'mark')).toBe(0);
    expect(count(300, 'prio')).toBe(0);
    await lab.exec('h', 'nft', ['delete', 'table', 'bridge', 'probe']);
  });
});
