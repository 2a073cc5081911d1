import { createOpenApiFetchHandler } from 'trpc-to-openapi';
import type { Db } from '@/db/client';
import { contextFromRequest } from '../trpc/context';
import { appRouter } from '../trpc/router';

/** One REST call through the same handler as `/api/v1` serves, without an HTTP server. */
export async function restCall(db: Db, method: string, path: string, token?: string, body?: unknown) {
  const req = new Request(`http://console.test/api/v1${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const res = await createOpenApiFetchHandler({
    endpoint: '/api/v1',
    router: appRouter,
    req,
    createContext: ({ resHeaders }: { resHeaders: Headers }) => contextFromRequest(db, req, resHeaders),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
