import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  integer,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { nics, vrouters } from './compute';
import { l3Networks } from './network';

/**
 * A virtual IP on a public L3, allocated through IPAM. A vRouter's public address is its system VIP
 * (`system`, with `vrouterId`): it may carry port forwarding but never an EIP (R-EIP-1, R-PF-1).
 */
export const vips = pgTable(
  'vips',
  {
    ...resourceColumns(),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'restrict' }),
    ip: bigint('ip', { mode: 'number' }).notNull(),
    system: boolean('system').notNull().default(false),
    vrouterId: uuid('vrouter_id').references(() => vrouters.id, { onDelete: 'cascade' }),
  },
  (t) => [uniqueIndex('vips_l3_ip_uq').on(t.l3Id, t.ip), index('vips_vrouter_idx').on(t.vrouterId)],
);

/** R-EIP-1..3: one VIP, bound to at most one VM NIC at a time; a NIC has at most one EIP. */
export const eips = pgTable(
  'eips',
  {
    ...resourceColumns(),
    vipId: uuid('vip_id')
      .notNull()
      .references(() => vips.id, { onDelete: 'restrict' }),
    nicId: uuid('nic_id').references(() => nics.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('eips_vip_uq').on(t.vipId), uniqueIndex('eips_nic_uq').on(t.nicId)],
);

export const pfProtocolEnum = pgEnum('pf_protocol', ['tcp', 'udp']);

/**
 * R-PF-1/2: VIP ports [vipPortStart, vipPortEnd] → VM ports [vmPortStart, vmPortEnd] (equal length),
 * optionally only from `allowedCidr`. `lastL3Id` remembers the L3 of the last bound NIC: an unbound
 * rule may be bound again only on that L3.
 */
export const portForwards = pgTable(
  'port_forwards',
  {
    ...resourceColumns(),
    vipId: uuid('vip_id')
      .notNull()
      .references(() => vips.id, { onDelete: 'restrict' }),
    protocol: pfProtocolEnum('protocol').notNull(),
    vipPortStart: integer('vip_port_start').notNull(),
    vipPortEnd: integer('vip_port_end').notNull(),
    vmPortStart: integer('vm_port_start').notNull(),
    vmPortEnd: integer('vm_port_end').notNull(),
    allowedCidr: text('allowed_cidr'),
    nicId: uuid('nic_id').references(() => nics.id, { onDelete: 'set null' }),
    lastL3Id: uuid('last_l3_id').references(() => l3Networks.id, { onDelete: 'set null' }),
  },
  (t) => [index('port_forwards_vip_idx').on(t.vipId), index('port_forwards_nic_idx').on(t.nicId)],
);

/** R-RT-1: a route table, its entries, and the vRouters it is attached to. */
export const routeTables = pgTable('route_tables', { ...resourceColumns() });

export const routeEntries = pgTable(
  'route_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    tableId: uuid('table_id')
      .notNull()
      .references(() => routeTables.id, { onDelete: 'cascade' }),
    destination: text('destination').notNull(),
    nextHop: text('next_hop').notNull(),
    description: text('description').notNull().default(''),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('route_entries_table_dest_uq').on(t.tableId, t.destination)],
);

export const routeTableRouters = pgTable(
  'route_table_routers',
  {
    tableId: uuid('table_id')
      .notNull()
      .references(() => routeTables.id, { onDelete: 'cascade' }),
    vrouterId: uuid('vrouter_id')
      .notNull()
      .references(() => vrouters.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.tableId, t.vrouterId] }), index('route_table_routers_router_idx').on(t.vrouterId)],
);
