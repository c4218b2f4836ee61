import type { StorageV1 } from '@churn/core';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { errorToResponse } from '../http/error-to-response.js';
import { HttpError } from '../http/http-error.js';
import type { HttpMethod, Route, RouteContext } from '../http/router.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import {
  authenticateRoute,
  crossOrigin,
  customerHashHeader,
  customerIdHeader,
  customerTokenHeader,
  visitorIdHeader,
} from './authenticate.js';
import type { Principal } from './principal.js';

/** Request headers a widget may send cross-origin. */
export const widgetAllowedHeaders = [
  'authorization',
  'content-type',
  customerTokenHeader,
  customerIdHeader,
  customerHashHeader,
  visitorIdHeader,
  'last-event-id',
  'x-request-id',
] as const;

/** Response headers the widget may read cross-origin. */
export const widgetExposedHeaders = ['retry-after', 'x-request-id'] as const;

/** How long a browser may cache a preflight answer, in seconds. */
export const preflightMaxAge = 600;

function withHeaders(response: Response, headers: Record<string, string>): Response {
  try {
    for (const [name, value] of Object.entries(headers)) response.headers.set(name, value);
    response.headers.append('vary', 'Origin');
    return response;
  } catch {
    const copy = new Headers(response.headers);
    for (const [name, value] of Object.entries(headers)) copy.set(name, value);
    copy.append('vary', 'Origin');
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers: copy,
    });
  }
}

function corsHeaders(origin: string): Record<string, string> {
  return {
    'access-control-allow-origin': origin,
    'access-control-expose-headers': widgetExposedHeaders.join(', '),
  };
}

/**
 * Adds the CORS headers of a widget answer: only for a publishable-key principal on a
 * cross-origin request (whose origin {@link authenticate} has already checked against the
 * tenant's allowed origins). No credentials mode: the widget sends its key in a header.
 */
export function applyWidgetCors(
  response: Response,
  request: Request,
  principal: Principal | undefined,
): Response {
  const origin = crossOrigin(request);
  if (origin === undefined || principal?.kind !== 'publishable') return response;
  return withHeaders(response, corsHeaders(origin));
}

/** What a widget route's handler receives: the route context and the authenticated caller. */
export interface WidgetRouteContext extends RouteContext<ChurnHandlerState> {
  principal: Principal;
}

/** A route of the widget API, for {@link widgetRoutes}. */
export interface WidgetRouteDefinition {
  method: Exclude<HttpMethod, 'OPTIONS' | 'HEAD'>;
  path: string;
  description?: string;
  handler: (context: WidgetRouteContext) => Response | Promise<Response>;
}

async function originAllowedAnywhere(storage: StorageV1, origin: string): Promise<boolean> {
  return tenantAccessStoreOf(storage).isOriginAllowedByAnyTenant({ origin });
}

/**
 * Routes the widget calls from other sites, with CORS: each handler gets the authenticated
 * principal (a publishable key from an allowed origin, or a server credential), and its
 * answer, errors included, carries `access-control-allow-origin` for that origin. Each path
 * also gets an `OPTIONS` route answering preflights.
 *
 * Preflights carry no key, so they cannot name the tenant: a preflight succeeds when at
 * least one tenant allows the origin, and the real request is then checked against its own
 * tenant's list (403 without CORS headers when that tenant does not allow it).
 *
 * @example
 * widgetRoutes({
 *   method: 'POST',
 *   path: '/api/conversations/:id/messages',
 *   handler: async ({ principal, request }) => { ... },
 * });
 */
export function widgetRoutes(...definitions: WidgetRouteDefinition[]): Route<ChurnHandlerState>[] {
  const routes: Route<ChurnHandlerState>[] = [];
  const preflightPaths = new Map<string, Set<string>>();
  for (const definition of definitions) {
    routes.push({
      method: definition.method,
      path: definition.path,
      ...(definition.description ? { description: definition.description } : {}),
      handler: async (context) => {
        let principal: Principal | undefined;
        try {
          principal = await authenticateRoute(context);
          const response = await definition.handler({ ...context, principal });
          return applyWidgetCors(response, context.request, principal);
        } catch (error) {
          const response = errorToResponse(error, {
            logger: context.state.logger,
            requestId: context.requestId,
          });
          if (principal) return applyWidgetCors(response, context.request, principal);
          // Let the widget read why it was refused (an expired token, a revoked key) when
          // its origin is one some tenant allows; the body holds no tenant data.
          const origin = crossOrigin(context.request);
          if (origin === undefined) return response;
          const { storage } = await context.state.services.load();
          return (await originAllowedAnywhere(storage, origin))
            ? withHeaders(response, corsHeaders(origin))
            : response;
        }
      },
    });
    const methods = preflightPaths.get(definition.path) ?? new Set<string>();
    methods.add(definition.method);
    preflightPaths.set(definition.path, methods);
  }
  for (const [path, methods] of preflightPaths) {
    routes.push(preflightRoute(path, [...methods]));
  }
  return routes;
}

/**
 * Gives routes that authenticate on their own (the chat API) the widget's CORS: answers,
 * errors included, carry `access-control-allow-origin` for a cross-origin caller whose
 * origin a tenant allows, and each path gets an `OPTIONS` preflight route. The per-tenant
 * check is `authenticate`'s: it refuses a publishable key from an origin its tenant does not
 * allow and any server credential from a browser, so a successful cross-origin answer has
 * passed it; error bodies hold no tenant data.
 */
export function withWidgetCors(
  routes: readonly Route<ChurnHandlerState>[],
): Route<ChurnHandlerState>[] {
  const wrapped: Route<ChurnHandlerState>[] = [];
  const preflightPaths = new Map<string, Set<string>>();
  for (const route of routes) {
    wrapped.push({
      ...route,
      handler: async (context) => {
        let response: Response;
        try {
          response = await route.handler(context);
        } catch (error) {
          response = errorToResponse(error, {
            logger: context.state.logger,
            requestId: context.requestId,
          });
        }
        const origin = crossOrigin(context.request);
        if (origin === undefined) return response;
        const { storage } = await context.state.services.load();
        return (await originAllowedAnywhere(storage, origin))
          ? withHeaders(response, corsHeaders(origin))
          : response;
      },
    });
    const methods = preflightPaths.get(route.path) ?? new Set<string>();
    methods.add(route.method);
    preflightPaths.set(route.path, methods);
  }
  for (const [path, methods] of preflightPaths) wrapped.push(preflightRoute(path, [...methods]));
  return wrapped;
}

function preflightRoute(path: string, methods: string[]): Route<ChurnHandlerState> {
  return {
    method: 'OPTIONS',
    path,
    description: 'CORS preflight of a widget route.',
    handler: async ({ request, state }) => {
      const origin = request.headers.get('origin');
      const allowMethods = [...methods, 'OPTIONS'].join(', ');
      if (origin === null || crossOrigin(request) === undefined) {
        return new Response(null, { status: 204, headers: { allow: allowMethods } });
      }
      const { storage } = await state.services.load();
      if (!(await originAllowedAnywhere(storage, origin))) {
        throw new HttpError(
          403,
          'forbidden',
          `The origin ${origin.slice(0, 200)} may not embed the widget: add it to the tenant's allowed origins (PATCH /api/tenant {"allowedOrigins": [...]}).`,
        );
      }
      return new Response(null, {
        status: 204,
        headers: {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': allowMethods,
          'access-control-allow-headers': widgetAllowedHeaders.join(', '),
          'access-control-max-age': String(preflightMaxAge),
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        },
      });
    },
  };
}
