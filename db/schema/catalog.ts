import { boolean, integer, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { resourceColumns } from './common';
import { backupStorages } from './hardware';

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
