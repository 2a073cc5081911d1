import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/trpc/router';
import { contextFromRequest } from '@/server/trpc/context';
import { db } from '@/server/runtime';

export const dynamic = 'force-dynamic';

const handler = (req: Request) =>
  fetchRequestHandler({
    endpoint: '/api/trpc',
    req,
    router: appRouter,
    createContext: async ({ resHeaders }) => contextFromRequest(await db(), req, resHeaders),
  });

export { handler as GET, handler as POST };
