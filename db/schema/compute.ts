import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { hosts } from './hardware';
import { images, instanceOfferings } from './catalog';
import { l3Networks, vrouterOfferings } from './network';

export const vmStateEnum = pgEnum('vm_state', ['running', 'stopped']);

export const vms = pgTable(
  'vms',
  {
    ...resourceColumns(),
    instanceOfferingId: uuid('instance_offering_id')
      .notNull()
      .references(() => instanceOfferings.id, { onDelete: 'restrict' }),
    imageId: uuid('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'restrict' }),
    hostId: uuid('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'restrict' }),
    state: vmStateEnum('state').notNull().default('running'),
  },
  (t) => [index('vms_host_idx').on(t.hostId)],
);

/** A router VM (R-VM-2): created with the first VM on a vRouter L3, from that L3's offering. */
export const vrouters = pgTable(
  'vrouters',
  {
    ...resourceColumns(),
    offeringId: uuid('offering_id')
      .notNull()
      .references(() => vrouterOfferings.id, { onDelete: 'restrict' }),
    hostId: uuid('host_id')
      .notNull()
      .references(() => hosts.id, { onDelete: 'restrict' }),
    state: vmStateEnum('state').notNull().default('running'),
  },
  (t) => [index('vrouters_host_idx').on(t.hostId)],
);

export const nicRoleEnum = pgEnum('nic_role', ['vm', 'management', 'public', 'private']);

/** Every NIC of a VM or vRouter: one L3, one address, one MAC. */
export const nics = pgTable(
  'nics',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    vmId: uuid('vm_id').references(() => vms.id, { onDelete: 'cascade' }),
    vrouterId: uuid('vrouter_id').references(() => vrouters.id, { onDelete: 'cascade' }),
    l3Id: uuid('l3_id')
      .notNull()
      .references(() => l3Networks.id, { onDelete: 'restrict' }),
    role: nicRoleEnum('role').notNull(),
    ip: bigint('ip', { mode: 'number' }).notNull(),
    mac: text('mac').notNull(),
    deviceIndex: integer('device_index').notNull(),
    /** The NIC whose network gives the default route. */
    isDefault: boolean('is_default').notNull().default(false),
    /** A NIC attached to a running VM takes effect at its next reboot (R-VM-1). */
    active: boolean('active').notNull().default(true),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [
    uniqueIndex('nics_mac_uq').on(t.mac),
    index('nics_vm_idx').on(t.vmId),
    index('nics_vrouter_idx').on(t.vrouterId),
    index('nics_l3_idx').on(t.l3Id),
  ],
);

export const agentKindEnum = pgEnum('agent_kind', ['host', 'vrouter']);

/**
 * One row per agent (a host's or a vRouter's). Every change bumps `desiredGeneration` in the same
 * transaction; the reconciler pushes the full config until `appliedGeneration` catches up, with
 * capped exponential backoff, holding a lease so two consoles never push one agent at once.
 */
export const agents = pgTable(
  'agents',
  {
    /** Equal to the host's or vRouter's id. */
    id: uuid('id').primaryKey(),
    kind: agentKindEnum('kind').notNull(),
    desiredGeneration: bigint('desired_generation', { mode: 'number' }).notNull().default(1),
    appliedGeneration: bigint('applied_generation', { mode: 'number' }).notNull().default(0),
    /** Where the agent listens: `unix:/path` in the lab, `https://host:port` on a real host. Null until known. */
    endpoint: text('endpoint'),
    /** The agent's own secret (never leaves the server except to that agent). */
    token: text('token').notNull(),
    failures: integer('failures').notNull().default(0),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
    lastError: text('last_error'),
    lastErrorAt: timestamp('last_error_at', { withTimezone: true }),
    lastAppliedAt: timestamp('last_applied_at', { withTimezone: true }),
    lastCheckedAt: timestamp('last_checked_at', { withTimezone: true }),
    kernelHash: text('kernel_hash'),
    drift: boolean('drift').notNull().default(false),
    /**
     * A host's: moved on each time the hypervisor reports it made VM ports (started or made again a
     * VM): carried in the host config, so its agent reads the links again then, and not on every change.
     */
    portsEpoch: integer('ports_epoch').notNull().default(0),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
  },
  (t) => [index('agents_due_idx').on(t.nextAttemptAt)],
);
