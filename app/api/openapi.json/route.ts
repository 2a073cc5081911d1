import { openApiDocument } from '@/server/openapi';

export const dynamic = 'force-dynamic';

export function GET(req: Request) {
  const origin = new URL(req.url).origin;
  return Response.json(openApiDocument(`${origin}/api/v1`));
}
