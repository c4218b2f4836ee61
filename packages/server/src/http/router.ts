import type { z } from 'zod';
import { HttpError } from './http-error.js';

/** HTTP methods a route can answer. `HEAD` is answered by `GET` routes when not declared. */
export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** What a route handler receives. */
export interface RouteContext<TState = unknown> {
  /** The Web request, body untouched. `request.signal` aborts when the client goes away. */
  request: Request;
  /** The parsed URL of the request. */
  url: URL;
  /** Path parameters by name: `/api/conversations/:id` gives `{ id }`, decoded. */
  params: Record<string, string>;
  /** The request's id (also set as `x-request-id` on the answer). */
  requestId: string;
  /** Whatever the handler shares with every route (configuration, storage...). */
  state: TState;
}

/** A route handler: returns a `Response`, or throws an error `errorToResponse` maps. */
export type RouteHandler<TState = unknown> = (
  context: RouteContext<TState>,
) => Response | Promise<Response>;

/** One entry of a route table. */
export interface Route<TState = unknown> {
  method: HttpMethod;
  /**
   * The path below the base path: literal segments, `:name` parameters and an optional
   * trailing `*` that matches the rest (given as the `*` parameter). Example: `/api/conversations/:id`.
   */
  path: string;
  handler: RouteHandler<TState>;
  /** One line for the `/api` index. */
  description?: string;
  /** How `GET /api/openapi.json` documents this route (see `packages/server/src/openapi`). */
  openapi?: RouteOpenApi;
}

/** Who may call a route, as named in the OpenAPI document's `security`. */
export type RouteCaller = 'publishable' | 'secret' | 'admin' | 'platform' | 'customer';

/** One answer of a route in the OpenAPI document. */
export interface RouteOpenApiResponse {
  description: string;
  /** The JSON body (zod, turned into JSON Schema). Omit for an empty body. */
  schema?: z.ZodType;
  /** Default `application/json`; `text/event-stream` for the chat stream. */
  contentType?: string;
}

/** OpenAPI metadata of a route: what `GET /api/openapi.json` says about it. */
export interface RouteOpenApi {
  summary: string;
  /** Longer Markdown, when the summary is not enough. */
  description?: string;
  /** Groups in the document (`chat`, `tenants`, ...). */
  tags: string[];
  /** Credentials any one of which is accepted; `[]` for a public route. */
  security: RouteCaller[];
  /** The JSON request body. */
  requestBody?: z.ZodType;
  /** Query parameters, as a zod object. */
  query?: z.ZodObject;
  /** The answers besides the common errors (400, 401, 403, 404, 413, 415, 429, 500). */
  responses: Record<string, RouteOpenApiResponse>;
}

/** What {@link Router.match} found. */
export type RouteMatch<TState> =
  | { kind: 'found'; route: Route<TState>; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: HttpMethod[] }
  | { kind: 'not-found' };

type Segment =
  | { kind: 'literal'; value: string }
  | { kind: 'param'; name: string }
  | { kind: 'rest' };

interface CompiledRoute<TState> {
  route: Route<TState>;
  segments: Segment[];
}

/**
 * Normalises a base path: `''` for none, otherwise a leading slash and no trailing one
 * (`'churn/'` gives `'/churn'`).
 */
export function normalizeBasePath(basePath: string | undefined): string {
  if (!basePath) return '';
  const trimmed = basePath.replace(/^\/+|\/+$/g, '');
  return trimmed === '' ? '' : `/${trimmed}`;
}

function splitPath(path: string): string[] {
  return path.split('/').filter((segment) => segment !== '');
}

function compile(path: string): Segment[] {
  const parts = splitPath(path);
  return parts.map((part, index): Segment => {
    if (part === '*') {
      if (index !== parts.length - 1) {
        throw new Error(`Route "${path}": "*" may only be the last segment.`);
      }
      return { kind: 'rest' };
    }
    if (part.startsWith(':')) {
      const name = part.slice(1);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
        throw new Error(`Route "${path}": "${part}" is not a valid parameter name.`);
      }
      return { kind: 'param', name };
    }
    return { kind: 'literal', value: part };
  });
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function matchSegments(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (let index = 0; index < segments.length; index++) {
    const segment = segments[index]!;
    if (segment.kind === 'rest') {
      const rest = parts.slice(index).map(decode);
      if (rest.some((part) => part === undefined)) return undefined;
      params['*'] = rest.join('/');
      return params;
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.kind === 'literal') {
      if (part !== segment.value) return undefined;
      continue;
    }
    const value = decode(part);
    if (value === undefined) return undefined;
    params[segment.name] = value;
  }
  return segments.length === parts.length ? params : undefined;
}

/**
 * A small router: method + path with `:params` and a trailing `*`, under an optional base
 * path. Routes match in the order they were added, so put literal paths before parameters.
 *
 * @example
 * const router = new Router({ basePath: '/churn' });
 * router.add({ method: 'GET', path: '/api/conversations/:id', handler });
 * router.match('GET', '/churn/api/conversations/c_1'); // { kind: 'found', params: { id: 'c_1' } }
 */
export class Router<TState = unknown> {
  /** The normalised base path every route lives under (`''` for none). */
  readonly basePath: string;
  readonly #routes: CompiledRoute<TState>[] = [];

  constructor(options: { basePath?: string; routes?: readonly Route<TState>[] } = {}) {
    this.basePath = normalizeBasePath(options.basePath);
    for (const route of options.routes ?? []) this.add(route);
  }

  /** Adds one route; returns the router for chaining. */
  add(route: Route<TState>): this {
    this.#routes.push({ route, segments: compile(route.path) });
    return this;
  }

  /** Every route, in matching order. */
  get routes(): readonly Route<TState>[] {
    return this.#routes.map((compiled) => compiled.route);
  }

  /**
   * The route for a method and a full pathname (base path included), or why there is none.
   * A path outside the base path is `not-found`. `HEAD` falls back to `GET`.
   */
  match(method: string, pathname: string): RouteMatch<TState> {
    const relative = this.#stripBasePath(pathname);
    if (relative === undefined) return { kind: 'not-found' };
    const parts = splitPath(relative);
    const allowed = new Set<HttpMethod>();
    let headFallback: { route: Route<TState>; params: Record<string, string> } | undefined;
    for (const compiled of this.#routes) {
      const params = matchSegments(compiled.segments, parts);
      if (!params) continue;
      if (compiled.route.method === method) return { kind: 'found', route: compiled.route, params };
      if (method === 'HEAD' && compiled.route.method === 'GET' && !headFallback) {
        headFallback = { route: compiled.route, params };
      }
      allowed.add(compiled.route.method);
    }
    if (headFallback) return { kind: 'found', ...headFallback };
    if (allowed.size > 0) {
      if (allowed.has('GET')) allowed.add('HEAD');
      return { kind: 'method-not-allowed', allowed: [...allowed] };
    }
    return { kind: 'not-found' };
  }

  /**
   * Like {@link Router.match}, but throws the matching {@link HttpError} (404 or 405 with
   * an `allow` header) when no route answers.
   */
  resolve(
    method: string,
    pathname: string,
  ): { route: Route<TState>; params: Record<string, string> } {
    const match = this.match(method, pathname);
    if (match.kind === 'found') return match;
    if (match.kind === 'method-not-allowed') {
      throw new HttpError(
        405,
        'method_not_allowed',
        `${method} is not allowed on ${pathname}; use ${match.allowed.join(', ')}.`,
        { headers: { allow: match.allowed.join(', ') } },
      );
    }
    throw new HttpError(
      404,
      'not_found',
      `No route for ${method} ${pathname}. The HTTP API lives under ${this.basePath}/api: GET ${this.basePath}/api lists it.`,
    );
  }

  #stripBasePath(pathname: string): string | undefined {
    if (this.basePath === '') return pathname;
    if (pathname === this.basePath) return '/';
    if (pathname.startsWith(`${this.basePath}/`)) return pathname.slice(this.basePath.length);
    return undefined;
  }
}
