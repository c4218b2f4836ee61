import {
  createOfflineLanguageModel,
  type LanguageModelV1,
  type LanguageModelV1Message,
  type LanguageModelV1StreamPart,
  type StorageV1,
} from '@churn/core';
import { expect } from 'vitest';
import {
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  readChunks,
  startChatServer,
  type TestTenant,
  textOf,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import type { UIMessageChunk } from '../chat/ui-message-chunk.js';

/**
 * A language model that records every prompt and answers like the offline model, except
 * that a question holding placeholders gets them echoed first, each split across two
 * deltas (`[EMA` + `IL_1]`), as a remote model streaming tokens would.
 */
export function createRecordingLanguageModel(): LanguageModelV1 & {
  prompts: LanguageModelV1Message[][];
} {
  const inner = createOfflineLanguageModel();
  const prompts: LanguageModelV1Message[][] = [];
  return {
    specificationVersion: 'v1',
    provider: 'test',
    modelId: 'recording',
    prompts,
    doGenerate: (options) => inner.doGenerate(options),
    async doStream(options) {
      prompts.push(options.prompt);
      const question = options.prompt.at(-1)?.content ?? '';
      const placeholders = question.match(/\[[A-Z]+_\d+\]/g) ?? [];
      const echo: LanguageModelV1StreamPart[] = placeholders.flatMap((placeholder) => [
        { type: 'text-delta', delta: `Noted: ${placeholder.slice(0, 4)}` },
        { type: 'text-delta', delta: `${placeholder.slice(4)}. ` },
      ]);
      const { stream } = await inner.doStream(options);
      const reader = stream.getReader();
      return {
        stream: new ReadableStream<LanguageModelV1StreamPart>({
          async pull(controller) {
            const next = echo.shift();
            if (next) {
              controller.enqueue(next);
              return;
            }
            const { done, value } = await reader.read();
            if (done) controller.close();
            else controller.enqueue(value);
          },
        }),
      };
    },
  };
}

/** A chat server with two tenants (Acme with the help centre, Globex empty) for the support suites. */
export async function startSupportServer(storage: StorageV1) {
  const model = createRecordingLanguageModel();
  const acme = await createTestTenant(storage, 'Acme');
  const globex = await createTestTenant(storage, 'Globex');
  const server = await startChatServer({ storage, languageModel: model });
  await server.knowledgeBases.forTenant(storage, acme.tenant.id).ingest(helpCentre);

  type Who = { visitor?: string; customer?: string; secret?: boolean };
  const call = async <Body = Record<string, unknown>>(
    tenant: TestTenant,
    method: string,
    path: string,
    options: Who & { body?: unknown } = {},
  ): Promise<{ status: number; body: Body & { error?: { code: string; message: string } } }> => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: widgetHeaders(tenant, options),
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };

  const createConversation = async (tenant: TestTenant, who: Who): Promise<string> => {
    const answer = await call<{ conversation: { id: string } }>(
      tenant,
      'POST',
      '/api/conversations',
      {
        ...who,
        body: {},
      },
    );
    expect(answer.status).toBe(201);
    return answer.body.conversation.id;
  };

  /** Sends a message and reads the whole reply. */
  const send = async (tenant: TestTenant, conversationId: string, text: string, who: Who) => {
    const response = await fetch(`${server.url}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: widgetHeaders(tenant, who),
      body: JSON.stringify({ text }),
    });
    expect(response.status).toBe(200);
    const received = await readChunks(response);
    return { received, text: textOf(received), chunks: received.map(({ chunk }) => chunk) };
  };

  return { storage, server, model, acme, globex, call, createConversation, send };
}

/** The context {@link startSupportServer} gives. */
export type SupportServer = Awaited<ReturnType<typeof startSupportServer>>;

/** The data parts of one type in a reply. */
export function dataParts<T extends UIMessageChunk['type']>(
  received: readonly ReceivedChunk[],
  type: T,
): Extract<UIMessageChunk, { type: T }>[] {
  return received
    .map(({ chunk }) => chunk)
    .filter((chunk): chunk is Extract<UIMessageChunk, { type: T }> => {
      return typeof chunk !== 'string' && chunk.type === type;
    });
}
