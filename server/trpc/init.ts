import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { z, ZodError } from 'zod';
import { DomainError, httpStatusOf, ErrorCodes as E } from '../domain/errors';
import type { Context } from './context';
import { logger } from '@/lib/logger';

const trpcCodeOfStatus: Record<number, TRPC_ERROR_CODE_KEY> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
};

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const domain = error.cause instanceof DomainError ? error.cause : undefined;
      const zod = error.cause instanceof ZodError ? z.flattenError(error.cause) : undefined;
      return {
        ...shape,
        data: {
          ...shape.data,
          stack: undefined,
          domainCode: domain?.code ?? (zod ? E.INVALID_INPUT : undefined),
          field: domain?.field,
          fieldErrors: zod?.fieldErrors,
        },
      };
    },
  });

/** Turns domain refusals into typed tRPC errors; logs anything unexpected with a request id. */
const errorMapping = t.middleware(async ({ next, ctx, path }) => {
  const result = await next();
  if (!result.ok) {
    const err = result.error;
    const cause = err.cause;
    if (cause instanceof DomainError) {
      throw new TRPCError({ code: trpcCodeOfStatus[httpStatusOf[cause.code]] ?? 'BAD_REQUEST', message: cause.message, cause });
    }
    const pgCode = pgErrorCode(cause);
    if (pgCode === '23505') {
      throw new TRPCError({ code: 'CONFLICT', message: 'This conflicts with an existing resource (already exists).', cause });
    }
    if (pgCode === '23503') {
      throw new TRPCError({
        code: 'CONFLICT',
        message: 'This resource is in use by another resource, or refers to one that is gone.',
        cause: new DomainError(E.IN_USE, 'This resource is in use by another resource.'),
      });
    }
    if (err.code === 'INTERNAL_SERVER_ERROR') {
      logger.error({ requestId: ctx.requestId, path, err: cause ?? err }, 'procedure failed');
      throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `Internal error (request ${ctx.requestId}).`, cause: err });
    }
  }
  return result;
});

function pgErrorCode(err: unknown): string | undefined {
  for (let e: unknown = err, i = 0; e && i < 5; i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^\d{5}$/.test(code)) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(errorMapping);

/** Any logged-in account; the actor is guaranteed. */
export const tenantProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.actor) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Log in or send an API token.' });
  return next({ ctx: { ...ctx, actor: ctx.actor } });
});

/** Infrastructure and account administration. */
export const adminProcedure = tenantProcedure.use(({ ctx, next }) => {
  if (ctx.actor.role !== 'admin') throw new TRPCError({ code: 'FORBIDDEN', message: 'Only an administrator may do this.' });
  return next({ ctx });
});
