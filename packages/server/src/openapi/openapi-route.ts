import type { Route, Router } from '../http/router.js';
import { createOpenApiDocument, type OpenApiDocument } from './create-openapi-document.js';

/**
 * `GET /api/openapi.json`: the OpenAPI 3.1 document of every route of `router` (built on
 * first request, when every route is registered, then kept).
 */
export function openApiRoute<TState>(router: () => Router<TState>): Route<TState> {
  let document: string | undefined;
  return {
    method: 'GET',
    path: '/api/openapi.json',
    description: 'The OpenAPI 3.1 document of this API.',
    handler: () => {
      document ??= JSON.stringify(
        createOpenApiDocument(router().routes, {
          basePath: router().basePath,
        }).document satisfies OpenApiDocument,
      );
      return new Response(document, {
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-cache' },
      });
    },
  };
}
