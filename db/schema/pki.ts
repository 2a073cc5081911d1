import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Certificate authorities the console creates for itself (issue 12): `agents` signs every agent's
 * server certificate and the consoles' client certificates, so that agents reached over TCP and the
 * consoles authenticate each other (mutual TLS). One row per authority, shared by every console on
 * the same database; the key never leaves the server (see README, "Agents on real hosts").
 */
export const certificateAuthorities = pgTable('certificate_authorities', {
  name: text('name').primaryKey(),
  certPem: text('cert_pem').notNull(),
  keyPem: text('key_pem').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
