import { contextFromRequest } from '@/server/trpc/context';
import { db } from '@/server/runtime';
import { metricsText } from '@/server/services/metrics';

export const dynamic = 'force-dynamic';

/** Prometheus text for a signed-in session or an API token (`Authorization: Bearer …`); 401 otherwise. */
export async function GET(req: Request) {
  const d = await db();
  const { actor } = await contextFromRequest(d, req);
  if (!actor) return new Response('sign in or send an API token\n', { status: 401, headers: { 'content-type': 'text/plain' } });
  const { text, contentType } = await metricsText(d, actor);
  return new Response(text, { headers: { 'content-type': contentType } });
}
