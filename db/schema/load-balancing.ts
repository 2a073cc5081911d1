import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { nics } from './compute';
import { vips } from './services';

/**
 * Load balancing (SPEC R-LB-1 … R-LB-5): a load balancer on a VIP, its listeners, each listener's
 * backends (VM NICs), and the certificates HTTPS listeners terminate TLS with. The rules they obey
 * are in server/domain/load-balancing/rules.ts.
 */
export const loadBalancers = pgTable(
  'load_balancers',
  {
    ...resourceColumns(),
    vipId: uuid('vip_id')
      .notNull()
      .references(() => vips.id, { onDelete: 'restrict' }),
  },
  (t) => [index('load_balancers_vip_idx').on(t.vipId)],
);

/**
 * R-LB-4: a PEM certificate, its chain and its private key. The key is stored as uploaded (the
 * vRouter's haproxy needs it) and is never returned by the API; see README, "Secrets".
 */
export const lbCertificates = pgTable('lb_certificates', {
  ...resourceColumns(),
  certificatePem: text('certificate_pem').notNull(),
  chainPem: text('chain_pem'),
  privateKeyPem: text('private_key_pem').notNull(),
  subject: text('subject').notNull(),
  issuer: text('issuer').notNull(),
  sans: text('sans')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  notBefore: timestamp('not_before', { withTimezone: true }).notNull(),
  notAfter: timestamp('not_after', { withTimezone: true }).notNull(),
  fingerprint: text('fingerprint').notNull(),
});

export const lbProtocolEnum = pgEnum('lb_protocol', ['tcp', 'http', 'https', 'udp']);
export const lbHealthProtocolEnum = pgEnum('lb_health_protocol', ['tcp', 'http', 'udp']);
export const lbAlgorithmEnum = pgEnum('lb_algorithm', [
  'round-robin',
  'least-connections',
  'source-hash',
  'weighted-round-robin',
]);

/** A forwarding policy (R-LB-5), in the order they are evaluated. */
export interface LbPolicy {
  name: string;
  host: string | null;
  pathPrefix: string | null;
  group: string;
}

/** R-LB-2: a listener with every field of the seed's dialog and its advanced section. */
export const lbListeners = pgTable(
  'lb_listeners',
  {
    ...resourceColumns(),
    lbId: uuid('lb_id')
      .notNull()
      .references(() => loadBalancers.id, { onDelete: 'cascade' }),
    protocol: lbProtocolEnum('protocol').notNull(),
    lbPort: integer('lb_port').notNull(),
    vmPort: integer('vm_port').notNull(),
    algorithm: lbAlgorithmEnum('algorithm').notNull().default('round-robin'),
    maxConnections: integer('max_connections').notNull().default(100000),
    idleTimeoutSeconds: integer('idle_timeout_seconds').notNull().default(60),
    healthCheckProtocol: lbHealthProtocolEnum('health_check_protocol').notNull(),
    healthCheckPort: integer('health_check_port'),
    healthCheckUri: text('health_check_uri'),
    healthCheckMethod: text('health_check_method').notNull().default('HEAD'),
    healthCheckHttpCodes: text('health_check_http_codes')
      .array()
      .notNull()
      .default(sql`'{http_2xx,http_3xx}'::text[]`),
    healthyThreshold: integer('healthy_threshold').notNull().default(2),
    unhealthyThreshold: integer('unhealthy_threshold').notNull().default(2),
    healthCheckIntervalSeconds: integer('health_check_interval_seconds').notNull().default(5),
    certificateId: uuid('certificate_id').references(() => lbCertificates.id, { onDelete: 'restrict' }),
    policies: jsonb('policies').$type<LbPolicy[]>().notNull().default([]),
  },
  (t) => [index('lb_listeners_lb_idx').on(t.lbId), index('lb_listeners_certificate_idx').on(t.certificateId)],
);

/** R-LB-3: a VM NIC serving a listener, with its weight and backend group. */
export const lbBackends = pgTable(
  'lb_backends',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    listenerId: uuid('listener_id')
      .notNull()
      .references(() => lbListeners.id, { onDelete: 'cascade' }),
    nicId: uuid('nic_id')
      .notNull()
      .references(() => nics.id, { onDelete: 'cascade' }),
    weight: integer('weight').notNull().default(1),
    group: text('group').notNull().default('default'),
    createdAt: timestamp('created_at', { withTimezone: true })
      .notNull()
      .default(sql`now()`),
  },
  (t) => [uniqueIndex('lb_backends_listener_nic_uq').on(t.listenerId, t.nicId), index('lb_backends_nic_idx').on(t.nicId)],
);

/** A backend's counters and health in a sample (R-LB-6). */
export interface LbBackendSample {
  nicId: string;
  health: 'healthy' | 'unhealthy' | 'unchecked';
  current: number;
  total: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * R-LB-6: a listener's counters as its vRouter agent reported them, one row per collection (every
 * few seconds, at the agent's time rounded to the interval: consoles sharing a database write one
 * row), kept for an hour — what the console's live chart and `/metrics` read.
 */
export const lbListenerSamples = pgTable(
  'lb_listener_samples',
  {
    listenerId: uuid('listener_id')
      .notNull()
      .references(() => lbListeners.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true }).notNull(),
    current: integer('current').notNull(),
    total: bigint('total', { mode: 'number' }).notNull(),
    bytesIn: bigint('bytes_in', { mode: 'number' }).notNull(),
    bytesOut: bigint('bytes_out', { mode: 'number' }).notNull(),
    backends: jsonb('backends').$type<LbBackendSample[]>().notNull(),
  },
  (t) => [primaryKey({ columns: [t.listenerId, t.at] }), index('lb_listener_samples_at_idx').on(t.at)],
);
