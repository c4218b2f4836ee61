import { z } from 'zod';
import type { Route, RouteCaller, RouteOpenApi } from '../http/router.js';

/** What the document needs of a route (any route table's, whatever its state type). */
export type DocumentedRoute = Omit<Route, 'handler'>;

import { routeDocumentation } from './route-documentation.js';

/** A JSON Schema or any other JSON value of the document. */
type JsonObject = Record<string, unknown>;

/** The OpenAPI 3.1 document `GET /api/openapi.json` answers. */
export interface OpenApiDocument extends JsonObject {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, JsonObject>>;
  components: JsonObject;
}

/** Settings of {@link createOpenApiDocument}. */
export interface OpenApiDocumentOptions {
  /** The base path the handler is mounted under (`''` for none). */
  basePath?: string;
  /** The version in `info.version`. Default `0.0.0`. */
  version?: string;
  /** Extra metadata by `"METHOD /path"`, over the built-in {@link routeDocumentation}. */
  documentation?: Readonly<Record<string, RouteOpenApi>>;
}

/** What {@link createOpenApiDocument} made, and which routes had no metadata. */
export interface OpenApiDocumentResult {
  document: OpenApiDocument;
  /** `"METHOD /path"` of routes documented nowhere (listed with `x-churn-undocumented`). */
  undocumented: string[];
}

/** `"METHOD /path"`, the key of a route in the documentation registry. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** `/api/conversations/:id` → `/api/conversations/{id}`; a trailing `*` → `{path}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, '{$1}').replace(/\/\*$/, '/{path}');
}

function pathParameters(path: string): string[] {
  const names = [...path.matchAll(/:([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1]!);
  return path.endsWith('/*') ? [...names, 'path'] : names;
}

/** zod → JSON Schema 2020-12 (what OpenAPI 3.1 uses), as the client must send it. */
export function toJsonSchema(schema: z.ZodType): JsonObject {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io: 'input',
    unrepresentable: 'any',
  }) as JsonObject;
  return rest;
}

const securitySchemes: Record<RouteCaller, JsonObject> = {
  publishable: {
    type: 'http',
    scheme: 'bearer',
    description: "A tenant's publishable key (`pk_live_...`): the widget, in web pages.",
  },
  secret: {
    type: 'http',
    scheme: 'bearer',
    description: "A tenant's secret key (`sk_live_...`): the tenant's servers only.",
  },
  admin: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'An operator access token from `POST /api/auth/sign-in` (15 minutes).',
  },
  platform: {
    type: 'http',
    scheme: 'bearer',
    description: 'The platform operator key (`CHURN_PLATFORM_KEY`).',
  },
  customer: {
    type: 'apiKey',
    in: 'header',
    name: 'x-churn-customer-token',
    description:
      "A customer identity JWT signed with the tenant's identity secret (sent with the publishable key). The HMAC variant is `x-churn-customer-id` + `x-churn-customer-hash`.",
  },
};

const schemeNames: Record<RouteCaller, string> = {
  publishable: 'publishableKey',
  secret: 'secretKey',
  admin: 'adminToken',
  platform: 'platformKey',
  customer: 'customerToken',
};

function securityOf(callers: RouteCaller[]): JsonObject[] {
  return callers.map((caller) =>
    caller === 'customer'
      ? { [schemeNames.publishable]: [], [schemeNames.customer]: [] }
      : { [schemeNames[caller]]: [] },
  );
}

const errorResponses: Record<string, [string, string]> = {
  '400': ['BadRequest', 'The request is not valid: `validation_failed` with `issues`.'],
  '401': ['Unauthorized', 'Missing, unknown, revoked, expired or forged credentials.'],
  '403': ['Forbidden', 'The credentials may not do this (role, scope or origin).'],
  '404': ['NotFound', 'No such resource in the caller’s tenant.'],
  '413': ['PayloadTooLarge', 'The body is larger than the route’s limit.'],
  '415': ['UnsupportedMediaType', 'The body is not `application/json`.'],
  '429': [
    'RateLimited',
    '`rate_limited` (see `retry-after` and `x-ratelimit-*`) or `quota_exceeded`.',
  ],
  '500': ['InternalError', 'Unexpected: the body has an `errorId` to find the log line.'],
};

function components(): JsonObject {
  const responses: JsonObject = {};
  for (const [name, description] of Object.values(errorResponses)) {
    responses[name] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    };
  }
  const rateHeaders = {
    'retry-after': { description: 'Seconds to wait.', schema: { type: 'integer' } },
    'x-ratelimit-limit': { schema: { type: 'integer' } },
    'x-ratelimit-remaining': { schema: { type: 'integer' } },
    'x-ratelimit-reset': {
      description: 'Seconds until the bucket is full.',
      schema: { type: 'integer' },
    },
  };
  (responses.RateLimited as JsonObject).headers = rateHeaders;
  return {
    securitySchemes: Object.fromEntries(
      (Object.keys(securitySchemes) as RouteCaller[]).map((caller) => [
        schemeNames[caller],
        securitySchemes[caller],
      ]),
    ),
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message'],
            properties: {
              code: { type: 'string', description: 'A stable error code (`not_found`, ...).' },
              message: { type: 'string', description: 'What happened and how to fix it.' },
              errorId: { type: 'string' },
              issues: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    path: { type: 'array', items: { type: ['string', 'integer'] } },
                    message: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
    responses,
  };
}

function preflightDocumentation(): RouteOpenApi {
  return {
    summary: 'CORS preflight of a widget route (for origins a tenant allows).',
    tags: ['widget'],
    security: [],
    responses: {
      '204': { description: 'The allowed methods and headers for this origin.' },
    },
  };
}

function operation(route: DocumentedRoute, documentation: RouteOpenApi): JsonObject {
  const responses: JsonObject = {};
  for (const [status, response] of Object.entries(documentation.responses)) {
    const contentType = response.contentType ?? 'application/json';
    responses[status] = {
      description: response.description,
      ...(response.schema || contentType !== 'application/json'
        ? {
            content: {
              [contentType]: response.schema
                ? { schema: toJsonSchema(response.schema) }
                : { schema: { type: 'string' } },
            },
          }
        : {}),
    };
  }
  const parameters: JsonObject[] = pathParameters(route.path).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
  if (documentation.query) {
    const schema = toJsonSchema(documentation.query) as {
      properties?: Record<string, JsonObject>;
      required?: string[];
    };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      parameters.push({
        name,
        in: 'query',
        required: schema.required?.includes(name) === true && property.default === undefined,
        schema: property,
      });
    }
  }
  const isApi = route.path.startsWith('/api');
  const errors = new Set<string>(isApi && route.method !== 'OPTIONS' ? ['429', '500'] : ['500']);
  if (documentation.security.length > 0) for (const status of ['401', '403']) errors.add(status);
  if (documentation.requestBody) for (const status of ['400', '413', '415']) errors.add(status);
  if (documentation.query || parameters.length > 0) errors.add('400');
  if (pathParameters(route.path).length > 0) errors.add('404');
  for (const status of [...errors].sort()) {
    if (responses[status] === undefined) {
      responses[status] = { $ref: `#/components/responses/${errorResponses[status]![0]}` };
    }
  }
  return {
    operationId: `${route.method.toLowerCase()}${openApiPath(route.path)
      .split(/[^A-Za-z0-9]+/)
      .filter((part) => part !== '')
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join('')}`,
    summary: documentation.summary,
    ...(documentation.description ? { description: documentation.description } : {}),
    tags: documentation.tags,
    security: securityOf(documentation.security),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(documentation.requestBody
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: toJsonSchema(documentation.requestBody) } },
          },
        }
      : {}),
    responses,
  };
}

/** The metadata of a route: its own `openapi` field, else the registry, else (preflights) a generic one. */
export function documentationOf(
  route: DocumentedRoute,
  extra: Readonly<Record<string, RouteOpenApi>> = {},
): RouteOpenApi | undefined {
  return (
    route.openapi ??
    extra[routeKey(route)] ??
    routeDocumentation[routeKey(route)] ??
    (route.method === 'OPTIONS' ? preflightDocumentation() : undefined)
  );
}

/**
 * Builds the OpenAPI 3.1 document from the router's routes (the real table, so it cannot
 * drift): each route's `openapi` metadata or its entry in {@link routeDocumentation}, request
 * bodies from the same zod schemas the routes validate with (`z.toJSONSchema`), the common
 * error answers and the security schemes. A route without metadata is still listed, with its
 * `description` and `x-churn-undocumented: true`, and named in `undocumented`.
 */
export function createOpenApiDocument(
  routes: readonly DocumentedRoute[],
  options: OpenApiDocumentOptions = {},
): OpenApiDocumentResult {
  const paths: Record<string, Record<string, JsonObject>> = {};
  const undocumented: string[] = [];
  for (const route of routes) {
    let documentation = documentationOf(route, options.documentation);
    if (!documentation) {
      undocumented.push(routeKey(route));
      documentation = {
        summary: route.description ?? `${route.method} ${route.path}`,
        tags: ['undocumented'],
        security: [],
        responses: { default: { description: 'Not documented yet.' } },
      };
    }
    const path = openApiPath(route.path);
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      ...operation(route, documentation),
      ...(undocumented.includes(routeKey(route)) ? { 'x-churn-undocumented': true } : {}),
    };
  }
  return {
    undocumented,
    document: {
      openapi: '3.1.0',
      info: {
        title: 'Churn HTTP API',
        version: options.version ?? '0.0.0',
        description:
          'Payment recovery and support answers in one conversation. Errors answer `{ error: { code, message } }`; every `/api` route is rate limited (docs/limits.md).',
      },
      servers: [{ url: options.basePath || '/' }],
      paths,
      components: components(),
    },
  };
}
