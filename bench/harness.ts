import { eq } from 'drizzle-orm';
import type { DbHandle } from '@/db/client';
import { accounts } from '@/db/schema';
import type { Actor } from '@/server/auth/actor';
import { authService } from '@/server/services/auth';
import { createCaller } from '@/server/trpc/router';

/** An admin caller on an opened database (benchmarks go through the same procedures as the console). */
export async function openHarnessOn(handle: DbHandle) {
  const { db } = handle;
  await authService.bootstrapAdmin(db, 'bench-password');
  const [admin] = await db.select().from(accounts).where(eq(accounts.name, 'admin'));
  const actor: Actor = { accountId: admin!.id, name: 'admin', role: 'admin' };
  return { db, admin: createCaller({ db, actor, requestId: 'bench' }), close: () => handle.close() };
}
