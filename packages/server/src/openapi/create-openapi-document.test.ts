import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { toMessageView } from '../chat/chat-conversations.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import { Router } from '../http/router.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { memoryLogger } from '../tenants/tenant-test-helpers.js';
import {
  createOpenApiDocument,
  type OpenApiDocument,
  openApiPath,
  routeKey,
} from './create-openapi-document.js';
import { renderHttpApiDocs } from './render-http-api-docs.js';
import { MessagePartSchema, routeDocumentation } from './route-documentation.js';

const dataDir = mkdtempSync(join(tmpdir(), 'churn-openapi-'));
const storage = await createPGliteStorage();
const handler = createChurnHandler({
  dataDir,
  storage,
  logger: memoryLogger(),
  rateLimits: { enabled: false },
});
afterAll(async () => {
  await handler.close?.();
  await storage.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function getJson<T>(path: string): Promise<T> {
  const response = await handler(new Request(`http://localhost${path}`));
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

const index = await getJson<{ routes: { method: string; path: string }[] }>('/api');
const document = await getJson<OpenApiDocument>('/api/openapi.json');
const operations = Object.entries(document.paths).flatMap(([path, byMethod]) =>
  Object.entries(byMethod).map(([method, operation]) => ({
    key: `${method.toUpperCase()} ${path}`,
    operation,
  })),
);

/** The little of a JSON Schema the assertions read. */
interface JsonSchema {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  const?: unknown;
}

const howToDocument = (keys: string[]): string =>
  `These routes are registered but not documented in GET /api/openapi.json:\n${keys
    .map((key) => `  - ${key}`)
    .join(
      '\n',
    )}\nDocument each one: either add an \`openapi: { summary, tags, security, requestBody?, query?, responses }\` field to the route object where it is defined (type RouteOpenApi in packages/server/src/http/router.ts), or add an entry \`'${keys[0] ?? 'METHOD /path'}': { ... }\` to routeDocumentation in packages/server/src/openapi/route-documentation.ts. Then run \`node scripts/http-api-docs.mjs\` to regenerate docs/http-api.md.`;

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3.1 document', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.info.title).toBe('Churn HTTP API');
    expect(Object.keys(document.components.securitySchemes as object)).toEqual(
      expect.arrayContaining(['publishableKey', 'secretKey', 'adminToken', 'platformKey']),
    );
  });

  it('validates against the official OpenAPI 3.1 schema', async () => {
    const result = await new Validator().validate(structuredClone(document));
    expect(result.errors ?? [], 'the OpenAPI 3.1 schema refused the document').toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('lists every route of the router, and nothing else', () => {
    const routed = index.routes.map((route) => `${route.method} ${openApiPath(route.path)}`);
    const documented = operations.map((operation) => operation.key);
    const missing = routed.filter((key) => !documented.includes(key));
    const extra = documented.filter((key) => !routed.includes(key));
    expect(missing, 'routes of the router missing from the document').toEqual([]);
    expect(extra, 'operations of the document that no route answers').toEqual([]);
    expect(new Set(documented).size).toBe(documented.length);
  });

  it('documents every route (metadata on the route or in route-documentation.ts)', () => {
    // Named as the route table names them (`:id`, not `{id}`): that is the registry's key.
    const routeKeys = new Map(
      index.routes.map((route) => [
        `${route.method} ${openApiPath(route.path)}`,
        `${route.method} ${route.path}`,
      ]),
    );
    const undocumented = operations
      .filter(({ operation }) => operation['x-churn-undocumented'] === true)
      .map(({ key }) => routeKeys.get(key) ?? key);
    expect(undocumented, howToDocument(undocumented)).toEqual([]);
  });

  it('has no stale entries in route-documentation.ts', () => {
    const routed = new Set(index.routes.map((route) => `${route.method} ${route.path}`));
    const stale = Object.keys(routeDocumentation).filter((key) => !routed.has(key));
    expect(
      stale,
      `routeDocumentation in packages/server/src/openapi/route-documentation.ts has entries for routes that no longer exist: remove or rename them.`,
    ).toEqual([]);
  });

  it('gives every operation an id, a summary, answers and its path parameters', () => {
    const ids = new Set<string>();
    for (const { key, operation } of operations) {
      const id = operation.operationId as string;
      expect(ids.has(id), `${key}: duplicate operationId ${id}`).toBe(false);
      ids.add(id);
      expect(typeof operation.summary, key).toBe('string');
      expect(Object.keys(operation.responses as object).length, key).toBeGreaterThan(0);
      const path = key.split(' ')[1]!;
      const names = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      const declared = ((operation.parameters ?? []) as { name: string; in: string }[])
        .filter((parameter) => parameter.in === 'path')
        .map((parameter) => parameter.name);
      expect(declared, key).toEqual(names);
    }
  });

  it('describes request bodies with the schemas the routes validate with', () => {
    const signIn = document.paths['/api/auth/sign-in']!.post as {
      requestBody: { content: { 'application/json': { schema: Record<string, unknown> } } };
      responses: Record<string, unknown>;
    };
    const schema = signIn.requestBody.content['application/json'].schema;
    expect(schema.required).toEqual(['tenantId', 'email', 'password']);
    expect(schema.additionalProperties).toBe(false);
    expect(signIn.responses['429']).toEqual({ $ref: '#/components/responses/RateLimited' });
    expect(signIn.responses['413']).toBeDefined();
    const chat = document.paths['/api/conversations/{id}/messages']!.post as {
      responses: Record<string, { content?: Record<string, unknown> }>;
    };
    expect(Object.keys(chat.responses['200']!.content ?? {})).toEqual(['text/event-stream']);
  });

  it('describes the parts of stored messages, the hand-off to recovery included', () => {
    const get = document.paths['/api/conversations/{id}']!.get as {
      responses: Record<string, { content: { 'application/json': { schema: JsonSchema } } }>;
    };
    const body = get.responses['200']!.content['application/json'].schema;
    const parts = body.properties!.messages!.items!.properties!.parts!.items!;
    const types = (parts.oneOf ?? parts.anyOf ?? []).map(
      (variant) => variant.properties!.type!.const,
    );
    expect(types).toEqual(['text', 'source-url', 'data-confidence', 'data-recovery']);

    // What the route answers fits what the document says.
    const view = toMessageView({
      id: 'msg_1',
      tenantId: 'tenant_1',
      conversationId: 'conv_1',
      role: 'assistant',
      content: "I can help you fix that right here: I've opened a secure card update for you.",
      timestamp: new Date('2026-11-20T12:00:00Z'),
      confidenceScore: 0.9,
      metadata: {
        citations: [{ sourceId: 'chunk_1', url: 'https://help.example.com/card' }],
        recoveryConversationId: 'conv_recovery',
      },
    });
    expect(view.parts.map((part) => MessagePartSchema.safeParse(part).success)).toEqual([
      true,
      true,
      true,
      true,
    ]);
  });

  it('follows the base path', async () => {
    const mounted = createChurnHandler({
      dataDir,
      storage,
      basePath: '/churn',
      logger: memoryLogger(),
      rateLimits: { enabled: false },
    });
    const response = await mounted(new Request('http://localhost/churn/api/openapi.json'));
    const body = (await response.json()) as OpenApiDocument;
    expect(body.servers).toEqual([{ url: '/churn' }]);
    await mounted.close?.();
  });
});

describe('createOpenApiDocument', () => {
  it('prefers a route’s own openapi field and names routes documented nowhere', () => {
    const router = new Router();
    router.add({
      method: 'POST',
      path: '/api/things/:id',
      handler: () => new Response(null),
      openapi: {
        summary: 'Make a thing.',
        tags: ['things'],
        security: ['secret'],
        requestBody: z.strictObject({ name: z.string().max(10) }),
        responses: { '201': { description: 'Made.' } },
      },
    });
    router.add({ method: 'GET', path: '/api/mystery', handler: () => new Response(null) });
    const { document: made, undocumented } = createOpenApiDocument(router.routes);
    expect(undocumented).toEqual(['GET /api/mystery']);
    const post = made.paths['/api/things/{id}']!.post!;
    expect(post.security).toEqual([{ secretKey: [] }]);
    expect(Object.keys(post.responses as object)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '413', '415', '429', '500']),
    );
    expect(made.paths['/api/mystery']!.get!['x-churn-undocumented']).toBe(true);
    expect(routeKey({ method: 'GET', path: '/x' })).toBe('GET /x');
  });
});

describe('docs/http-api.md', () => {
  it('is generated from the current document', () => {
    const current = readFileSync(new URL('../../../../docs/http-api.md', import.meta.url), 'utf8');
    expect(
      current === renderHttpApiDocs(document),
      'docs/http-api.md is out of date: run `node scripts/http-api-docs.mjs` and commit the file.',
    ).toBe(true);
  });
});
