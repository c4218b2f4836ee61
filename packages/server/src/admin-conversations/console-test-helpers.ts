import { createServer } from 'node:http';
import type { AdminRole, LanguageModelV1, StorageV1 } from '@churn/core';
import { listenOnLocalhost } from '../../test/fixtures/adapter-conformance.js';
import { toNodeHandler } from '../adapters/node/to-node-handler.js';
import { createMemoryLogger } from '../chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../chat/knowledge-base-cache.js';
import { type ChurnHandlerOptions, createChurnHandler } from '../handler/create-churn-handler.js';
import { signInAdmin } from '../identity/admin-session.js';
import { hashPassword } from '../identity/password-hash.js';

/** The server secret of the console tests (signs admin tokens). */
export const consoleTestSecret = 'console-test-secret-console-test-secret-0123456789';

/** A handler with the console routes over a real socket. */
export async function startConsoleServer(
  options: {
    storage: StorageV1;
    languageModel?: LanguageModelV1;
  } & Omit<ChurnHandlerOptions, 'storage'>,
) {
  const { languageModel, ...rest } = options;
  const logger = rest.logger ?? createMemoryLogger();
  const knowledgeBases =
    rest.chat?.knowledgeBases ?? createKnowledgeBaseCache(languageModel ? { languageModel } : {});
  const handler = createChurnHandler({
    secret: consoleTestSecret,
    rateLimits: { enabled: false },
    operations: { workers: false },
    ...rest,
    logger,
    chat: { ...rest.chat, knowledgeBases },
  });
  const mounted = await listenOnLocalhost(createServer(toNodeHandler(handler, { logger })));
  return {
    url: mounted.url,
    handler,
    logger,
    knowledgeBases,
    close: async () => {
      await mounted.close();
      await handler.close();
    },
  };
}

/** Creates an admin user with `role` in the tenant and signs them in: their access token. */
export async function adminTokenFor(
  storage: StorageV1,
  tenantId: string,
  role: AdminRole,
  name = `${role} operator`,
): Promise<string> {
  const email = `${role}-${crypto.randomUUID().slice(0, 8)}@console.example`;
  await storage.adminUsers.create({
    tenantId,
    name,
    email,
    role,
    passwordHash: await hashPassword('correct horse battery', { cost: 1024 } as never),
  });
  const session = await signInAdmin(storage, {
    tenantId,
    email,
    password: 'correct horse battery',
    secret: consoleTestSecret,
  });
  return session.accessToken;
}

/** JSON request headers with a bearer token. */
export function bearer(token: string): Record<string, string> {
  return { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
}

/** One server-sent event as read from the wire. */
export interface ReadEvent {
  event: string;
  data: Record<string, unknown>;
}

/**
 * Reads named SSE events from a response as they arrive; `next(predicate)` resolves with
 * the first event (already received or coming) that matches.
 */
export function readServerEvents(response: Response) {
  const events: ReadEvent[] = [];
  const comments: string[] = [];
  const waiters: { match: (event: ReadEvent) => boolean; resolve: (event: ReadEvent) => void }[] =
    [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    let buffer = '';
    for (;;) {
      const { done, value } = await reader.read().catch(() => ({ done: true, value: '' }));
      if (done) return;
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
        let name = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else if (line.startsWith('event: ')) name = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length === 0) continue;
        const event = { event: name, data: JSON.parse(data.join('\n')) as Record<string, unknown> };
        events.push(event);
        for (const waiter of [...waiters]) {
          if (waiter.match(event)) {
            waiters.splice(waiters.indexOf(waiter), 1);
            waiter.resolve(event);
          }
        }
      }
    }
  })();
  return {
    events,
    comments,
    next(match: (event: ReadEvent) => boolean, timeoutMs = 10_000): Promise<ReadEvent> {
      const found = events.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`No matching event within ${timeoutMs} ms: ${JSON.stringify(events)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          match,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
    async close() {
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}
