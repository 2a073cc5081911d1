import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents, vms } from '@/db/schema';
import { compileHostConfig } from '../domain/compile/host';
import { loadHostSnapshot } from '../desired/snapshot';
import { openHarness } from '../testing/harness';
import { buildBasicDataCenter } from '../testing/basic-datacenter';
import { restCall } from '../testing/rest';
import { authService } from './auth';

/**
 * Security groups through the API on a real database (PGlite, and PostgreSQL when
 * TEST_DATABASE_URL is set): R-SG-1 rule checks, R-SG-2 default rules, networks and members, "why
 * blocked?", tenancy, and R-SG-3's exact generation bumps — the hosts bumped by each change are
 * exactly the hosts whose compiled ruleset changed.
 */
let h: Awaited<ReturnType<typeof openHarness>>;
let dc: Awaited<ReturnType<typeof buildBasicDataCenter>>;
type Vm = { id: string; nicId: string; ip: string; hostId: string };
let vm: Vm[];
let hostIds: string[];

/** Each host's compiled security section (what its agent would enforce). */
const rulesets = async () => {
  const out = new Map<string, string>();
  for (const id of hostIds)
    out.set(id, JSON.stringify(compileHostConfig(await loadHostSnapshot(h.db, id, 1, 'cr-test-')).security));
  return out;
};
const generations = async () => new Map((await h.db.select().from(agents)).map((a) => [a.id, a.desiredGeneration]));

/** Runs a change; returns the hosts it bumped and the hosts whose ruleset it changed. */
async function bumpsOf(change: () => Promise<unknown>) {
  const [g0, r0] = [await generations(), await rulesets()];
  await change();
  const [g1, r1] = [await generations(), await rulesets()];
  const bumped = hostIds.filter((id) => g1.get(id)! > g0.get(id)!).sort();
  const changed = hostIds.filter((id) => r1.get(id) !== r0.get(id)).sort();
  return { bumped, changed };
}

beforeAll(async () => {
  h = await openHarness();
  dc = await buildBasicDataCenter(h.admin);
  hostIds = [dc.host.id];
  for (const n of [2, 3, 4])
    hostIds.push(
      (
        await h.admin.host.create({
          name: `Host-${n}`,
          clusterId: dc.cluster.id,
          managementIp: `192.168.29.1${n}`,
          nics: ['em01', 'em02'],
        })
      ).id,
    );
  const offering = await h.admin.instanceOffering.create({ name: 'small', cpu: 1, memory: 1, memoryUnit: 'G' });
  const image = await h.admin.image.create({
    name: 'busybox',
    kind: 'vm',
    backupStorageId: dc.bs.id,
    url: 'http://192.0.2.10/b.qcow2',
  });
  const made = await h.admin.vm.create({
    name: 'VM',
    instanceOfferingId: offering.id,
    imageId: image.id,
    l3Ids: [dc.privateL3.id],
    count: 4,
  });
  vm = [];
  for (const m of made) {
    const [row] = await h.db.select().from(vms).where(eq(vms.id, m.id));
    vm.push({ id: m.id, nicId: m.nics[0]!.id, ip: m.nics[0]!.ip, hostId: row!.hostId });
  }
});
afterAll(async () => h?.close());

describe('security groups (R-SG-1, R-SG-2)', () => {
  it('places the four VMs on four hosts (the setup the bump tests need)', () => {
    expect(new Set(vm.map((v) => v.hostId)).size).toBe(4);
  });

  it('R-SG-2 a new group has the two default intra-group rules; R-SG-1 the seed’s ingress rule is accepted', async () => {
    const g = await h.admin.securityGroup.create({
      name: 'SG-1',
      l3Ids: [dc.privateL3.id],
      rules: [{ direction: 'ingress', protocol: 'tcp', portStart: 23, portEnd: 1024 }],
    });
    expect(g.rules.filter((r) => r.isDefault).map((r) => [r.direction, r.protocol, r.remoteGroupId])).toEqual([
      ['ingress', 'all', g.id],
      ['egress', 'all', g.id],
    ]);
    expect(g.rules.find((r) => !r.isDefault)).toMatchObject({
      direction: 'ingress',
      protocol: 'tcp',
      portStart: 23,
      portEnd: 1024,
      cidr: null,
    });
    expect(g.l3Ids).toEqual([dc.privateL3.id]);
  });

  it('R-SG-1 refuses bad rules with the field to fix, and stores a CIDR as its network', async () => {
    const g = (await h.admin.securityGroup.list({ search: 'SG-1' })).items[0]!;
    const add = (r: Record<string, unknown>) =>
      h.admin.securityGroup.addRule({ id: g.id, direction: 'ingress', protocol: 'tcp', ...r });
    await expect(add({ protocol: 'all', portStart: 22, portEnd: 22 })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'PORT_RANGE_INVALID', field: 'portStart' }),
    });
    await expect(add({ portStart: 0, portEnd: 22 })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'PORT_RANGE_INVALID', field: 'portStart' }),
    });
    await expect(add({ portStart: 30, portEnd: 20 })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'PORT_RANGE_INVALID', field: 'portEnd' }),
    });
    await expect(add({ protocol: 'icmp', icmpType: -1, icmpCode: 3 })).rejects.toMatchObject({
      cause: expect.objectContaining({ field: 'icmpCode' }),
    });
    await expect(add({ portStart: 80, portEnd: 80, cidr: '10.0.0.0/33' })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'INVALID_ADDRESS', field: 'cidr' }),
    });
    await expect(add({ portStart: 23, portEnd: 1024 })).rejects.toMatchObject({
      message: expect.stringContaining('already has this rule'),
    });
    const after = await add({ portStart: 80, portEnd: 80, cidr: '192.168.10.77/24' });
    expect(after.rules.at(-1)).toMatchObject({ portStart: 80, portEnd: 80, cidr: '192.168.10.0/24' });
    // A single TCP port: the end defaults to the start.
    const single = await add({ protocol: 'udp', portStart: 53 });
    expect(single.rules.at(-1)).toMatchObject({ protocol: 'udp', portStart: 53, portEnd: 53 });
    const icmp = await add({ protocol: 'icmp' });
    expect(icmp.rules.at(-1)).toMatchObject({ protocol: 'icmp', icmpType: -1, icmpCode: -1, portStart: null });
    for (const r of icmp.rules.slice(3)) await h.admin.securityGroup.deleteRule({ id: g.id, ruleId: r.id });
    expect((await h.admin.securityGroup.get({ id: g.id })).rules).toHaveLength(3);
  });

  it('a NIC joins only a group that serves its network', async () => {
    const other = await h.admin.securityGroup.create({ name: 'SG-unattached' });
    await expect(h.admin.securityGroup.addNics({ id: other.id, nicIds: [vm[0]!.nicId] })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'SG_NETWORK_NOT_ATTACHED', field: 'nicIds' }),
    });
    await h.admin.securityGroup.delete({ id: other.id });
  });

  it('tenancy: another tenant sees neither the group nor the NICs', async () => {
    const t = await h.tenant('tenant-sg');
    const g = (await h.admin.securityGroup.list({ search: 'SG-1' })).items[0]!;
    await expect(t.caller.securityGroup.get({ id: g.id })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'NOT_FOUND' }),
    });
    const own = await t.caller.securityGroup.create({ name: 'mine' });
    await expect(
      t.caller.securityGroup.addRule({ id: own.id, direction: 'ingress', protocol: 'all', remoteGroupId: g.id }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'NOT_FOUND', field: 'remoteGroupId' }) });
    await expect(
      t.caller.securityGroup.whyBlocked({ fromNicId: vm[0]!.nicId, toNicId: vm[1]!.nicId, protocol: 'tcp', port: 22 }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'NOT_FOUND' }) });
  });
});

describe('R-SG-3 every change bumps exactly the hosts whose ruleset it changes', () => {
  let sg1: string;
  let watcher: string;
  it('adding members: their own hosts (and nobody else while no rule names the group elsewhere)', async () => {
    sg1 = (await h.admin.securityGroup.list({ search: 'SG-1' })).items[0]!.id;
    const r = await bumpsOf(() => h.admin.securityGroup.addNics({ id: sg1, nicIds: [vm[1]!.nicId, vm[2]!.nicId] }));
    expect(r.bumped).toEqual([vm[1]!.hostId, vm[2]!.hostId].sort());
    expect(r.bumped).toEqual(r.changed);
  });
  it('a group whose rule names SG-1 as remote group: its member’s host watches SG-1', async () => {
    const g = await h.admin.securityGroup.create({ name: 'SG-watch', l3Ids: [dc.privateL3.id] });
    watcher = g.id;
    let r = await bumpsOf(() =>
      h.admin.securityGroup.addRule({
        id: watcher,
        direction: 'ingress',
        protocol: 'tcp',
        portStart: 22,
        portEnd: 22,
        remoteGroupId: sg1,
      }),
    );
    expect(r).toEqual({ bumped: [], changed: [] });
    r = await bumpsOf(() => h.admin.securityGroup.addNics({ id: watcher, nicIds: [vm[3]!.nicId] }));
    expect(r.bumped).toEqual([vm[3]!.hostId]);
    expect(r.bumped).toEqual(r.changed);
  });
  it('a rule change reaches only the group’s members’ hosts', async () => {
    const r = await bumpsOf(() =>
      h.admin.securityGroup.addRule({ id: sg1, direction: 'egress', protocol: 'tcp', portStart: 23, portEnd: 1024 }),
    );
    expect(r.bumped).toEqual([vm[1]!.hostId, vm[2]!.hostId].sort());
    expect(r.bumped).toEqual(r.changed);
  });
  it('a membership change reaches the member’s host and the hosts holding the group as a remote set — not the host of VM-1', async () => {
    const r = await bumpsOf(() => h.admin.securityGroup.removeNic({ id: sg1, nicId: vm[2]!.nicId }));
    expect(r.bumped).toEqual([vm[1]!.hostId, vm[2]!.hostId, vm[3]!.hostId].sort());
    expect(r.bumped).toEqual(r.changed);
    expect(r.bumped).not.toContain(vm[0]!.hostId);
  });
  it('deleting a member VM reaches the hosts watching its groups', async () => {
    await h.admin.securityGroup.addNics({ id: sg1, nicIds: [vm[2]!.nicId] });
    const r = await bumpsOf(() => h.admin.vm.delete({ id: vm[2]!.id }));
    expect(r.bumped).toEqual(expect.arrayContaining(r.changed));
    expect(r.changed).toEqual([vm[1]!.hostId, vm[2]!.hostId, vm[3]!.hostId].sort());
  });
  it('a group named by another group’s rule cannot be deleted; a network with members cannot be detached', async () => {
    await expect(h.admin.securityGroup.delete({ id: sg1 })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'IN_USE' }),
      message: expect.stringContaining('SG-watch'),
    });
    await expect(h.admin.securityGroup.detachL3({ id: sg1, l3Id: dc.privateL3.id })).rejects.toMatchObject({
      cause: expect.objectContaining({ code: 'IN_USE' }),
    });
    const r = await bumpsOf(() => h.admin.securityGroup.delete({ id: watcher }));
    expect(r.bumped).toEqual([vm[3]!.hostId]);
    expect(r.bumped).toEqual(r.changed);
  });
});

describe('why blocked? and effective rules (R-SG-2)', () => {
  it('S-SG: VM-1 → VM-2:22 is refused by the missing ingress rule, :23 allowed by TCP 23–1024', async () => {
    const sg1 = (await h.admin.securityGroup.list({ search: 'SG-1' })).items[0]!;
    const q = (port: number, from = vm[0]!, to = vm[1]!) =>
      h.admin.securityGroup.whyBlocked({ fromNicId: from.nicId, toNicId: to.nicId, protocol: 'tcp', port });
    const blocked = await q(22);
    expect(blocked).toMatchObject({
      allowed: false,
      egress: { allowed: true, by: 'no-group' },
      ingress: { allowed: false, by: 'no-rule' },
    });
    expect(blocked.ingress.text).toContain('"SG-1"');
    const open = await q(23);
    expect(open).toMatchObject({
      allowed: true,
      ingress: {
        by: 'rule',
        groupId: sg1.id,
        ruleId: sg1.rules.find((r) => r.direction === 'ingress' && r.protocol === 'tcp')!.id,
      },
    });
    // After the egress rule TCP 23–1024: VM-2 → VM-1:21 ✗ by VM-2's egress, :23 ✓.
    expect(await q(21, vm[1], vm[0])).toMatchObject({ allowed: false, egress: { allowed: false, by: 'no-rule' } });
    expect(await q(23, vm[1], vm[0])).toMatchObject({ allowed: true, egress: { by: 'rule' } });
  });
  it('effective rules: the union of the NIC’s groups; egress whitelisted once a group has its own egress rule', async () => {
    const eff = await h.admin.securityGroup.effectiveRules({ nicId: vm[1]!.nicId });
    expect(eff).toMatchObject({ filtered: true, egressOpen: false, groups: [expect.objectContaining({ name: 'SG-1' })] });
    expect(eff.rules.map((r) => `${r.direction} ${r.protocol} ${r.portStart ?? ''}`)).toEqual([
      'ingress all ',
      'egress all ',
      'ingress tcp 23',
      'egress tcp 23',
    ]);
    expect(await h.admin.securityGroup.effectiveRules({ nicId: vm[0]!.nicId })).toMatchObject({
      filtered: false,
      egressOpen: true,
      groups: [],
    });
    expect((await h.admin.securityGroup.list({ nicId: vm[1]!.nicId })).items.map((g) => g.name)).toEqual(['SG-1']);
  });
  it('a port is required for TCP/UDP', async () => {
    await expect(
      h.admin.securityGroup.whyBlocked({ fromNicId: vm[0]!.nicId, toNicId: vm[1]!.nicId, protocol: 'udp' }),
    ).rejects.toMatchObject({ cause: expect.objectContaining({ field: 'port' }) });
  });
});

describe('over REST (the OpenAPI routes)', () => {
  it('adds and deletes a rule, and asks "why blocked?" with query parameters', async () => {
    const token = (await authService.createToken(h.db, h.adminActor, 'sg-rest')).token;
    const g = (await h.admin.securityGroup.list({ search: 'SG-1' })).items[0]!;
    const added = await restCall(h.db, 'POST', `/security-groups/${g.id}/rules`, token, {
      direction: 'ingress',
      protocol: 'udp',
      portStart: 5000,
      portEnd: 5001,
    });
    expect(added.status).toBe(200);
    const rule = (added.body.rules as Array<{ id: string; protocol: string }>).find((r) => r.protocol === 'udp')!;
    const refused = await restCall(h.db, 'POST', `/security-groups/${g.id}/rules`, token, {
      direction: 'ingress',
      protocol: 'udp',
      portStart: 5001,
      portEnd: 5000,
    });
    expect(refused.status).toBe(400);
    const why = await restCall(
      h.db,
      'GET',
      `/why-blocked?fromNicId=${vm[0]!.nicId}&toNicId=${vm[1]!.nicId}&protocol=udp&port=5001`,
      token,
    );
    expect(why).toMatchObject({ status: 200, body: { allowed: true, ingress: { by: 'rule', ruleId: rule.id } } });
    expect((await restCall(h.db, 'DELETE', `/security-groups/${g.id}/rules/${rule.id}`, token)).status).toBe(200);
    expect(
      (
        await restCall(
          h.db,
          'GET',
          `/why-blocked?fromNicId=${vm[0]!.nicId}&toNicId=${vm[1]!.nicId}&protocol=udp&port=5001`,
          token,
        )
      ).body,
    ).toMatchObject({ allowed: false });
  });
});
