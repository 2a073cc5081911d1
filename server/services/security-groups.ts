import { and, asc, eq, inArray, ne } from 'drizzle-orm';
import type { z } from 'zod';
import type { Db, Executor } from '@/db/client';
import { l3Networks, nics, securityGroupL3s, securityGroupNics, securityGroupRules, securityGroups, vms } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { intToIp, ipToInt, isIpv4, parseCidr, subnetOf } from '@/lib/ipv4';
import type { AddSgRule, CreateSecurityGroup, ListInput, SgRuleInput, WhyBlockedInput } from '../domain/schema';
import { checkSgRule, defaultRules, egressOpen, whyBlocked, type Decision } from '../domain/security/groups';
import { isRefusal } from '../domain/vrouter-services/rules';
import { sgRuleFacts } from '../desired/snapshot';
import { bumpAgents } from './agents';
import { audit, getReadable, getWritable, listPage } from './scope';

/**
 * Security groups (R-SG-1..3): groups, their allow rules, the networks they serve and their member
 * VM NICs. Every change bumps the generation of exactly the hosts whose rulesets it changes: a rule
 * change → the hosts of the group's members; a membership change → the member's host and the hosts
 * of members of every group whose rules name this group as remote group.
 */
type GroupRow = typeof securityGroups.$inferSelect;
type RuleRow = typeof securityGroupRules.$inferSelect;

/** Hosts of the VMs whose NICs are members of these groups. */
async function hostsOfMembers(tx: Executor, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await tx
    .selectDistinct({ hostId: vms.hostId })
    .from(securityGroupNics)
    .innerJoin(nics, eq(nics.id, securityGroupNics.nicId))
    .innerJoin(vms, eq(vms.id, nics.vmId))
    .where(inArray(securityGroupNics.groupId, groupIds));
  return rows.map((r) => r.hostId);
}

/** Groups with a rule naming one of these as remote group (their member sets hold our members). */
async function groupsReferencing(tx: Executor, groupIds: string[]): Promise<string[]> {
  if (groupIds.length === 0) return [];
  const rows = await tx
    .selectDistinct({ id: securityGroupRules.groupId })
    .from(securityGroupRules)
    .where(inArray(securityGroupRules.remoteGroupId, groupIds));
  return rows.map((r) => r.id);
}

/** The hosts a membership change of these groups reaches besides the member's own: those holding the groups as remote sets. */
async function hostsWatching(tx: Executor, groupIds: string[]) {
  return hostsOfMembers(tx, await groupsReferencing(tx, groupIds));
}

/**
 * Hosts whose rulesets change when these VM NICs go away (a VM deleted): the NICs' own host is
 * bumped by the caller; these are the hosts holding the NICs' addresses in remote-group sets.
 */
export async function hostsWatchingNics(tx: Executor, nicIds: string[]): Promise<string[]> {
  if (nicIds.length === 0) return [];
  const groups = (
    await tx
      .selectDistinct({ id: securityGroupNics.groupId })
      .from(securityGroupNics)
      .where(inArray(securityGroupNics.nicId, nicIds))
  ).map((r) => r.id);
  return hostsWatching(tx, groups);
}

async function views(db: Executor, rows: GroupRow[]) {
  const ids = rows.map((r) => r.id);
  if (ids.length === 0) return [];
  const rules = await db
    .select()
    .from(securityGroupRules)
    .where(inArray(securityGroupRules.groupId, ids))
    .orderBy(asc(securityGroupRules.seq));
  const remoteIds = [...new Set(rules.flatMap((r) => (r.remoteGroupId ? [r.remoteGroupId] : [])))];
  const remoteNames = new Map(
    (remoteIds.length
      ? await db
          .select({ id: securityGroups.id, name: securityGroups.name })
          .from(securityGroups)
          .where(inArray(securityGroups.id, remoteIds))
      : []
    ).map((g) => [g.id, g.name]),
  );
  const l3s = await db.select().from(securityGroupL3s).where(inArray(securityGroupL3s.groupId, ids));
  const members = await db
    .select({ groupId: securityGroupNics.groupId, nicId: nics.id, vmId: vms.id, vmName: vms.name, ip: nics.ip, l3Id: nics.l3Id })
    .from(securityGroupNics)
    .innerJoin(nics, eq(nics.id, securityGroupNics.nicId))
    .innerJoin(vms, eq(vms.id, nics.vmId))
    .where(inArray(securityGroupNics.groupId, ids))
    .orderBy(asc(vms.name), asc(nics.deviceIndex));
  return rows.map((g) => ({
    ...g,
    rules: rules.filter((r) => r.groupId === g.id).map((r) => ruleView(r, remoteNames)),
    l3Ids: l3s.filter((l) => l.groupId === g.id).map((l) => l.l3Id),
    members: members.filter((m) => m.groupId === g.id).map(({ groupId: _g, ...m }) => ({ ...m, ip: intToIp(m.ip) })),
  }));
}

function ruleView(r: RuleRow, remoteNames: Map<string, string>) {
  return {
    ...sgRuleFacts(r),
    remoteGroupName: r.remoteGroupId ? (remoteNames.get(r.remoteGroupId) ?? null) : null,
    description: r.description,
  };
}

/** R-SG-1: checks one rule and brings it to its stored form (ports only for TCP/UDP, a CIDR as its network). */
async function normalizeRule(tx: Executor, actor: Actor, input: z.output<typeof SgRuleInput>) {
  const ported = input.protocol === 'tcp' || input.protocol === 'udp';
  const rule = {
    direction: input.direction,
    protocol: input.protocol,
    portStart: input.portStart ?? null,
    portEnd: ported ? (input.portEnd ?? input.portStart ?? null) : (input.portEnd ?? null),
    icmpType: input.protocol === 'icmp' ? (input.icmpType ?? -1) : (input.icmpType ?? null),
    icmpCode: input.protocol === 'icmp' ? (input.icmpCode ?? -1) : (input.icmpCode ?? null),
    cidr: input.cidr || null,
    remoteGroupId: input.remoteGroupId || null,
    description: input.description,
  };
  const refused = checkSgRule(rule);
  if (isRefusal(refused)) throw refused;
  if (rule.cidr) {
    const c = isIpv4(rule.cidr) ? { ip: ipToInt(rule.cidr), prefix: 32 } : parseCidr(rule.cidr)!;
    rule.cidr = `${intToIp(subnetOf(c.ip, c.prefix).network)}/${c.prefix}`;
  }
  if (rule.remoteGroupId)
    await getReadable(tx, actor, securityGroups, rule.remoteGroupId, 'security group', undefined, 'remoteGroupId');
  return rule;
}

async function addRule(tx: Executor, actor: Actor, group: GroupRow, input: z.output<typeof SgRuleInput>) {
  const rule = await normalizeRule(tx, actor, input);
  const same = await tx.select().from(securityGroupRules).where(eq(securityGroupRules.groupId, group.id));
  const key = (r: Omit<typeof rule, 'description'>) =>
    JSON.stringify([r.direction, r.protocol, r.portStart, r.portEnd, r.icmpType, r.icmpCode, r.cidr, r.remoteGroupId]);
  if (same.some((r) => key(r) === key(rule)))
    throw new DomainError(E.INVALID_INPUT, `Group "${group.name}" already has this rule.`, 'protocol');
  const [row] = await tx
    .insert(securityGroupRules)
    .values({ ...rule, groupId: group.id })
    .returning();
  return row!;
}

/** A VM NIC the actor may use, on a network the group serves. */
async function joinable(tx: Executor, actor: Actor, group: GroupRow, nicId: string) {
  const [nic] = await tx.select().from(nics).where(eq(nics.id, nicId));
  if (!nic?.vmId) throw new DomainError(E.NOT_FOUND, 'No such VM NIC.', 'nicIds');
  const vm = await getReadable(tx, actor, vms, nic.vmId, 'VM NIC', undefined, 'nicIds');
  const [served] = await tx
    .select()
    .from(securityGroupL3s)
    .where(and(eq(securityGroupL3s.groupId, group.id), eq(securityGroupL3s.l3Id, nic.l3Id)));
  if (!served) {
    const [l3] = await tx.select({ name: l3Networks.name }).from(l3Networks).where(eq(l3Networks.id, nic.l3Id));
    throw new DomainError(
      E.SG_NETWORK_NOT_ATTACHED,
      `${vm.name}'s NIC is on "${l3?.name}", which group "${group.name}" does not serve; attach the network to the group first.`,
      'nicIds',
    );
  }
  return { nic, vm };
}

async function addNics(tx: Executor, actor: Actor, group: GroupRow, nicIds: string[]) {
  const hosts: string[] = [];
  for (const id of nicIds) {
    const { vm } = await joinable(tx, actor, group, id);
    const added = await tx.insert(securityGroupNics).values({ groupId: group.id, nicId: id }).onConflictDoNothing().returning();
    if (added.length) hosts.push(vm.hostId);
  }
  if (hosts.length) await bumpAgents(tx, [...hosts, ...(await hostsWatching(tx, [group.id]))]);
}

async function attachL3(tx: Executor, actor: Actor, group: GroupRow, l3Id: string) {
  const l3 = await getReadable(tx, actor, l3Networks, l3Id, 'network', l3Networks.shared, 'l3Ids');
  if (l3.category !== 'private' && l3.category !== 'public')
    throw new DomainError(E.INVALID_INPUT, `"${l3.name}" is a system network; security groups protect VM networks.`, 'l3Ids');
  await tx.insert(securityGroupL3s).values({ groupId: group.id, l3Id }).onConflictDoNothing();
}

/** The groups (with rules) of these NICs, for decisions. */
async function groupsOfNics(tx: Executor, nicIds: string[]) {
  const links = nicIds.length ? await tx.select().from(securityGroupNics).where(inArray(securityGroupNics.nicId, nicIds)) : [];
  const groupIds = [...new Set(links.map((l) => l.groupId))];
  const rows = groupIds.length
    ? await tx.select().from(securityGroups).where(inArray(securityGroups.id, groupIds)).orderBy(asc(securityGroups.name))
    : [];
  const full = await views(tx, rows);
  const out = new Map<string, typeof full>(nicIds.map((id) => [id, []]));
  for (const g of full) for (const l of links.filter((x) => x.groupId === g.id)) out.get(l.nicId)!.push(g);
  return out;
}

async function vmNic(tx: Executor, actor: Actor, nicId: string, field: string) {
  const [nic] = await tx.select().from(nics).where(eq(nics.id, nicId));
  if (!nic?.vmId) throw new DomainError(E.NOT_FOUND, 'No such VM NIC.', field);
  const vm = await getReadable(tx, actor, vms, nic.vmId, 'VM NIC', undefined, field);
  return { nicId: nic.id, vmId: vm.id, vmName: vm.name, ip: intToIp(nic.ip) };
}

const decisionView = (d: Decision) => ({
  allowed: d.allowed,
  by: d.by,
  groupId: ('groupId' in d ? d.groupId : undefined) ?? null,
  ruleId: 'ruleId' in d ? d.ruleId : null,
  text: d.text,
});

export const securityGroupService = {
  async list(db: Db, actor: Actor, input: ListInput & { nicId?: string }) {
    const extra = input.nicId
      ? inArray(
          securityGroups.id,
          db.select({ id: securityGroupNics.groupId }).from(securityGroupNics).where(eq(securityGroupNics.nicId, input.nicId)),
        )
      : undefined;
    const page = await listPage<GroupRow>(
      db,
      actor,
      {
        table: securityGroups,
        search: [securityGroups.name, securityGroups.description],
        sort: { name: securityGroups.name, createdAt: securityGroups.createdAt },
      },
      input,
      extra,
    );
    return { items: await views(db, page.items), total: page.total };
  },
  async get(db: Db, actor: Actor, id: string) {
    return (await views(db, [await getReadable(db, actor, securityGroups, id, 'security group')]))[0]!;
  },
  /** R-SG-1/2: a group with its two default intra-group rules, optionally its networks, rules and NICs at once (seed 4.4). */
  async create(db: Db, actor: Actor, input: z.output<typeof CreateSecurityGroup>) {
    return db.transaction(async (tx) => {
      const [row] = await tx
        .insert(securityGroups)
        .values({ name: input.name, description: input.description, accountId: actor.accountId })
        .returning();
      const group = row!;
      await tx
        .insert(securityGroupRules)
        .values(defaultRules(group.id).map((r) => ({ ...r, groupId: group.id, description: r.description ?? '' })));
      for (const l3Id of input.l3Ids) await attachL3(tx, actor, group, l3Id);
      for (const [i, r] of input.rules.entries()) {
        try {
          await addRule(tx, actor, group, r);
        } catch (err) {
          if (err instanceof DomainError)
            throw new DomainError(err.code, `Rule ${i + 1}: ${err.message}`, err.field ? `rules.${i}.${err.field}` : undefined);
          throw err;
        }
      }
      await addNics(tx, actor, group, input.nicIds);
      await audit(tx, actor, 'create', 'security group', group.id);
      return (await views(tx, [group]))[0]!;
    });
  },
  /** Deleting a group removes it from its members; one another group's rules name is refused. */
  async delete(db: Db, actor: Actor, id: string) {
    await db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, id, 'security group');
      const users = await tx
        .selectDistinct({ name: securityGroups.name })
        .from(securityGroupRules)
        .innerJoin(securityGroups, eq(securityGroups.id, securityGroupRules.groupId))
        .where(and(eq(securityGroupRules.remoteGroupId, group.id), ne(securityGroupRules.groupId, group.id)));
      if (users.length)
        throw new DomainError(
          E.IN_USE,
          `Rules of ${users.map((u) => `"${u.name}"`).join(', ')} name "${group.name}" as remote group; delete those rules first.`,
        );
      const hosts = await hostsOfMembers(tx, [group.id]);
      await tx.delete(securityGroups).where(eq(securityGroups.id, group.id));
      await bumpAgents(tx, hosts);
      await audit(tx, actor, 'delete', 'security group', group.id);
    });
  },
  async addRule(db: Db, actor: Actor, input: z.output<typeof AddSgRule>) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      const rule = await addRule(tx, actor, group, input);
      await bumpAgents(tx, await hostsOfMembers(tx, [group.id]));
      await audit(tx, actor, 'add-rule', 'security group', group.id, { ruleId: rule.id });
      return (await views(tx, [group]))[0]!;
    });
  },
  /** Any rule may go, the default ones too (R-SG-2: that ends intra-group traffic). */
  async deleteRule(db: Db, actor: Actor, input: { id: string; ruleId: string }) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      const [gone] = await tx
        .delete(securityGroupRules)
        .where(and(eq(securityGroupRules.id, input.ruleId), eq(securityGroupRules.groupId, group.id)))
        .returning();
      if (!gone) throw new DomainError(E.NOT_FOUND, 'No such rule.', 'ruleId');
      await bumpAgents(tx, await hostsOfMembers(tx, [group.id]));
      await audit(tx, actor, 'delete-rule', 'security group', group.id, { ruleId: gone.id });
      return (await views(tx, [group]))[0]!;
    });
  },
  async attachL3(db: Db, actor: Actor, input: { id: string; l3Id: string }) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      await attachL3(tx, actor, group, input.l3Id);
      await audit(tx, actor, 'attach-l3', 'security group', group.id, { l3Id: input.l3Id });
      return (await views(tx, [group]))[0]!;
    });
  },
  /** Refused while NICs of that network are members: they would be filtered by a group that no longer serves them. */
  async detachL3(db: Db, actor: Actor, input: { id: string; l3Id: string }) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      const onIt = await tx
        .select({ vmName: vms.name })
        .from(securityGroupNics)
        .innerJoin(nics, eq(nics.id, securityGroupNics.nicId))
        .innerJoin(vms, eq(vms.id, nics.vmId))
        .where(and(eq(securityGroupNics.groupId, group.id), eq(nics.l3Id, input.l3Id)));
      if (onIt.length)
        throw new DomainError(
          E.IN_USE,
          `NICs of ${onIt.map((m) => m.vmName).join(', ')} on this network are members; remove them from the group first.`,
          'l3Id',
        );
      await tx.delete(securityGroupL3s).where(and(eq(securityGroupL3s.groupId, group.id), eq(securityGroupL3s.l3Id, input.l3Id)));
      await audit(tx, actor, 'detach-l3', 'security group', group.id, { l3Id: input.l3Id });
      return (await views(tx, [group]))[0]!;
    });
  },
  async addNics(db: Db, actor: Actor, input: { id: string; nicIds: string[] }) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      await addNics(tx, actor, group, input.nicIds);
      await audit(tx, actor, 'add-nics', 'security group', group.id, { nicIds: input.nicIds });
      return (await views(tx, [group]))[0]!;
    });
  },
  async removeNic(db: Db, actor: Actor, input: { id: string; nicId: string }) {
    return db.transaction(async (tx) => {
      const group = await getWritable(tx, actor, securityGroups, input.id, 'security group');
      const { vmId } = await vmNic(tx, actor, input.nicId, 'nicId');
      const gone = await tx
        .delete(securityGroupNics)
        .where(and(eq(securityGroupNics.groupId, group.id), eq(securityGroupNics.nicId, input.nicId)))
        .returning();
      if (!gone.length) throw new DomainError(E.NOT_FOUND, 'This NIC is not a member of the group.', 'nicId');
      const [vm] = await tx.select({ hostId: vms.hostId }).from(vms).where(eq(vms.id, vmId));
      await bumpAgents(tx, [vm!.hostId, ...(await hostsWatching(tx, [group.id]))]);
      await audit(tx, actor, 'remove-nic', 'security group', group.id, { nicId: input.nicId });
      return (await views(tx, [group]))[0]!;
    });
  },
  /** A VM NIC's groups and the union of their rules (R-SG-2). */
  async effectiveRules(db: Db, actor: Actor, nicId: string) {
    const nic = await vmNic(db, actor, nicId, 'nicId');
    const full = (await groupsOfNics(db, [nicId])).get(nicId)!;
    return {
      nicId,
      ip: nic.ip,
      groups: full.map((g) => ({ id: g.id, name: g.name })),
      rules: full.flatMap((g) => g.rules.map((r) => ({ ...r, groupId: g.id, groupName: g.name }))),
      filtered: full.length > 0,
      egressOpen: egressOpen(full),
    };
  },
  /**
   * "Why blocked?" from the desired state: the sender's egress and the receiver's ingress, each with the rule (or
   * missing rule) that decides.
   */
  async whyBlocked(db: Db, actor: Actor, input: z.output<typeof WhyBlockedInput>) {
    if ((input.protocol === 'tcp' || input.protocol === 'udp') && !input.port)
      throw new DomainError(E.INVALID_INPUT, 'Enter the destination port.', 'port');
    const from = await vmNic(db, actor, input.fromNicId, 'fromNicId');
    const to = await vmNic(db, actor, input.toNicId, 'toNicId');
    const groups = await groupsOfNics(db, [from.nicId, to.nicId]);
    const packet =
      input.protocol === 'icmp'
        ? { protocol: 'icmp' as const, icmpType: 8, icmpCode: 0 }
        : { protocol: input.protocol, port: input.port! };
    const r = whyBlocked({ ip: from.ip, groups: groups.get(from.nicId)! }, { ip: to.ip, groups: groups.get(to.nicId)! }, packet);
    return { allowed: r.allowed, from, to, egress: decisionView(r.egress), ingress: decisionView(r.ingress) };
  },
};
