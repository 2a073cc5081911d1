import { index, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';

export const zones = pgTable('zones', { ...resourceColumns() });

export const clusters = pgTable(
  'clusters',
  {
    ...resourceColumns(),
    zoneId: uuid('zone_id')
      .notNull()
      .references(() => zones.id, { onDelete: 'restrict' }),
    hypervisor: text('hypervisor').notNull().default('KVM'),
  },
  (t) => [index('clusters_zone_idx').on(t.zoneId)],
);

export const hostStateEnum = pgEnum('host_state', ['enabled', 'disabled', 'maintenance']);

export const hosts = pgTable(
  'hosts',
  {
    ...resourceColumns(),
    clusterId: uuid('cluster_id')
      .notNull()
      .references(() => clusters.id, { onDelete: 'restrict' }),
    managementIp: text('management_ip').notNull(),
    /** VTEP address used for VXLAN underlay; null when the host carries no VXLAN. */
    vtepIp: text('vtep_ip'),
    /** Physical NIC names, e.g. ["em01","em02"]. */
    nics: jsonb('nics').$type<string[]>().notNull(),
    state: hostStateEnum('state').notNull().default('enabled'),
  },
  (t) => [uniqueIndex('hosts_mgmt_ip_uq').on(t.managementIp), index('hosts_cluster_idx').on(t.clusterId)],
);

export const backupStorages = pgTable('backup_storages', {
  ...resourceColumns(),
  zoneId: uuid('zone_id')
    .notNull()
    .references(() => zones.id, { onDelete: 'restrict' }),
  type: text('type').notNull().default('ImageStore'),
  url: text('url').notNull(),
});

export const primaryStorages = pgTable('primary_storages', {
  ...resourceColumns(),
  zoneId: uuid('zone_id')
    .notNull()
    .references(() => zones.id, { onDelete: 'restrict' }),
  type: text('type').notNull().default('LocalStorage'),
  url: text('url').notNull(),
});
