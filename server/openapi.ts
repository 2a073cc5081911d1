import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from './trpc/router';

export function openApiDocument(baseUrl: string) {
  return generateOpenApiDocument(appRouter, {
    title: 'CloudRouter API',
    description:
      'Every console resource over REST. Authenticate with an API token (Settings › API tokens) sent as `Authorization: Bearer <token>`.',
    version: '1.0.0',
    baseUrl,
    tags: ['hardware', 'catalog', 'network', 'compute', 'accounts'],
  });
}
