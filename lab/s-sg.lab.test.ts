import { afterAll, beforeAll, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents, vms } from '@/db/schema';
import { S_SG } from '@/lib/seed-plans';
import { buildBasicDataCenter } from '@/server/testing/basic-datacenter';
import { LAB_INTERNET } from './controller';
import { openScenarioLab, waitFor, type ScenarioLab } from './testing/scenario';
import { labDescribe } from './testing';
import { dhcpLease } from './vm';

/**
 * S-SG (SPEC §5, seed 4.4) through the API with real agents, reconciler and packets, on two hosts:
 * VM-1 and VM-3 on Host-1, VM-2 on Host-2. SG-1 on VM-2 and VM-3: ingress TCP 23–1024 →
 * VM-1→VM-2:22 ✗, :23 ✓; then egress TCP 23–1024 → VM-2→VM-1:21 ✗, :23 ✓; return traffic passes,
 * DHCP renews and DNS answers. VM-2 and VM-3 (different hosts) reach each other through the default
 * remote-group rule; VM-3 removed from SG-1 is blocked after one reconcile (R-SG-2, R-SG-3).
 */
let s: ScenarioLab;
type Vm = { id: string; ip: string; nicId: string; hostId: string };
const vm: Record<string, Vm> = {};
let sg1: string;
const tcp = async (from: string, to: string, port: number) =>
  (await s.fromVm(vm[from]!.id, { kind: 'tcp', target: vm[to]!.ip, port })).ok;

await labDescribe('S-SG in the lab: a distributed security group on two hosts', () => {
  beforeAll(async () => {
    s = await openScenarioLab('sg');
    const { h } = s;
    const dc = await buildBasicDataCenter(h.admin, { publicDns: [LAB_INTERNET.dns] });
    await h.admin.host.create({
      name: 'Host-2',
      clusterId: dc.cluster.id,
      managementIp: '192.168.29.12',
      nics: ['em01', 'em02'],
    });
    const offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
    const image = await h.admin.image.create({
      name: 'busybox',
      kind: 'vm',
      backupStorageId: dc.bs.id,
      url: 'http://192.0.2.10/busybox.qcow2',
    });
    for (const name of ['VM-1', 'VM-2', 'VM-3']) {
      const [made] = await h.admin.vm.create({
        name,
        instanceOfferingId: offering.id,
        imageId: image.id,
        l3Ids: [dc.privateL3.id],
      });
      const [row] = await h.db.select().from(vms).where(eq(vms.id, made!.id));
      vm[name] = { id: made!.id, ip: made!.nics[0]!.ip, nicId: made!.nics[0]!.id, hostId: row!.hostId };
    }
    await s.sync();
    for (const [name, v] of Object.entries(vm)) {
      await s.dhcp(v.id, v.ip);
      for (const port of [21, 22, 23]) await s.listen(v.id, name, port, 'tcp', 300);
    }
    // The seed's form: name, network, the ingress rule, and VM-2, VM-3's NICs — in one step.
    const g = await h.admin.securityGroup.create({
      name: S_SG.group,
      l3Ids: [dc.privateL3.id],
      rules: [{ direction: 'ingress', ...S_SG.rule }],
      nicIds: [vm['VM-2']!.nicId, vm['VM-3']!.nicId],
    });
    sg1 = g.id;
    await s.rec.settle(30_000);
  });

  afterAll(async () => {
    await s?.close();
    expect(await s.lab.list()).toEqual([]);
  });

  it('VM-2 and VM-3 are on different hosts; VM-1 shares a host with VM-3', () => {
    expect(vm['VM-2']!.hostId).not.toBe(vm['VM-3']!.hostId);
    expect(vm['VM-1']!.hostId).toBe(vm['VM-3']!.hostId);
  });

  it('S-SG ingress TCP 23–1024 on VM-2, VM-3: VM-1 → VM-2:22 ✗, :23 ✓ (and the same for VM-3 on the other host)', async () => {
    for (const [from, to, port, ok] of S_SG.ingressChecks) expect(await tcp(from, to, port)).toBe(ok);
    expect(await tcp('VM-1', 'VM-3', 22)).toBe(false);
    expect(await tcp('VM-1', 'VM-3', 23)).toBe(true);
    // Egress is not restricted yet: VM-2 reaches VM-1 (no group) on any port, replies pass.
    expect(await tcp('VM-2', 'VM-1', 21)).toBe(true);
  });

  it('R-SG-2 members on two hosts reach each other through the default remote-group rule, any port', async () => {
    expect(await tcp('VM-3', 'VM-2', 22)).toBe(true);
    expect(await tcp('VM-2', 'VM-3', 22)).toBe(true);
  });

  it('S-SG after egress TCP 23–1024: VM-2 → VM-1:21 ✗, :23 ✓ — its return traffic passes', async () => {
    await s.h.admin.securityGroup.addRule({ id: sg1, direction: 'egress', ...S_SG.rule });
    await s.rec.settle(30_000);
    for (const [from, to, port, ok] of S_SG.egressChecks) expect(await tcp(from, to, port)).toBe(ok);
    expect(await s.fromVm(vm['VM-2']!.id, { kind: 'ping', target: vm['VM-1']!.ip, count: 1 })).toMatchObject({ ok: false });
  });

  it('R-SG-2 DHCP still renews and DNS to the vRouter still answers for a member with egress whitelisted', async () => {
    expect(await dhcpLease(s.lab, s.ctl.vmNs(vm['VM-2']!.id))).toBe(vm['VM-2']!.ip);
    expect(await s.fromVm(vm['VM-2']!.id, { kind: 'dns', name: 'example.com' })).toMatchObject({ ok: true });
  });

  it('R-SG-3 VM-3 removed from SG-1: blocked from VM-2 within one reconcile', async () => {
    const host2 = vm['VM-2']!.hostId;
    const [before] = await s.h.db.select().from(agents).where(eq(agents.id, host2));
    await s.h.admin.securityGroup.removeNic({ id: sg1, nicId: vm['VM-3']!.nicId });
    await s.rec.settle(30_000);
    const [after] = await s.h.db.select().from(agents).where(eq(agents.id, host2));
    expect(after!.appliedGeneration).toBe(before!.appliedGeneration + 1);
    expect(await tcp('VM-3', 'VM-2', 22)).toBe(false);
    expect(await tcp('VM-3', 'VM-2', 23)).toBe(true);
    // VM-3 is in no group now: nothing filters its own ingress (VM-2's egress still allows 23–1024 only).
    expect(await tcp('VM-1', 'VM-3', 22)).toBe(true);
    expect(await tcp('VM-2', 'VM-3', 23)).toBe(true);
    expect(await tcp('VM-2', 'VM-3', 22)).toBe(false);
  });

  it('fault: a security-group chain emptied by hand on Host-2 is restored by the periodic resync', async () => {
    const host = s.ctl.hostNs(vm['VM-2']!.hostId);
    expect(await tcp('VM-1', 'VM-2', 22)).toBe(false);
    await s.lab.exec(host, 'nft', ['flush', 'chain', 'inet', 'cr_sg', 'ingress']);
    expect(await s.lab.exec(host, 'nft', ['list', 'chain', 'inet', 'cr_sg', 'ingress'])).not.toContain('meta priority vmap');
    await waitFor('the reconciler to repair cr_sg', async () =>
      (await s.lab.exec(host, 'nft', ['list', 'chain', 'inet', 'cr_sg', 'ingress'])).includes('meta priority vmap'),
    );
    expect(await tcp('VM-1', 'VM-2', 22)).toBe(false);
    expect(await tcp('VM-1', 'VM-2', 23)).toBe(true);
  });

  it('fault (R-HITLESS-1): bridge netfilter switched off in Host-2’s namespace is switched on by the periodic check alone', async () => {
    const host = s.ctl.hostNs(vm['VM-2']!.hostId);
    const [before] = await s.h.db.select().from(agents).where(eq(agents.id, vm['VM-2']!.hostId));
    await s.lab.exec(host, 'sysctl', ['-qw', 'net.bridge.bridge-nf-call-iptables=0']);
    // Nothing is filtered without it — exactly what the agent must not leave behind.
    expect(await tcp('VM-1', 'VM-2', 22)).toBe(true);
    await waitFor(
      'bridge netfilter back on',
      async () => (await s.lab.exec(host, 'sysctl', ['-n', 'net.bridge.bridge-nf-call-iptables'])).trim() === '1',
    );
    // No config change was involved: the same generation, repaired by the drift check.
    const [after] = await s.h.db.select().from(agents).where(eq(agents.id, vm['VM-2']!.hostId));
    expect(after!.desiredGeneration).toBe(before!.desiredGeneration);
    expect(await tcp('VM-1', 'VM-2', 22)).toBe(false);
  });
});
