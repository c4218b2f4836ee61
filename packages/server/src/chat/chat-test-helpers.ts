import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import {
  createOfflineLanguageModel,
  type LanguageModelV1,
  type LanguageModelV1StreamPart,
  type StorageV1,
} from '@churn/core';
import { listenOnLocalhost } from '../../test/fixtures/adapter-conformance.js';
import { toNodeHandler } from '../adapters/node/to-node-handler.js';
import { createChurnHandler } from '../handler/create-churn-handler.js';
import type { ChurnLogger } from '../http/error-to-response.js';
import { generateApiKey } from '../identity/api-key.js';
import { customerHashHeader, customerIdHeader, visitorIdHeader } from '../identity/authenticate.js';
import { customerHash } from '../identity/customer-token.js';
import type { RecoverySettings } from '../recovery/recovery-service.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import type { ChatSettings } from './chat-routes.js';
import { createKnowledgeBaseCache, type KnowledgeBaseCache } from './knowledge-base-cache.js';
import type { UIMessageChunk } from './ui-message-chunk.js';

/** Test documents: a small help centre. */
export const helpCentre = [
  {
    type: 'text' as const,
    id: 'update-card',
    title: 'Update your card',
    content:
      '# Update your card\n\nTo change the card on file, open Settings, choose Billing and click Update card. The new card is charged for the next invoice.\n\nCards are verified with a small authorisation that is released at once.',
  },
  {
    type: 'text' as const,
    id: 'refunds',
    title: 'Refunds',
    content:
      '# Refunds\n\nRefunds are sent to the original payment method within 5 to 10 business days. Annual plans can be refunded within 30 days of purchase.',
  },
  {
    type: 'text' as const,
    id: 'webhooks',
    title: 'Webhooks',
    content:
      '# Webhooks\n\nWebhooks are signed with your endpoint secret. Verify the signature header before trusting the payload, and answer with a 2xx status within 10 seconds.',
  },
];

/** A logger that keeps what it was told, for assertions (and keeps test output quiet). */
export function createMemoryLogger(): ChurnLogger & { lines: { message: string }[] } {
  const lines: { message: string }[] = [];
  return {
    lines,
    error: (message) => void lines.push({ message }),
    warn: (message) => void lines.push({ message }),
  };
}

/** A tenant with a publishable and a secret key, and an identity secret for customer proofs. */
export async function createTestTenant(
  storage: StorageV1,
  name = 'Acme',
  options: { usageQuota?: number } = {},
) {
  const tenant = await storage.tenants.create({ name, ...options });
  const identitySecret = `cis_${randomBytes(32).toString('base64url')}`;
  await tenantAccessStoreOf(storage).updateSettings({ tenantId: tenant.id, identitySecret });
  const publishable = generateApiKey('publishable');
  const secret = generateApiKey('secret');
  for (const key of [publishable, secret]) {
    await storage.apiKeys.create({
      tenantId: tenant.id,
      scope: key.scope,
      prefix: key.prefix,
      keyHash: key.keyHash,
    });
  }
  return { tenant, publishableKey: publishable.key, secretKey: secret.key, identitySecret };
}

/** A test tenant, as {@link createTestTenant} makes it. */
export type TestTenant = Awaited<ReturnType<typeof createTestTenant>>;

/**
 * The headers the widget sends: the publishable key (or the secret key, as a server), the
 * visitor id, and a verified customer as the HMAC variant of the identity proof.
 */
export function widgetHeaders(
  tenant: TestTenant,
  options: { visitor?: string; customer?: string; secret?: boolean } = {},
): Record<string, string> {
  return {
    authorization: `Bearer ${options.secret ? tenant.secretKey : tenant.publishableKey}`,
    'content-type': 'application/json',
    ...(options.visitor ? { [visitorIdHeader]: options.visitor } : {}),
    ...(options.customer
      ? {
          [customerIdHeader]: options.customer,
          [customerHashHeader]: customerHash(options.customer, tenant.identitySecret),
        }
      : {}),
  };
}

/** A gate a test opens when it wants: `wait()` resolves after `open()`. */
export function createGate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  let waiting = 0;
  return {
    open: () => open(),
    wait: async () => {
      waiting += 1;
      await opened;
    },
    get waiting() {
      return waiting;
    },
  };
}

/**
 * A language model that streams like a remote one: it waits for `gate` (if any) before its
 * first part, then re-emits the inner model's parts with `delayMs` between text deltas.
 * Honours the abort signal between parts.
 */
export function createPacedLanguageModel(
  options: {
    inner?: LanguageModelV1;
    delayMs?: number;
    gate?: { wait(): Promise<void> };
    /** Splits each delta into words, like a token-by-token model. */
    wordByWord?: boolean;
  } = {},
): LanguageModelV1 & { calls: number } {
  const inner = options.inner ?? createOfflineLanguageModel();
  const model = {
    specificationVersion: 'v1' as const,
    provider: 'test',
    modelId: 'paced',
    calls: 0,
    doGenerate: (callOptions: Parameters<LanguageModelV1['doGenerate']>[0]) =>
      inner.doGenerate(callOptions),
    async doStream(callOptions: Parameters<LanguageModelV1['doStream']>[0]) {
      model.calls += 1;
      const signal = callOptions.abortSignal;
      await options.gate?.wait();
      const { stream } = await inner.doStream(callOptions);
      const parts: LanguageModelV1StreamPart[] = [];
      const reader = stream.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === 'text-delta' && options.wordByWord) {
          for (const word of value.delta.match(/\S+\s*|\s+/g) ?? []) {
            parts.push({ type: 'text-delta', delta: word });
          }
        } else parts.push(value);
      }
      let index = 0;
      const delayMs = options.delayMs ?? 0;
      return {
        stream: new ReadableStream<LanguageModelV1StreamPart>(
          {
            async pull(controller) {
              if (signal?.aborted) {
                controller.enqueue({ type: 'error', error: signal.reason });
                controller.close();
                return;
              }
              const part = parts[index];
              index += 1;
              if (part === undefined) {
                controller.close();
                return;
              }
              if (part.type === 'text-delta' && delayMs > 0) {
                await new Promise((resolve) => setTimeout(resolve, delayMs));
              }
              controller.enqueue(part);
            },
          },
          { highWaterMark: 0 },
        ),
      };
    },
  };
  return model;
}

/** A chat server over a real socket, with the handler built from `storage` and `chat`. */
export async function startChatServer(options: {
  storage: StorageV1;
  chat?: ChatSettings;
  languageModel?: LanguageModelV1;
  logger?: ChurnLogger;
  payments?: RecoverySettings;
}) {
  const knowledgeBases: KnowledgeBaseCache =
    options.chat?.knowledgeBases ??
    createKnowledgeBaseCache({
      ...(options.languageModel ? { languageModel: options.languageModel } : {}),
    });
  const logger = options.logger ?? createMemoryLogger();
  const handler = createChurnHandler({
    storage: options.storage,
    logger,
    chat: { ...options.chat, knowledgeBases },
    ...(options.payments ? { payments: options.payments } : {}),
  });
  const mounted = await listenOnLocalhost(createServer(toNodeHandler(handler, { logger })));
  return { url: mounted.url, knowledgeBases, logger, close: mounted.close };
}

/** One parsed SSE event of a UI message stream, with when it arrived. */
export interface ReceivedChunk {
  at: number;
  chunk: UIMessageChunk | '[DONE]';
}

/**
 * Reads a UI message stream response event by event (the raw wire: `data: <json>\n\n`),
 * calling `onChunk` as each arrives; resolves with everything once the body ends.
 */
export async function readChunks(
  response: Response,
  onChunk?: (chunk: UIMessageChunk | '[DONE]', received: ReceivedChunk[]) => void,
): Promise<ReceivedChunk[]> {
  const received: ReceivedChunk[] = [];
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffer += value;
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      end = buffer.indexOf('\n\n');
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data === '') continue;
      const chunk = data === '[DONE]' ? '[DONE]' : (JSON.parse(data) as UIMessageChunk);
      received.push({ at: performance.now(), chunk });
      onChunk?.(chunk, received);
    }
  }
  return received;
}

/** The text of a list of chunks (all `text-delta`s joined). */
export function textOf(received: readonly ReceivedChunk[]): string {
  return received
    .map(({ chunk }) =>
      typeof chunk !== 'string' && chunk.type === 'text-delta' ? chunk.delta : '',
    )
    .join('');
}

/**
 * The chat API of one server as a tenant's widget (or server) calls it: `start` creates a
 * conversation and answers its id (throwing unless 201), `ask` sends a message and reads the
 * whole reply stream (throwing unless 200 with a final `[DONE]`).
 */
export function chatClient(url: string, tenant: TestTenant) {
  type Caller = Parameters<typeof widgetHeaders>[1];
  return {
    async start(who: Caller, body: object = {}): Promise<string> {
      const response = await fetch(`${url}/api/conversations`, {
        method: 'POST',
        headers: widgetHeaders(tenant, who),
        body: JSON.stringify(body),
      });
      if (response.status !== 201) {
        throw new Error(
          `POST /api/conversations answered ${response.status}: ${await response.text()}`,
        );
      }
      return ((await response.json()) as { conversation: { id: string } }).conversation.id;
    },
    async ask(
      conversationId: string,
      who: Caller,
      text: string,
    ): Promise<{ chunks: ReceivedChunk[]; text: string }> {
      const response = await fetch(`${url}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: widgetHeaders(tenant, who),
        body: JSON.stringify({ text }),
      });
      if (response.status !== 200) {
        throw new Error(`POST .../messages answered ${response.status}: ${await response.text()}`);
      }
      const chunks = await readChunks(response);
      if (chunks.at(-1)?.chunk !== '[DONE]')
        throw new Error('The reply stream did not end with [DONE].');
      return { chunks, text: textOf(chunks) };
    },
  };
}

/** Waits until `check` is true (polling), or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
