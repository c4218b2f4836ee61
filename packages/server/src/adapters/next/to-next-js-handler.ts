/** A Web-standard fetch handler, as returned by `createChurnHandler`. */
export type NextJsFetchHandler = (request: Request) => Promise<Response>;

/** The route handlers a Next.js `route.ts` exports, one per HTTP method. */
export interface NextJsRouteHandlers {
  GET: NextJsFetchHandler;
  HEAD: NextJsFetchHandler;
  POST: NextJsFetchHandler;
  PUT: NextJsFetchHandler;
  PATCH: NextJsFetchHandler;
  DELETE: NextJsFetchHandler;
  OPTIONS: NextJsFetchHandler;
}

/**
 * Reshapes the Churn handler into Next.js App Router route handlers. Next.js already
 * speaks Web `Request` and `Response` and never parses a route handler's body, so every
 * method is the handler itself (the second argument, Next's route context, is ignored:
 * the handler routes on the URL).
 *
 * @example
 * // app/api/[...churn]/route.ts
 * import { createChurnHandler } from '@churn/server';
 * import { toNextJsHandler } from '@churn/server/next';
 *
 * export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = toNextJsHandler(createChurnHandler());
 * export const dynamic = 'force-dynamic';
 */
export function toNextJsHandler(handler: NextJsFetchHandler): NextJsRouteHandlers {
  const route: NextJsFetchHandler = (request) => handler(request);
  return {
    GET: route,
    HEAD: route,
    POST: route,
    PUT: route,
    PATCH: route,
    DELETE: route,
    OPTIONS: route,
  };
}
