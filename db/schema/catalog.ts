import { boolean, integer, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { backupStorages, zones } from './hardware';
import { l3Networks } from './network';

export const imageKindEnum = pgEnum('image_kind', ['vm', 'vrouter']);

export const images = pgTable('images', {
  ...resourceColumns(),
  kind: imageKindEnum('kind').notNull().default('vm'),
  backupStorageId: uuid('backup_storage_id')
    .notNull()
    .references(() => backupStorages.id, { onDelete: 'restrict' }),
  url: text('url').notNull(),
  format: text('format').notNull().default('qcow2'),
  platform: text('platform').notNull().default('Linux'),
  shared: boolean('shared').notNull().default(false),
});

export const instanceOfferings = pgTable('instance_offerings', {
  ...resourceColumns(),
  cpu: integer('cpu').notNull(),
  memoryMb: integer('memory_mb').notNull(),
  shared: boolean('shared').notNull().default(false),
});

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
