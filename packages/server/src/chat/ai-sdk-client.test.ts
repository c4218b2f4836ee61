import type { StorageV1 } from '@churn/core';
import {
  AbstractChat,
  type UIMessageChunk as AiUIMessageChunk,
  type ChatState,
  type ChatStatus,
  DefaultChatTransport,
  readUIMessageStream,
  type UIMessage,
} from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { visitorIdHeader } from '../identity/authenticate.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import {
  createGate,
  createPacedLanguageModel,
  createTestTenant,
  helpCentre,
  startChatServer,
  waitFor,
} from './chat-test-helpers.js';
import type { UIMessageChunk } from './ui-message-chunk.js';

// Compile-time check: every chunk this server sends is a chunk the AI SDK accepts.
const _sameWireFormat = (chunk: UIMessageChunk): AiUIMessageChunk => chunk;
void _sameWireFormat;

/** The smallest ChatState: what `useChat` keeps in React state, kept in an array. */
class ArrayChatState implements ChatState<UIMessage> {
  status: ChatStatus = 'ready';
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((current, position) =>
      position === index ? message : current,
    );
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

/** `useChat`'s engine without React: AbstractChat over the array state. */
class NodeChat extends AbstractChat<UIMessage> {
  readonly chatState: ArrayChatState;
  constructor(options: { id: string; transport: DefaultChatTransport<UIMessage> }) {
    const state = new ArrayChatState();
    super({ ...options, state });
    this.chatState = state;
  }
}

describe('an AI SDK client (the real `ai` v5 package) against the chat API', () => {
  let storage: StorageV1;
  let server: Awaited<ReturnType<typeof startChatServer>>;
  let publishableKey: string;
  let tenantId: string;
  let gate: ReturnType<typeof createGate> | undefined;
  const model = createPacedLanguageModel({
    wordByWord: true,
    delayMs: 5,
    gate: { wait: async () => gate?.wait() },
  });

  beforeAll(async () => {
    storage = await createPGliteStorage();
    const tenant = await createTestTenant(storage);
    publishableKey = tenant.publishableKey;
    tenantId = tenant.tenant.id;
    server = await startChatServer({ storage, languageModel: model });
    await server.knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(helpCentre);
  });

  afterAll(async () => {
    await server?.close();
    await storage?.close();
  });

  const transport = (visitorId: string) =>
    new DefaultChatTransport<UIMessage>({
      api: `${server.url}/api/chat`,
      headers: { authorization: `Bearer ${publishableKey}`, [visitorIdHeader]: visitorId },
    });

  it('DefaultChatTransport + readUIMessageStream read back text and source-url parts', async () => {
    const stream = await transport('visitor-transport').sendMessages({
      chatId: 'ai-sdk-transport',
      trigger: 'submit-message',
      messageId: undefined,
      abortSignal: undefined,
      messages: [
        {
          id: 'user-1',
          role: 'user',
          parts: [{ type: 'text', text: 'How do I change the card on file?' }],
        },
      ],
    });
    let message: UIMessage | undefined;
    for await (const snapshot of readUIMessageStream({ stream, terminateOnError: true })) {
      message = snapshot;
    }
    expect(message).toBeDefined();
    const text = message!.parts.find((part) => part.type === 'text');
    expect(text).toMatchObject({
      type: 'text',
      state: 'done',
      text: expect.stringMatching(/Update card/),
    });
    const sources = message!.parts.filter((part) => part.type === 'source-url');
    expect(sources[0]).toMatchObject({ url: 'raw:update-card', title: 'Update your card' });
    const confidence = message!.parts.find((part) => part.type === 'data-confidence');
    expect(confidence).toMatchObject({
      data: { score: expect.any(Number), escalate: expect.any(Boolean) },
    });
    expect(message!.metadata).toMatchObject({ conversationId: 'ai-sdk-transport' });
  });

  it("useChat's engine (AbstractChat) sends, streams and ends ready, with the server's message id", async () => {
    const chat = new NodeChat({ id: 'ai-sdk-chat', transport: transport('visitor-chat') });
    await chat.sendMessage({ text: 'How long do refunds take?' });
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    const [user, assistant] = chat.messages;
    expect(user).toMatchObject({
      role: 'user',
      parts: [{ type: 'text', text: 'How long do refunds take?' }],
    });
    expect(assistant!.role).toBe('assistant');
    expect(assistant!.parts.map((part) => part.type)).toEqual(
      expect.arrayContaining(['step-start', 'text', 'source-url', 'data-confidence']),
    );
    const text = assistant!.parts.find((part) => part.type === 'text');
    expect(text && 'text' in text ? text.text : '').toMatch(/business days/);
    const stored = await storage.messages.get({ tenantId, id: assistant!.id });
    expect(stored?.content).toBe(text && 'text' in text ? text.text : undefined);

    // A follow-up turn in the same chat: the conversation grows.
    await chat.sendMessage({ text: 'Where do I verify webhook signatures?' });
    expect(chat.messages.length).toBe(4);
    expect(chat.status).toBe('ready');
  });

  it("after useChat's stop(), the next message is answered (the old reply is stopped)", async () => {
    gate = createGate();
    const current = gate;
    const chat = new NodeChat({ id: 'ai-sdk-stop', transport: transport('visitor-stop') });
    const sending = chat.sendMessage({ text: 'How do refunds work?' });
    await waitFor(() => current.waiting > 0);
    await chat.stop();
    await sending;
    expect(chat.status).toBe('ready');
    gate = undefined;
    await chat.sendMessage({ text: 'How long do refunds take?' });
    expect(chat.status).toBe('ready');
    expect(chat.error).toBeUndefined();
    const last = chat.messages.at(-1)!;
    expect(last.role).toBe('assistant');
    expect(last.parts.some((part) => part.type === 'text' && /business days/.test(part.text))).toBe(
      true,
    );
    current.open();
  });

  it('resumes a reply in progress from another page load (resumeStream)', async () => {
    gate = createGate();
    const first = new NodeChat({ id: 'ai-sdk-resume', transport: transport('visitor-resume') });
    const sending = first.sendMessage({ text: 'How do I change the card on file?' });
    const current = gate;
    await waitFor(() => current.waiting > 0);
    // A second tab of the same visitor, opened while the reply is being written.
    const second = new NodeChat({ id: 'ai-sdk-resume', transport: transport('visitor-resume') });
    const resuming = second.resumeStream();
    current.open();
    await Promise.all([sending, resuming]);
    const firstAnswer = first.messages.at(-1)!;
    const resumedAnswer = second.messages.at(-1)!;
    expect(resumedAnswer.role).toBe('assistant');
    expect(resumedAnswer.id).toBe(firstAnswer.id);
    expect(resumedAnswer.parts).toEqual(firstAnswer.parts);
    gate = undefined;

    // Nothing streaming now: the server answers 204 and the chat stays as it is.
    const third = new NodeChat({ id: 'ai-sdk-resume', transport: transport('visitor-resume') });
    await third.resumeStream();
    expect(third.messages).toEqual([]);
    expect(third.status).toBe('ready');
  });
});
