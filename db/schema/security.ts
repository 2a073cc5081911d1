import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { nics } from './compute';
import { l3Networks } from './network';

/** R-SG-1: a security group — a distributed firewall enforced on each host for its member VM NICs. */
export const securityGroups = pgTable('security_groups', { ...resourceColumns() });

export const sgDirectionEnum = pgEnum('sg_direction', ['ingress', 'egress']);
export const sgProtocolEnum = pgEnum('sg_protocol', ['all', 'tcp', 'udp', 'icmp']);

/**
 * One allow rule (R-SG-1/2). The peer (source of ingress, destination of egress) is a CIDR and/or
 * the members of a remote group; both set → both must hold. `isDefault` marks the two intra-group
 * rules a new group starts with: deletable, and not "user-defined" for the egress whitelist.
 */
export const securityGroupRules = pgTable(
  'security_group_rules',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    groupId: uuid('group_id')
      .notNull()
      .references(() => securityGroups.id, { onDelete: 'cascade' }),
    direction: sgDirectionEnum('direction').notNull(),
    protocol: sgProtocolEnum('protocol').notNull(),
    portStart: integer('port_start'),
    portEnd: integer('port_end'),
    icmpType: integer('icmp_type'),
    icmpCode: integer('icmp_code'),
    cidr: text('cidr'),
    remoteGroupId: uuid('remote_group_id').references(() => securityGroups.id, { onDelete: 'no action' }),
    isDefault: boolean('is_default').notNull().default(false),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    /** Insertion order: rules are listed (and rendered) in the order they were added, also within one transaction. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
  },
  (t) => [index('security_group_rules_group_idx').on(t.groupId), index('security_group_rules_remote_idx').on(t.remoteGroupId)],
);

/** The L3 networks a group serves: only NICs on these may join it (seed 4.4: 网络). */
export const securityGroupL3s = pgTable(
  'security_group_l3s',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => securityGroups.id, { onDelete: 'cascade' }),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.l3Id] }), index('security_group_l3s_l3_idx').on(t.l3Id)],
);

/** Member VM NICs; a NIC may be in several groups (the union of their rules applies). */
export const securityGroupNics = pgTable(
  'security_group_nics',
  {
    groupId: uuid('group_id')
      .notNull()
      .references(() => securityGroups.id, { onDelete: 'cascade' }),
    nicId: uuid('nic_id')
      .notNull()
      .references(() => nics.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.nicId] }), index('security_group_nics_nic_idx').on(t.nicId)],
);
