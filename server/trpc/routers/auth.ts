import { z } from 'zod';
import { AccountView, ApiTokenView, CreateAccount, CreateApiToken, IdInput, LoginInput } from '../../domain/schema';
import { authService, SESSION_COOKIE } from '../../services/auth';
import { adminProcedure, publicProcedure, router, tenantProcedure } from '../init';
import { readCookie } from '../context';

function sessionCookie(value: string, expires: Date, secure: boolean) {
  const attrs = ['Path=/', 'HttpOnly', 'SameSite=Lax', `Expires=${expires.toUTCString()}`, ...(secure ? ['Secure'] : [])];
  return [`${SESSION_COOKIE}=${encodeURIComponent(value)}`, ...attrs].join('; ');
}

export const authRouter = router({
  login: publicProcedure
    .input(LoginInput)
    .output(AccountView.pick({ id: true, name: true, role: true }))
    .mutation(async ({ ctx, input }) => {
      const s = await authService.login(ctx.db, input.name, input.password);
      ctx.resHeaders?.append('set-cookie', sessionCookie(s.token, s.expiresAt, Boolean(ctx.secureCookies)));
      return { id: s.actor.accountId, name: s.actor.name, role: s.actor.role };
    }),
  logout: publicProcedure.output(z.object({ ok: z.boolean() })).mutation(async ({ ctx }) => {
    // The cookie is HttpOnly: read it back from the request through the context's headers.
    const token = ctx.requestCookie ? readCookie(ctx.requestCookie, SESSION_COOKIE) : undefined;
    if (token) await authService.logout(ctx.db, token);
    ctx.resHeaders?.append('set-cookie', sessionCookie('', new Date(0), Boolean(ctx.secureCookies)));
    return { ok: true };
  }),
  me: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/me', tags: ['accounts'], summary: 'The calling account' } })
    .input(z.void())
    .output(z.object({ id: z.string(), name: z.string(), role: z.enum(['admin', 'tenant']) }).nullable())
    .query(({ ctx }) => (ctx.actor ? { id: ctx.actor.accountId, name: ctx.actor.name, role: ctx.actor.role } : null)),
});

export const accountRouter = router({
  list: adminProcedure
    .meta({ openapi: { method: 'GET', path: '/accounts', tags: ['accounts'], summary: 'List accounts', protect: true } })
    .input(z.void())
    .output(z.array(AccountView))
    .query(({ ctx }) => authService.listAccounts(ctx.db)),
  create: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/accounts', tags: ['accounts'], summary: 'Create an account', protect: true } })
    .input(CreateAccount)
    .output(AccountView)
    .mutation(({ ctx, input }) => authService.createAccount(ctx.db, ctx.actor, input)),
});

export const apiTokenRouter = router({
  list: tenantProcedure
    .meta({ openapi: { method: 'GET', path: '/api-tokens', tags: ['accounts'], summary: 'List my API tokens', protect: true } })
    .input(z.void())
    .output(z.array(ApiTokenView))
    .query(({ ctx }) => authService.listTokens(ctx.db, ctx.actor)),
  create: tenantProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/api-tokens',
        tags: ['accounts'],
        summary: 'Create an API token (shown once)',
        protect: true,
      },
    })
    .input(CreateApiToken)
    .output(z.object({ token: z.string(), view: ApiTokenView }))
    .mutation(({ ctx, input }) => authService.createToken(ctx.db, ctx.actor, input.name)),
  revoke: tenantProcedure
    .meta({
      openapi: { method: 'DELETE', path: '/api-tokens/{id}', tags: ['accounts'], summary: 'Revoke an API token', protect: true },
    })
    .input(IdInput)
    .output(ApiTokenView)
    .mutation(({ ctx, input }) => authService.revokeToken(ctx.db, ctx.actor, input.id)),
});
