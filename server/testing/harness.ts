import { eq } from 'drizzle-orm';
import { openTestDb } from '@/db/testing';
import { accounts } from '@/db/schema';
import type { Actor } from '../auth/actor';
import { authService } from '../services/auth';
import { createCaller } from '../trpc/router';
import type { DbHandle } from '@/db/client';

export type Caller = ReturnType<typeof createCaller>;

/** A fresh database with an admin, and callers that act as any account (through tRPC, as the console does). */
export async function openHarness() {
  const handle: DbHandle = await openTestDb();
  const { db } = handle;
  await authService.bootstrapAdmin(db, 'admin-password-1');
  const [admin] = await db.select().from(accounts).where(eq(accounts.name, 'admin'));
  const adminActor: Actor = { accountId: admin!.id, name: 'admin', role: 'admin' };
  const callerFor = (actor: Actor | null) => createCaller({ db, actor, requestId: 'test' });
  return {
    handle,
    db,
    adminActor,
    admin: callerFor(adminActor),
    callerFor,
    async tenant(name: string) {
      const row = await authService.createAccount(db, adminActor, { name, password: `${name}-password`, role: 'tenant' });
      const actor: Actor = { accountId: row.id, name, role: 'tenant' };
      return { actor, caller: callerFor(actor) };
    },
    close: () => handle.close(),
  };
}
