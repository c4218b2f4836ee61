import { resolve } from 'node:path';
import { adminConversationRoutes } from '../admin-conversations/admin-conversation-routes.js';
import { closeConsoleEvents } from '../admin-conversations/console-events.js';
import { type ChatSettings, chatRoutes } from '../chat/chat-routes.js';
import {
  createKnowledgeBaseCache,
  type KnowledgeBaseCache,
  sharedEmbeddingCacheOf,
} from '../chat/knowledge-base-cache.js';
import {
  createRedisChatStreamRegistry,
  type RedisChatStreamRegistry,
} from '../chat/redis-chat-stream-registry.js';
import { type ConsoleOptions, consoleRoutes } from '../console/console-routes.js';
import { customerRoutes } from '../customers/customer-routes.js';
import { supportOperationsRoutes } from '../escalations/support-operations-routes.js';
import { type ChurnLogger, consoleLogger, errorToResponse } from '../http/error-to-response.js';
import { jsonResponse } from '../http/json-response.js';
import { getRequestId, requestIdHeader } from '../http/request-id.js';
import { type Route, Router } from '../http/router.js';
import { identityRoutes } from '../identity/identity-routes.js';
import { withWidgetCors } from '../identity/widget-cors.js';
import {
  encryptorOf,
  type OperationsSettings,
  operationsRoutes,
  startOperations,
} from '../integrations/support-operations.js';
import { startKnowledgeJobs } from '../knowledge/knowledge-job-runner.js';
import type { KnowledgeIngestSettings } from '../knowledge/knowledge-jobs.js';
import { knowledgeRoutes } from '../knowledge/knowledge-routes.js';
import { createRateLimitGuard, type RateLimitOptions } from '../limits/rate-limit-guard.js';
import { openApiRoute } from '../openapi/openapi-route.js';
import { createMaskingLogger } from '../pii/masking-logger.js';
import { paymentRecoveryRoutes } from '../recovery/recovery-routes.js';
import type { RecoverySettings } from '../recovery/recovery-service.js';
import { useIdentitySecretEncryptor } from '../storage/tenant-access-repositories.js';
import { tenantRoutes } from '../tenants/tenant-routes.js';
import { openServices, ServicesLoader, type StorageOption } from './churn-services.js';

/** A Web-standard fetch handler: what every adapter reshapes. */
export type ChurnFetchHandler = (request: Request) => Promise<Response>;

/** Settings of {@link createChurnHandler}. Every one is optional. */
export interface ChurnHandlerOptions {
  /**
   * Folder of the embedded defaults' data (embedded Postgres, the local index). Relative
   * paths are resolved against the working directory. Default `./.churn`.
   */
  dataDir?: string;
  /**
   * The path the handler is mounted under, for example `/churn` when the API answers on
   * `/churn/api/...`. Adapters pass the full URL through, so the handler needs to know it.
   * Default: none (the API is `/api/...`).
   */
  basePath?: string;
  /**
   * Extra routes, matched after the built-in ones. Paths are below the base path
   * (`/api/things/:id`). This is the extension point the chat, admin and webhook APIs use.
   */
  routes?: readonly Route<ChurnHandlerState>[];
  /** Where unexpected errors are logged. Default: `console`. */
  logger?: ChurnLogger;
  /**
   * The storage: a ready `StorageV1`, or settings for `createStorage` (`databaseUrl` for
   * PostgreSQL, `schema`, ...). Default: `DATABASE_URL`'s PostgreSQL when that variable is set,
   * else embedded PGlite in `<dataDir>/data`. Opened on the first request that needs it.
   */
  storage?: StorageOption;
  /**
   * The chat API's settings: language model and other RAG seams, authentication, limits.
   * Replies in progress (stop, resume) live in Redis when `REDIS_URL` is set
   * (`createRedisChatStreamRegistry`), else in process; `chat.registry` overrides both.
   */
  chat?: ChatSettings;
  /** The platform operator's key for `/api/tenants` (at least 32 characters). Default: env `CHURN_PLATFORM_KEY`; none disables those routes. */
  platformKey?: string;
  /** Signs admin access tokens (at least 32 characters). Default: env `CHURN_SECRET`, else one generated and kept in `<dataDir>/server-secret`. */
  secret?: string;
  /** Payment recovery: the payment provider (default Stripe from `STRIPE_SECRET_KEY`, else a sandbox per tenant), clock, language model (docs/payment-recovery.md). */
  payments?: RecoverySettings;
  /**
   * Rate limits on every `/api` route, per client address, API key and verified customer,
   * by route class (see docs/limits.md). In process by default, Redis when `REDIS_URL` is set.
   * `{ enabled: false }` turns them off.
   */
  rateLimits?: RateLimitOptions;
  /**
   * Integrations (Slack, Discord, signed webhooks) and their outbox worker, retention, and
   * encryption at rest (`encryptionKey`, default env `CHURN_ENCRYPTION_KEY`); see
   * docs/operations.md. `{ workers: false }` runs no background job in this process.
   */
  operations?: OperationsSettings;
  /**
   * The operators' console (the built `@churn/admin` app) at `path` (default `/admin`);
   * `root` overrides the folder of the built app. `false` serves no console. See docs/console-api.md.
   */
  console?: ConsoleOptions | false;
  /**
   * Knowledge base ingest jobs started from the console: crawler limits and SSRF guard, and
   * the leases that let another instance resume a job whose process stopped (`resume`,
   * `leaseMs`, `resumeIntervalMs`, `maxAttempts`).
   */
  knowledge?: KnowledgeIngestSettings;
}

/** What every route receives as `context.state`. */
export interface ChurnHandlerState {
  /** The absolute data folder. */
  dataDir: string;
  /** The normalised base path (`''` for none). */
  basePath: string;
  logger: ChurnLogger;
  /** Storage and the other services, opened once on first use (`await state.services.load()`). */
  services: ServicesLoader;
  /** The platform key (option or `CHURN_PLATFORM_KEY`), if any. */
  platformKey?: string | undefined;
  /** The server secret (option or `CHURN_SECRET`), if any; see `serverSecretOf`. */
  secret?: string | undefined;
  /** The `payments` option: payment recovery settings. */
  payments?: RecoverySettings | undefined;
}

/**
 * The built-in routes. Later features (chat sessions, admin, Stripe webhooks) add their
 * tables here, each built from the handler's state (storage once it is wired).
 */
function builtInRoutes(
  router: () => Router<ChurnHandlerState>,
  options: ChurnHandlerOptions,
  chatStreams: RedisChatStreamRegistry | undefined,
  knowledgeBases: KnowledgeBaseCache,
): Route<ChurnHandlerState>[] {
  const chat: ChatSettings = {
    ...options.chat,
    knowledgeBases,
    ...(chatStreams ? { registry: chatStreams } : {}),
  };
  return [
    {
      method: 'GET',
      path: '/healthz',
      description: 'Readiness: 200 once storage is open and migrated, 503 while it is not.',
      handler: async ({ state }) => {
        try {
          await state.services.load();
          return jsonResponse({ status: 'ok' }, { headers: { 'cache-control': 'no-store' } });
        } catch (error) {
          state.logger.error('Storage is not ready', { error });
          return jsonResponse(
            {
              status: 'unavailable',
              error: { code: 'internal', message: 'Storage is not ready yet: see the server log.' },
            },
            { status: 503, headers: { 'cache-control': 'no-store', 'retry-after': '5' } },
          );
        }
      },
    },
    {
      method: 'GET',
      path: '/api',
      description: 'This index of the HTTP API.',
      handler: ({ state }) =>
        jsonResponse({
          name: '@churn/server',
          basePath: state.basePath,
          routes: router().routes.map((route) => ({
            method: route.method,
            path: `${state.basePath}${route.path}`,
            ...(route.description ? { description: route.description } : {}),
          })),
        }),
    },
    openApiRoute(router),
    ...withWidgetCors(chatRoutes(chat)),
    ...supportOperationsRoutes(),
    ...tenantRoutes(),
    ...identityRoutes(),
    ...operationsRoutes(),
    ...paymentRecoveryRoutes(),
    ...customerRoutes(),
    ...adminConversationRoutes(),
    ...knowledgeRoutes(knowledgeBases, options.knowledge),
    ...(options.console === false ? [] : consoleRoutes(options.console)),
  ];
}

/**
 * Creates the Churn server as one Web-standard fetch handler (`Request -> Response`).
 * Called with no options it runs on the embedded defaults and keeps its data in `./.churn`.
 * Mount it with an adapter (`@churn/server/node`, `/express`, `/fastify`, `/hono`, `/next`)
 * or hand it to any runtime that speaks `fetch` (Bun, Deno, workers).
 *
 * Every answer carries an `x-request-id`; every error answers `{ error: { code, message } }`
 * with the matching status (see `errorToResponse`); unknown paths answer 404.
 *
 * @example
 * import { createServer } from 'node:http';
 * import { createChurnHandler } from '@churn/server';
 * import { toNodeHandler } from '@churn/server/node';
 *
 * createServer(toNodeHandler(createChurnHandler())).listen(3000);
 */
export function createChurnHandler(
  options: ChurnHandlerOptions = {},
): ChurnFetchHandler & { close(): Promise<void> } {
  // Personal data never reaches a log line (docs/operations.md, "PII masking").
  const logger = createMaskingLogger(options.logger ?? consoleLogger);
  const router: Router<ChurnHandlerState> = new Router({ basePath: options.basePath });
  const dataDir = resolve(options.dataDir ?? '.churn');
  const storage =
    options.storage ??
    (process.env.DATABASE_URL ? { databaseUrl: process.env.DATABASE_URL } : undefined);
  const state: ChurnHandlerState = {
    dataDir,
    basePath: router.basePath,
    logger,
    services: new ServicesLoader(async () => {
      const services = await openServices({ storage, dataDir });
      // Identity secrets are encrypted at rest with the operations encryptor
      // (docs/operations.md, "Encryption at rest"); only the server storage has them.
      if ((services.storage as { db?: unknown }).db !== undefined) {
        useIdentitySecretEncryptor(services.storage, await encryptorOf(state));
      }
      return services;
    }),
    platformKey: options.platformKey ?? (process.env.CHURN_PLATFORM_KEY || undefined),
    secret: options.secret ?? (process.env.CHURN_SECRET || undefined),
    payments: options.payments,
  };
  // Stop and resume across instances: the chat's replies in progress live in Redis when
  // `REDIS_URL` is set (falling back to in process while Redis is down), unless given.
  const chatStreams =
    options.chat?.registry === undefined && process.env.REDIS_URL
      ? createRedisChatStreamRegistry({ url: process.env.REDIS_URL, logger })
      : undefined;
  // A remote embedder's vectors are shared by every instance in Redis when `REDIS_URL` is set
  // (else kept in process by the knowledge bases), unless `embeddingCache` was chosen.
  const embeddingCache =
    options.chat?.knowledgeBases === undefined
      ? sharedEmbeddingCacheOf(options.chat?.knowledgeBase, logger)
      : undefined;
  // The chat and the console's knowledge routes share the knowledge bases (one index).
  // An outage of the embedder or the vector store degrades answers to keyword search: logged.
  const knowledgeBases =
    options.chat?.knowledgeBases ??
    createKnowledgeBaseCache({
      onVectorSearchError: (error) =>
        logger.warn('Vector search failed: answering from keyword search alone.', { error }),
      onEmbeddingCacheError: (error) =>
        logger.warn(
          'Embedding cache unavailable: embedding with the model meanwhile (answers are unaffected). Check REDIS_URL and the Redis server.',
          { error: error instanceof Error ? error.message : String(error) },
        ),
      ...(embeddingCache ? { embeddingCache } : {}),
      ...options.chat?.knowledgeBase,
    });
  // Storage and the feature routes plug in here: create them from `state`, add their routes.
  for (const route of builtInRoutes(() => router, options, chatStreams, knowledgeBases)) {
    router.add(route);
  }
  for (const route of options.routes ?? []) router.add(route);
  const operations = startOperations(state, options.operations);
  const knowledgeJobs = startKnowledgeJobs(state, knowledgeBases, options.knowledge);
  const rateLimits = createRateLimitGuard(options.rateLimits, logger);
  const preflightPaths = new Set(
    router.routes.filter((route) => route.method === 'OPTIONS').map((route) => route.path),
  );

  const handler: ChurnFetchHandler = async (request) => {
    const requestId = getRequestId(request);
    try {
      const url = new URL(request.url);
      const { route, params } = router.resolve(request.method, url.pathname);
      const run = async () => route.handler({ request, url, params, requestId, state });
      const response = rateLimits
        ? await rateLimits.run(request, route, run, preflightPaths.has(route.path))
        : await run();
      return withRequestId(response, requestId);
    } catch (error) {
      return errorToResponse(error, { logger, requestId });
    }
  };
  // `close()` stops the background jobs (outbox worker, retention, ingest resume) and waits for
  // a run in progress, hands the ingest jobs running here back to other instances, and closes
  // the Redis connections of the rate limiter, the chat streams and the embedding cache.
  return Object.assign(handler, {
    close: async () => {
      await operations.close();
      await knowledgeJobs.close();
      await rateLimits?.close();
      await chatStreams?.close();
      await embeddingCache?.close();
      if (state.services.ready) await closeConsoleEvents((await state.services.load()).storage);
    },
  });
}

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set(requestIdHeader, requestId);
    return response;
  } catch {
    // Immutable headers (a response from `fetch`): copy them.
    const headers = new Headers(response.headers);
    headers.set(requestIdHeader, requestId);
    return new Response(response.body, {
      status: response.status,
      statusText: response.statusText,
      headers,
    });
  }
}
