import { and, count, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { accounts, apiTokens, sessions } from '@/db/schema';
import type { Actor, Role } from '../auth/actor';
import { hashPassword, newSecret, sha256, verifyPassword } from '../auth/secrets';
import { DomainError, ErrorCodes as E } from '../domain/errors';
import { audit } from './scope';
import { randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'cr_session';
const SESSION_DAYS = 7;

function toActor(a: { id: string; name: string; role: Role }): Actor {
  return { accountId: a.id, name: a.name, role: a.role };
}

export const authService = {
  /**
   * On first start: when no account exists, create `admin` with CLOUDROUTER_ADMIN_PASSWORD or a
   * random password that the caller prints once.
   */
  async bootstrapAdmin(db: Db, password?: string): Promise<{ created: boolean; password?: string }> {
    const [n] = await db.select({ n: count() }).from(accounts);
    if (Number(n?.n ?? 0) > 0) return { created: false };
    const pw = password || randomBytes(12).toString('base64url');
    await db
      .insert(accounts)
      .values({ name: 'admin', role: 'admin', passwordHash: await hashPassword(pw) })
      .onConflictDoNothing();
    return { created: true, password: password ? undefined : pw };
  },

  async login(db: Db, name: string, password: string) {
    const [acct] = await db.select().from(accounts).where(eq(accounts.name, name));
    // Verify against a dummy hash when the account is missing, so timing does not reveal names.
    const ok = acct ? await verifyPassword(acct.passwordHash, password) : (await verifyPassword(DUMMY_HASH, password), false);
    if (!acct || !ok) throw new DomainError(E.UNAUTHORIZED, 'Wrong account name or password.', 'password');
    const token = newSecret('crs');
    const expiresAt = new Date(Date.now() + SESSION_DAYS * 86_400_000);
    await db.insert(sessions).values({ tokenHash: sha256(token), accountId: acct.id, expiresAt });
    return { token, expiresAt, actor: toActor(acct) };
  },

  async logout(db: Db, token: string) {
    await db.delete(sessions).where(eq(sessions.tokenHash, sha256(token)));
  },

  /** The actor behind a session cookie or a bearer token, or null. */
  async resolve(db: Db, creds: { sessionToken?: string | null; bearer?: string | null }): Promise<Actor | null> {
    if (creds.bearer) {
      const [row] = await db
        .select({ id: accounts.id, name: accounts.name, role: accounts.role, tokenId: apiTokens.id })
        .from(apiTokens)
        .innerJoin(accounts, eq(accounts.id, apiTokens.accountId))
        .where(and(eq(apiTokens.tokenHash, sha256(creds.bearer)), isNull(apiTokens.revokedAt)));
      if (!row) return null;
      await db.update(apiTokens).set({ lastUsedAt: new Date() }).where(eq(apiTokens.id, row.tokenId));
      return toActor(row);
    }
    if (creds.sessionToken) {
      const [row] = await db
        .select({ id: accounts.id, name: accounts.name, role: accounts.role })
        .from(sessions)
        .innerJoin(accounts, eq(accounts.id, sessions.accountId))
        .where(and(eq(sessions.tokenHash, sha256(creds.sessionToken)), gt(sessions.expiresAt, new Date())));
      return row ? toActor(row) : null;
    }
    return null;
  },

  async createAccount(db: Db, actor: Actor, input: { name: string; password: string; role: Role }) {
    return db.transaction(async (tx) => {
      const [dup] = await tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.name, input.name));
      if (dup) throw new DomainError(E.NAME_TAKEN, `An account named "${input.name}" exists already.`, 'name');
      const [row] = await tx
        .insert(accounts)
        .values({ name: input.name, role: input.role, passwordHash: await hashPassword(input.password) })
        .returning({ id: accounts.id, name: accounts.name, role: accounts.role, createdAt: accounts.createdAt });
      await audit(tx, actor, 'create', 'account', row!.id);
      return row!;
    });
  },
  listAccounts: (db: Db) =>
    db
      .select({ id: accounts.id, name: accounts.name, role: accounts.role, createdAt: accounts.createdAt })
      .from(accounts)
      .orderBy(accounts.name),

  async createToken(db: Db, actor: Actor, name: string) {
    const token = newSecret('crt');
    const [row] = await db
      .insert(apiTokens)
      .values({ accountId: actor.accountId, name, prefix: token.slice(0, 10), tokenHash: sha256(token) })
      .returning();
    await audit(db, actor, 'create', 'api token', row!.id);
    return { token, view: tokenView(row!) };
  },
  async listTokens(db: Db, actor: Actor) {
    const rows = await db.select().from(apiTokens).where(eq(apiTokens.accountId, actor.accountId)).orderBy(apiTokens.createdAt);
    return rows.map(tokenView);
  },
  async revokeToken(db: Db, actor: Actor, id: string) {
    const [row] = await db
      .update(apiTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiTokens.id, id), eq(apiTokens.accountId, actor.accountId)))
      .returning();
    if (!row) throw new DomainError(E.NOT_FOUND, 'No such API token.');
    await audit(db, actor, 'revoke', 'api token', id);
    return tokenView(row);
  },
};

function tokenView(r: typeof apiTokens.$inferSelect) {
  return { id: r.id, name: r.name, prefix: r.prefix, createdAt: r.createdAt, lastUsedAt: r.lastUsedAt, revokedAt: r.revokedAt };
}

// Argon2id hash of a random string, used only to spend equal time on unknown names.
const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$8E2LHefSztODZ7BS7P8Asw$f0bh7O68+j2WbMjSa/IrSkyU+xXmMnOE6OkjHxB2QUU';
