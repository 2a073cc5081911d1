import { sql } from 'drizzle-orm';
import { bigint, index, integer, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { l3Networks } from './network';

/**
 * An IPv4 range of an L3. Addresses are stored as integers (bigint: IPv4 goes up to 2^32-1).
 * `size` is the number of addresses that can be handed out (start..end minus network/broadcast).
 */
export const ipRanges = pgTable(
  'ip_ranges',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'cascade' }),
    name: text('name').notNull().default(''),
    startIp: bigint('start_ip', { mode: 'number' }).notNull(),
    endIp: bigint('end_ip', { mode: 'number' }).notNull(),
    prefixLength: integer('prefix_length').notNull(),
    networkIp: bigint('network_ip', { mode: 'number' }).notNull(),
    gateway: bigint('gateway', { mode: 'number' }).notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [index('ip_ranges_l3_idx').on(t.l3Id, t.startIp)],
);

/**
 * Every address held on an L3, by whom. The unique index on (l3, ip) is what makes double
 * allocation impossible, whatever the concurrency.
 */
export const ipAllocations = pgTable(
  'ip_allocations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'cascade' }),
    rangeId: uuid('range_id').references(() => ipRanges.id, { onDelete: 'cascade' }),
    ip: bigint('ip', { mode: 'number' }).notNull(),
    /** dhcp | gateway | vm-nic | vrouter | vip | reserved */
    kind: text('kind').notNull(),
    ownerType: text('owner_type'),
    ownerId: uuid('owner_id'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('ip_allocations_l3_ip_uq').on(t.l3Id, t.ip), index('ip_allocations_owner_idx').on(t.ownerId)],
);

/**
 * Free extents: maximal runs of allocatable addresses per range. The lowest free address is the
 * smallest start_ip of an L3 — one index probe, never an enumeration of the range.
 */
export const ipFreeExtents = pgTable(
  'ip_free_extents',
  {
    rangeId: uuid('range_id')
      .notNull()
      .references(() => ipRanges.id, { onDelete: 'cascade' }),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'cascade' }),
    startIp: bigint('start_ip', { mode: 'number' }).notNull(),
    endIp: bigint('end_ip', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.rangeId, t.startIp] }), index('ip_free_extents_l3_start_idx').on(t.l3Id, t.startIp)],
);
