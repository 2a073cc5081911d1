import {
  type AnyPgColumn,
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { images } from './catalog';
import { clusters, zones } from './hardware';

export const l2TypeEnum = pgEnum('l2_type', ['novlan', 'vlan', 'vxlan']);

export const vxlanPools = pgTable(
  'vxlan_pools',
  {
    ...resourceColumns(),
    zoneId: uuid('zone_id')
      .notNull()
      .references(() => zones.id, { onDelete: 'restrict' }),
    vniStart: integer('vni_start').notNull(),
    vniEnd: integer('vni_end').notNull(),
    shared: boolean('shared').notNull().default(false),
  },
  (t) => [index('vxlan_pools_zone_idx').on(t.zoneId)],
);

export const vxlanPoolClusters = pgTable(
  'vxlan_pool_clusters',
  {
    poolId: uuid('pool_id')
      .notNull()
      .references(() => vxlanPools.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'restrict' }),
    vtepCidr: text('vtep_cidr').notNull(),
  },
  (t) => [primaryKey({ columns: [t.poolId, t.clusterId] })],
);

export const l2Networks = pgTable(
  'l2_networks',
  {
    ...resourceColumns(),
    zoneId: uuid('zone_id')
      .notNull()
      .references(() => zones.id, { onDelete: 'restrict' }),
    type: l2TypeEnum('type').notNull(),
    physicalNic: text('physical_nic'),
    vlanId: integer('vlan_id'),
    vxlanPoolId: uuid('vxlan_pool_id').references(() => vxlanPools.id, { onDelete: 'restrict' }),
    vni: integer('vni'),
    sriov: boolean('sriov').notNull().default(false),
    shared: boolean('shared').notNull().default(false),
  },
  (t) => [uniqueIndex('l2_pool_vni_uq').on(t.vxlanPoolId, t.vni), index('l2_zone_idx').on(t.zoneId)],
);

export const l2ClusterAttachments = pgTable(
  'l2_cluster_attachments',
  {
    l2Id: uuid('l2_id')
      .notNull()
      .references(() => l2Networks.id, { onDelete: 'cascade' }),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.l2Id, t.clusterId] }), index('l2_attach_cluster_idx').on(t.clusterId)],
);

export const l3CategoryEnum = pgEnum('l3_category', ['public', 'system', 'private']);
export const l3TypeEnum = pgEnum('l3_type', ['flat', 'vrouter']);

export const l3Networks = pgTable(
  'l3_networks',
  {
    ...resourceColumns(),
    l2Id: uuid('l2_id')
      .notNull()
      .references(() => l2Networks.id, { onDelete: 'restrict' }),
    category: l3CategoryEnum('category').notNull(),
    /** Only for private L3s. */
    type: l3TypeEnum('type'),
    dhcpEnabled: boolean('dhcp_enabled').notNull().default(true),
    /** The L3's DHCP server address as an integer; set with the first range of a DHCP-on L3. */
    dhcpServerIp: bigint('dhcp_server_ip', { mode: 'number' }),
    dnsServers: jsonb('dns_servers').$type<string[]>().notNull().default([]),
    vrouterOfferingId: uuid('vrouter_offering_id').references((): AnyPgColumn => vrouterOfferings.id, {
      onDelete: 'restrict',
    }),
    sriov: boolean('sriov').notNull().default(false),
    /** An admin may share a public L3 so tenants can use it. */
    shared: boolean('shared').notNull().default(false),
  },
  (t) => [index('l3_l2_idx').on(t.l2Id)],
);

/**
 * What a vRouter is made of (R-OFF-1). It lives beside the L3 networks because the two reference
 * each other: an offering names its management and public L3s, a vRouter L3 names its offering.
 */
export const vrouterOfferings = pgTable('vrouter_offerings', {
  ...resourceColumns(),
  zoneId: uuid('zone_id')
    .notNull()
    .references(() => zones.id, { onDelete: 'restrict' }),
  cpu: integer('cpu').notNull(),
  memoryMb: integer('memory_mb').notNull(),
  imageId: uuid('image_id')
    .notNull()
    .references(() => images.id, { onDelete: 'restrict' }),
  managementL3Id: uuid('management_l3_id')
    .notNull()
    .references(() => l3Networks.id, { onDelete: 'restrict' }),
  /** A public L3 (every service for vRouter networks) or a flat private L3 (LB for flat networks only). */
  publicL3Id: uuid('public_l3_id')
    .notNull()
    .references(() => l3Networks.id, { onDelete: 'restrict' }),
  shared: boolean('shared').notNull().default(false),
});
