import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { accounts, apiTokens, sessions } from '@/db/schema';
import { openTestDb } from '@/db/testing';
import type { DbHandle } from '@/db/client';
import { authService } from './auth';
import { sha256 } from '../auth/secrets';

let handle: DbHandle;
beforeAll(async () => {
  handle = await openTestDb();
});
afterAll(async () => handle?.close());

describe('accounts, sessions and API tokens', () => {
  it('creates the admin once on first start, with a random password when none is given', async () => {
    const first = await authService.bootstrapAdmin(handle.db);
    expect(first.created).toBe(true);
    expect(first.password).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(await authService.bootstrapAdmin(handle.db, 'other-password')).toEqual({ created: false });
    const [admin] = await handle.db.select().from(accounts).where(eq(accounts.name, 'admin'));
    expect(admin!.role).toBe('admin');
    // Stored hashed with Argon2id, never in clear.
    expect(admin!.passwordHash).toMatch(/^\$argon2id\$/);
    expect(admin!.passwordHash).not.toContain(first.password!);
    const login = await authService.login(handle.db, 'admin', first.password!);
    expect(login.actor.role).toBe('admin');
  });

  it('refuses a wrong password and an unknown account with the same message', async () => {
    await expect(authService.login(handle.db, 'admin', 'wrong-password')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Wrong account name or password.',
    });
    await expect(authService.login(handle.db, 'nobody', 'whatever')).rejects.toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'Wrong account name or password.',
    });
  });

  it('resolves a session to its account, stores only its hash, and forgets it on logout', async () => {
    const [admin] = await handle.db.select().from(accounts).where(eq(accounts.name, 'admin'));
    const actor = { accountId: admin!.id, name: 'admin', role: 'admin' as const };
    await authService.createAccount(handle.db, actor, { name: 'alice', password: 'alice-password', role: 'tenant' });
    const s = await authService.login(handle.db, 'alice', 'alice-password');
    expect(await authService.resolve(handle.db, { sessionToken: s.token })).toMatchObject({ name: 'alice', role: 'tenant' });
    const rows = await handle.db
      .select()
      .from(sessions)
      .where(eq(sessions.tokenHash, sha256(s.token)));
    expect(rows).toHaveLength(1);
    await authService.logout(handle.db, s.token);
    expect(await authService.resolve(handle.db, { sessionToken: s.token })).toBeNull();
    await expect(
      authService.createAccount(handle.db, actor, { name: 'alice', password: 'x-password', role: 'tenant' }),
    ).rejects.toMatchObject({ code: 'NAME_TAKEN', field: 'name' });
  });

  it('API tokens are shown once, stored hashed, scoped to their account and revocable', async () => {
    const [alice] = await handle.db.select().from(accounts).where(eq(accounts.name, 'alice'));
    const actor = { accountId: alice!.id, name: 'alice', role: 'tenant' as const };
    const t = await authService.createToken(handle.db, actor, 'ci');
    expect(t.token).toMatch(/^crt_/);
    const [row] = await handle.db.select().from(apiTokens).where(eq(apiTokens.id, t.view.id));
    expect(row!.tokenHash).toBe(sha256(t.token));
    expect(JSON.stringify(await authService.listTokens(handle.db, actor))).not.toContain(t.token);
    expect(await authService.resolve(handle.db, { bearer: t.token })).toMatchObject({ accountId: alice!.id });
    await authService.revokeToken(handle.db, actor, t.view.id);
    expect(await authService.resolve(handle.db, { bearer: t.token })).toBeNull();
  });
});
