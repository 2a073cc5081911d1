'use client';
import Script from 'next/script';
import { useEffect, useRef } from 'react';
import 'swagger-ui-dist/swagger-ui.css';

declare global {
  interface Window {
    SwaggerUIBundle?: (opts: { url: string; domNode: HTMLElement; deepLinking?: boolean }) => unknown;
  }
}

/** The OpenAPI document rendered by swagger-ui (served from our own node_modules, no CDN). */
export function ApiDocs() {
  const ref = useRef<HTMLDivElement>(null);
  const mount = () => {
    if (window.SwaggerUIBundle && ref.current && !ref.current.hasChildNodes()) {
      window.SwaggerUIBundle({ url: '/api/openapi.json', domNode: ref.current, deepLinking: true });
    }
  };
  useEffect(mount, []);
  return (
    <section>
      <Script src="/api-docs-assets/swagger-ui-bundle.js" onReady={mount} />
      <p className="mb-2 text-sm text-slate-600">
        <a className="text-sky-700 underline" href="/api/openapi.json">
          /api/openapi.json
        </a>
      </p>
      <div ref={ref} className="rounded-lg border border-slate-200 bg-white" data-testid="api-docs" />
    </section>
  );
}
