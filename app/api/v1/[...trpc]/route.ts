import { createOpenApiFetchHandler } from 'trpc-to-openapi';
import { appRouter } from '@/server/trpc/router';
import { contextFromRequest } from '@/server/trpc/context';
import { db } from '@/server/runtime';

export const dynamic = 'force-dynamic';

/** REST: the same procedures as tRPC, at the paths of their OpenAPI metadata. */
const handler = (req: Request) =>
  createOpenApiFetchHandler({
    endpoint: '/api/v1',
    router: appRouter,
    req,
    createContext: async ({ resHeaders }: { resHeaders: Headers }) => contextFromRequest(await db(), req, resHeaders),
  });

export { handler as GET, handler as POST, handler as PATCH, handler as PUT, handler as DELETE };
