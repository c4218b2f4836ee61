import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerTokenHeader } from '../identity/authenticate.js';
import { signCustomerToken } from '../identity/customer-token.js';
import type { ChatStreamRegistry } from './chat-stream-registry.js';
import { createMemoryChatStreamRegistry } from './chat-stream-registry.js';
import {
  createGate,
  createPacedLanguageModel,
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  readChunks,
  startChatServer,
  type TestTenant,
  textOf,
  waitFor,
  widgetHeaders,
} from './chat-test-helpers.js';
import { signInRequiredAnswer } from './classify-question.js';
import type { UIMessageChunk } from './ui-message-chunk.js';

type Tenant = TestTenant;

function types(received: readonly ReceivedChunk[]): string[] {
  return received.map(({ chunk }) => (typeof chunk === 'string' ? chunk : chunk.type));
}

function chunksOf<T extends UIMessageChunk['type']>(
  received: readonly ReceivedChunk[],
  type: T,
): Extract<UIMessageChunk, { type: T }>[] {
  return received
    .map(({ chunk }) => chunk)
    .filter((chunk): chunk is Extract<UIMessageChunk, { type: T }> => {
      return typeof chunk !== 'string' && chunk.type === type;
    });
}

/**
 * The chat API over a real socket, against one storage implementation. Run for in-memory
 * PGlite and for the real PostgreSQL server.
 */
export function describeChatApi(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`chat API (${name})`, () => {
    let storage: StorageV1;
    let acme: Tenant;
    let globex: Tenant;
    // One model whose pace and gate each test sets.
    let gate: ReturnType<typeof createGate> | undefined;
    let delayMs = 0;
    const model = createPacedLanguageModel({
      wordByWord: true,
      get delayMs() {
        return delayMs;
      },
      gate: { wait: async () => gate?.wait() },
    });
    const registry: ChatStreamRegistry = createMemoryChatStreamRegistry();
    let server: Awaited<ReturnType<typeof startChatServer>>;

    beforeAll(async () => {
      storage = await openStorage();
      acme = await createTestTenant(storage, 'Acme');
      globex = await createTestTenant(storage, 'Globex');
      server = await startChatServer({ storage, languageModel: model, chat: { registry } });
      const report = await server.knowledgeBases
        .forTenant(storage, acme.tenant.id)
        .ingest(helpCentre);
      expect(report.totals.added).toBe(helpCentre.length);
    });

    afterAll(async () => {
      await server?.close();
    });

    const headers = widgetHeaders;

    const createConversation = async (
      tenant: Tenant,
      options: { visitor?: string; customer?: string } = {},
    ): Promise<string> => {
      const response = await fetch(`${server.url}/api/conversations`, {
        method: 'POST',
        headers: headers(tenant, options),
        body: '{}',
      });
      expect(response.status).toBe(201);
      const body = (await response.json()) as { conversation: { id: string } };
      return body.conversation.id;
    };

    const send = (
      tenant: Tenant,
      conversationId: string,
      text: string,
      options: { visitor?: string; customer?: string; signal?: AbortSignal } = {},
    ) =>
      fetch(`${server.url}/api/conversations/${conversationId}/messages`, {
        method: 'POST',
        headers: headers(tenant, options),
        body: JSON.stringify({ text }),
        ...(options.signal ? { signal: options.signal } : {}),
      });

    const storedMessages = (tenant: Tenant, conversationId: string) =>
      storage.messages.list({ tenantId: tenant.tenant.id, conversationId });

    it('streams a reply as the UI message stream: incremental text, citations, confidence', async () => {
      delayMs = 15;
      gate = undefined;
      const conversationId = await createConversation(acme, { visitor: 'visitor-stream' });
      const response = await send(acme, conversationId, 'How do I change the card on file?', {
        visitor: 'visitor-stream',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      const received = await readChunks(response);

      const sequence = types(received);
      expect(sequence.slice(0, 3)).toEqual(['start', 'start-step', 'text-start']);
      expect(sequence.slice(-4)).toEqual(['data-confidence', 'finish-step', 'finish', '[DONE]']);
      expect(sequence.indexOf('text-end')).toBeLessThan(sequence.indexOf('data-confidence'));

      // Incremental: several text deltas, arriving over time, not in one burst.
      const deltas = received.filter(
        ({ chunk }) => typeof chunk !== 'string' && chunk.type === 'text-delta',
      );
      expect(deltas.length).toBeGreaterThanOrEqual(3);
      expect(deltas.at(-1)!.at - deltas[0]!.at).toBeGreaterThan(30);
      const text = textOf(received);
      expect(text).toMatch(/Update card/);

      const sources = chunksOf(received, 'source-url');
      expect(sources.length).toBeGreaterThanOrEqual(1);
      expect(sources[0]).toMatchObject({ url: 'raw:update-card', title: 'Update your card' });
      const [confidence] = chunksOf(received, 'data-confidence');
      expect(confidence!.data.score).toBeGreaterThan(0);
      expect(confidence!.data.score).toBeLessThanOrEqual(1);
      expect(typeof confidence!.data.escalate).toBe('boolean');
      const start = chunksOf(received, 'start')[0]!;
      expect(start.messageMetadata).toEqual({ conversationId });

      // Stored: the user message, then the answer with its score, type and retrievals.
      const messages = await storedMessages(acme, conversationId);
      expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
      const answer = messages[1]!;
      expect(answer.id).toBe(start.messageId);
      expect(answer.content).toBe(text);
      expect(answer.confidenceScore).toBeCloseTo(confidence!.data.score, 10);
      expect(answer.queryType).toBe('docs');
      expect(answer.metadata.citations).toEqual(
        sources.map(({ sourceId, url, title }) => ({ sourceId, url, title })),
      );
      const retrievals = await storage.retrievals.listByMessage({
        tenantId: acme.tenant.id,
        messageId: answer.id,
      });
      expect(retrievals.length).toBeGreaterThanOrEqual(1);
      expect(retrievals.map((retrieval) => retrieval.rankPosition)).toEqual(
        retrievals.map((_, index) => index + 1),
      );
      expect(retrievals.map((retrieval) => retrieval.chunkId)).toContain(sources[0]!.sourceId);
      const conversation = await storage.conversations.get({
        tenantId: acme.tenant.id,
        id: conversationId,
      });
      expect(conversation!.lastActivity.getTime()).toBe(answer.timestamp.getTime());

      // The conversation as its owner reads it, parts shaped like a UIMessage.
      const view = await fetch(`${server.url}/api/conversations/${conversationId}`, {
        headers: headers(acme, { visitor: 'visitor-stream' }),
      });
      expect(view.status).toBe(200);
      const body = (await view.json()) as {
        messages: { role: string; state: string; parts: { type: string }[] }[];
        streaming: boolean;
      };
      expect(body.streaming).toBe(false);
      expect(body.messages[1]).toMatchObject({ role: 'assistant', state: 'complete' });
      expect(body.messages[1]!.parts.map((part) => part.type)).toEqual([
        'text',
        ...sources.map(() => 'source-url'),
        'data-confidence',
      ]);
    });

    it('coalesces a token-by-token model into a few writes', async () => {
      delayMs = 0;
      gate = undefined;
      const conversationId = await createConversation(acme, { visitor: 'visitor-batch' });
      const received = await readChunks(
        await send(acme, conversationId, 'How are refunds sent and how long do they take?', {
          visitor: 'visitor-batch',
        }),
      );
      const text = textOf(received);
      const words = text.split(/\s+/).length;
      const deltas = chunksOf(received, 'text-delta').length;
      expect(words).toBeGreaterThan(10);
      expect(deltas).toBeLessThan(words / 3);
    });

    it('stores the customer message before the model is called', async () => {
      delayMs = 0;
      gate = createGate();
      const calls = model.calls;
      const conversationId = await createConversation(acme, { visitor: 'visitor-before' });
      const response = await send(acme, conversationId, 'Where do I verify webhook signatures?', {
        visitor: 'visitor-before',
      });
      expect(response.status).toBe(200);
      const current = gate;
      await waitFor(() => current.waiting > 0);
      expect(model.calls).toBe(calls + 1);
      // The model is blocked: the message is already stored, the answer is not.
      const meanwhile = await storedMessages(acme, conversationId);
      expect(meanwhile.map((message) => [message.role, message.content])).toEqual([
        ['user', 'Where do I verify webhook signatures?'],
      ]);
      current.open();
      const received = await readChunks(response);
      expect(types(received).at(-2)).toBe('finish');
      expect((await storedMessages(acme, conversationId)).length).toBe(2);
      gate = undefined;
    });

    it('a new message stops the reply still streaming, which is kept, then answers', async () => {
      delayMs = 0;
      gate = createGate();
      const conversationId = await createConversation(acme, { visitor: 'visitor-busy' });
      const first = await send(acme, conversationId, 'How do refunds work?', {
        visitor: 'visitor-busy',
      });
      const current = gate;
      await waitFor(() => current.waiting > 0);
      gate = undefined;
      // The first reply is stopped before the model wrote anything: no answer is stored.
      const second = await send(acme, conversationId, 'How are refunds sent?', {
        visitor: 'visitor-busy',
      });
      expect(second.status).toBe(200);
      current.open();
      const [firstChunks, secondChunks] = await Promise.all([
        readChunks(first),
        readChunks(second),
      ]);
      expect(types(firstChunks).slice(-2)).toEqual(['abort', '[DONE]']);
      expect(types(secondChunks).slice(-2)).toEqual(['finish', '[DONE]']);
      expect(
        (await storedMessages(acme, conversationId)).map((message) => [
          message.role,
          message.role === 'user' ? message.content : textOf(secondChunks),
        ]),
      ).toEqual([
        ['user', 'How do refunds work?'],
        ['user', 'How are refunds sent?'],
        ['assistant', textOf(secondChunks)],
      ]);
    });

    it('stops a reply: the stream ends cleanly and the partial answer is kept', async () => {
      delayMs = 60;
      gate = undefined;
      const conversationId = await createConversation(acme, { visitor: 'visitor-stop' });
      const response = await send(
        acme,
        conversationId,
        'How do I change the card on file and when is the new card charged?',
        { visitor: 'visitor-stop' },
      );
      let stopped: Promise<Response> | undefined;
      const received = await readChunks(response, (_chunk, all) => {
        if (!stopped && chunksOf(all, 'text-delta').length >= 2) {
          stopped = fetch(`${server.url}/api/conversations/${conversationId}/stop`, {
            method: 'POST',
            headers: headers(acme, { visitor: 'visitor-stop' }),
          });
        }
      });
      const stopResponse = await stopped!;
      expect(stopResponse.status).toBe(200);
      expect(await stopResponse.json()).toEqual({ stopped: true });
      expect(types(received).slice(-4)).toEqual(['text-end', 'finish-step', 'abort', '[DONE]']);
      const partial = textOf(received);
      expect(partial.length).toBeGreaterThan(0);

      const messages = await storedMessages(acme, conversationId);
      expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
      expect(messages[1]!.content).toBe(partial);
      expect(messages[1]!.metadata.state).toBe('stopped');
      expect(messages[1]!.confidenceScore).toBeUndefined();
      // Nothing left to stop.
      const again = await fetch(`${server.url}/api/conversations/${conversationId}/stop`, {
        method: 'POST',
        headers: headers(acme, { visitor: 'visitor-stop' }),
      });
      expect(await again.json()).toEqual({ stopped: false });
    });

    it('keeps generating after the connection drops; resuming replays the whole message', async () => {
      delayMs = 25;
      gate = undefined;
      const conversationId = await createConversation(acme, { visitor: 'visitor-resume' });
      const abortController = new AbortController();
      const response = await send(
        acme,
        conversationId,
        'How do I change the card on file and when is the new card charged?',
        { visitor: 'visitor-resume', signal: abortController.signal },
      );
      const before: ReceivedChunk[] = [];
      await readChunks(response, (_chunk, all) => {
        before.splice(0, before.length, ...all);
        if (chunksOf(all, 'text-delta').length >= 2) abortController.abort();
      }).catch(() => undefined);
      expect(abortController.signal.aborted).toBe(true);
      expect(types(before)).not.toContain('finish');

      const resumed = await fetch(`${server.url}/api/chat/${conversationId}/stream`, {
        headers: headers(acme, { visitor: 'visitor-resume' }),
      });
      expect(resumed.status).toBe(200);
      expect(resumed.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      const replay = await readChunks(resumed);
      expect(types(replay).slice(0, 2)).toEqual(['start', 'start-step']);
      expect(types(replay).slice(-3)).toEqual(['finish-step', 'finish', '[DONE]']);
      expect(chunksOf(replay, 'start')[0]!.messageId).toBe(chunksOf(before, 'start')[0]!.messageId);
      const text = textOf(replay);
      expect(text.startsWith(textOf(before))).toBe(true);
      expect(text.length).toBeGreaterThan(textOf(before).length);

      const messages = await storedMessages(acme, conversationId);
      expect(messages[1]!.content).toBe(text);
      expect(messages[1]!.metadata.state).toBeUndefined();

      // Nothing streaming any more: 204, as the AI SDK expects.
      const none = await fetch(`${server.url}/api/chat/${conversationId}/stream`, {
        headers: headers(acme, { visitor: 'visitor-resume' }),
      });
      expect(none.status).toBe(204);
    });

    it("lists a verified customer's conversations across devices, and no one else's", async () => {
      delayMs = 0;
      gate = undefined;
      const phone = { customer: 'customer-ann', visitor: 'device-phone' };
      const laptop = { customer: 'customer-ann', visitor: 'device-laptop' };
      const first = await createConversation(acme, phone);
      const second = await createConversation(acme, laptop);
      const other = await createConversation(acme, { customer: 'customer-bob' });
      const anonymous = await createConversation(acme, { visitor: 'device-phone' });
      await readChunks(await send(acme, first, 'How do refunds work?', phone));

      // Two devices, one signed customer token (the JWT the tenant's backend issues).
      const token = await signCustomerToken({
        tenantId: acme.tenant.id,
        customerId: 'customer-ann',
        secret: acme.identitySecret,
      });
      for (const device of ['device-phone', 'device-laptop']) {
        const response = await fetch(`${server.url}/api/conversations`, {
          headers: { ...headers(acme, { visitor: device }), [customerTokenHeader]: token },
        });
        expect(response.status).toBe(200);
        const body = (await response.json()) as { conversations: { id: string }[] };
        // Newest activity first: the conversation with a reply moved ahead.
        expect(body.conversations.map((conversation) => conversation.id)).toEqual([first, second]);
        expect(body.conversations.map((c) => c.id)).not.toContain(other);
        expect(body.conversations.map((c) => c.id)).not.toContain(anonymous);
      }

      // Paging.
      const page = await fetch(`${server.url}/api/conversations?limit=1`, {
        headers: headers(acme, laptop),
      });
      expect(await page.json()).toEqual({
        conversations: [expect.objectContaining({ id: first })],
        nextOffset: 1,
      });

      // The other device opens the conversation; another customer cannot.
      const opened = await fetch(`${server.url}/api/conversations/${first}`, {
        headers: headers(acme, laptop),
      });
      expect(opened.status).toBe(200);
      const denied = await fetch(`${server.url}/api/conversations/${first}`, {
        headers: headers(acme, { customer: 'customer-bob' }),
      });
      expect(denied.status).toBe(404);
      const anonymousView = await fetch(`${server.url}/api/conversations/${first}`, {
        headers: headers(acme, { visitor: 'device-phone' }),
      });
      expect(anonymousView.status).toBe(404);

      // Without a verified identity: 403; without a key: 401.
      const unverified = await fetch(`${server.url}/api/conversations`, {
        headers: headers(acme, { visitor: 'device-phone' }),
      });
      expect(unverified.status).toBe(403);
      expect(((await unverified.json()) as { error: { code: string } }).error.code).toBe(
        'forbidden',
      );
      const forged = await fetch(`${server.url}/api/conversations`, {
        headers: { ...headers(acme), [customerTokenHeader]: `${token.slice(0, -4)}AAAA` },
      });
      expect(forged.status).toBe(401);
      const noKey = await fetch(`${server.url}/api/conversations`);
      expect(noKey.status).toBe(401);
      expect(((await noKey.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
      // A secret key names the customer.
      const bySecret = await fetch(`${server.url}/api/conversations?customerId=customer-ann`, {
        headers: headers(acme, { secret: true }),
      });
      expect(
        ((await bySecret.json()) as { conversations: { id: string }[] }).conversations.map(
          (conversation) => conversation.id,
        ),
      ).toEqual([first, second]);
    });

    it('pages a long conversation from its newest messages back', async () => {
      const visitor = 'visitor-pages';
      const conversationId = await createConversation(acme, { visitor });
      const other = await createConversation(acme, { visitor });
      for (let index = 1; index <= 7; index += 1) {
        await storage.messages.create({
          tenantId: acme.tenant.id,
          conversationId,
          role: index % 2 === 1 ? 'user' : 'assistant',
          content: `message ${index}`,
          timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, index)),
        });
      }
      const elsewhere = await storage.messages.create({
        tenantId: acme.tenant.id,
        conversationId: other,
        role: 'user',
        content: 'In another conversation of the same visitor.',
      });
      const read = async (query: string) => {
        const response = await fetch(`${server.url}/api/conversations/${conversationId}${query}`, {
          headers: headers(acme, { visitor }),
        });
        return {
          status: response.status,
          body: (await response.json()) as {
            messages?: { content: string }[];
            nextBefore?: string;
            error?: { code: string; message: string };
          },
        };
      };
      const contents = (body: { messages?: { content: string }[] }) =>
        body.messages?.map((message) => message.content);

      // Without a query: every message (up to 1,000), oldest first, nothing older.
      const all = await read('');
      expect(contents(all.body)).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `message ${n}`));
      expect(all.body.nextBefore).toBeUndefined();
      // Pages of 3 from the newest end, each oldest first, then back by nextBefore.
      const newest = await read('?limit=3');
      expect(contents(newest.body)).toEqual(['message 5', 'message 6', 'message 7']);
      expect(newest.body.nextBefore).toBeDefined();
      const middle = await read(`?limit=3&before=${newest.body.nextBefore}`);
      expect(contents(middle.body)).toEqual(['message 2', 'message 3', 'message 4']);
      const oldest = await read(`?limit=3&before=${middle.body.nextBefore}`);
      expect(contents(oldest.body)).toEqual(['message 1']);
      expect(oldest.body.nextBefore).toBeUndefined();
      // A page that ends exactly at the first message has nothing before it.
      const exact = await read('?limit=7');
      expect(contents(exact.body)).toHaveLength(7);
      expect(exact.body.nextBefore).toBeUndefined();

      // Bad pages: a 400 that says what to send.
      const foreign = await read(`?before=${elsewhere.id}`);
      expect(foreign.status).toBe(400);
      expect(foreign.body.error?.message).toMatch(/before: is not a message of this conversation/);
      for (const query of ['?limit=0', '?limit=1001', '?limit=two', '?before=']) {
        const bad = await read(query);
        expect(bad.status, query).toBe(400);
        expect(bad.body.error?.code, query).toBe('validation_failed');
      }
    });

    it("answers 404 for another tenant's conversation, whatever the route", async () => {
      const mine = await createConversation(acme, { visitor: 'visitor-tenant' });
      const theirs = { visitor: 'visitor-tenant' };
      const requests: [string, string, string?][] = [
        ['GET', `/api/conversations/${mine}`],
        ['POST', `/api/conversations/${mine}/messages`, JSON.stringify({ text: 'Hello' })],
        ['POST', `/api/conversations/${mine}/stop`],
        ['GET', `/api/chat/${mine}/stream`],
      ];
      for (const [method, path, body] of requests) {
        const response = await fetch(`${server.url}${path}`, {
          method,
          headers: headers(globex, theirs),
          ...(body ? { body } : {}),
        });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
          'not_found',
        );
      }
      expect(await storedMessages(acme, mine)).toEqual([]);
    });

    it('refuses bad input with a 4xx JSON error and stores nothing', async () => {
      const visitor = { visitor: 'visitor-bad' };
      const conversationId = await createConversation(acme, visitor);
      const url = `${server.url}/api/conversations/${conversationId}/messages`;
      const cases: { body: string; contentType?: string; status: number; code: string }[] = [
        { body: '{"text": "unterminated', status: 400, code: 'validation_failed' },
        { body: '{"text": "   "}', status: 400, code: 'validation_failed' },
        { body: '{}', status: 400, code: 'validation_failed' },
        { body: '{"text": 42}', status: 400, code: 'validation_failed' },
        { body: '{"text": "hi", "extra": true}', status: 400, code: 'validation_failed' },
        {
          body: JSON.stringify({ text: 'x'.repeat(4001) }),
          status: 400,
          code: 'validation_failed',
        },
        {
          body: JSON.stringify({ text: 'x'.repeat(100_000) }),
          status: 413,
          code: 'payload_too_large',
        },
        { body: 'text=hi', contentType: 'text/plain', status: 415, code: 'unsupported_media_type' },
      ];
      for (const testCase of cases) {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            ...headers(acme, visitor),
            ...(testCase.contentType ? { 'content-type': testCase.contentType } : {}),
          },
          body: testCase.body,
        });
        expect(response.status, testCase.body.slice(0, 40)).toBe(testCase.status);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe(testCase.code);
        expect(body.error.message.length).toBeGreaterThan(10);
        expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
      }
      // The AI SDK endpoint too.
      const chatCases: unknown[] = [
        {
          id: 'bad id!',
          messages: [{ id: 'm', role: 'user', parts: [{ type: 'text', text: 'hi' }] }],
        },
        { id: 'chat-bad-1', messages: [] },
        {
          id: 'chat-bad-2',
          messages: [{ id: 'm', role: 'assistant', parts: [{ type: 'text', text: 'hi' }] }],
        },
        {
          id: 'chat-bad-3',
          messages: [{ id: 'm', role: 'user', parts: [{ type: 'file', url: 'x' }] }],
        },
        { id: 'chat-bad-4', messages: [{ id: 'm', role: 'user', parts: 'hi' }] },
      ];
      for (const chatCase of chatCases) {
        const response = await fetch(`${server.url}/api/chat`, {
          method: 'POST',
          headers: headers(acme, visitor),
          body: JSON.stringify(chatCase),
        });
        expect(response.status, JSON.stringify(chatCase)).toBe(400);
        expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
          'validation_failed',
        );
      }
      expect(await storedMessages(acme, conversationId)).toEqual([]);
      for (const id of ['chat-bad-1', 'chat-bad-2', 'chat-bad-3', 'chat-bad-4']) {
        expect(await storage.conversations.get({ tenantId: acme.tenant.id, id })).toBeUndefined();
      }
      // A conversation without an owner to tie it to.
      const ownerless = await fetch(`${server.url}/api/conversations`, {
        method: 'POST',
        headers: headers(acme),
      });
      expect(ownerless.status).toBe(400);
    });

    it('counts each turn against the monthly quota: past it, 429 and nothing stored', async () => {
      delayMs = 0;
      gate = undefined;
      const small = await createTestTenant(storage, 'Small', { usageQuota: 1 });
      const visitor = { visitor: 'visitor-quota' };
      const conversationId = await createConversation(small, visitor);
      const first = await send(small, conversationId, 'Hello there', visitor);
      expect(first.status).toBe(200);
      await readChunks(first);
      const second = await send(small, conversationId, 'Hello again', visitor);
      expect(second.status).toBe(429);
      expect(((await second.json()) as { error: { code: string } }).error.code).toBe(
        'quota_exceeded',
      );
      expect((await storedMessages(small, conversationId)).map((m) => m.content)).toEqual([
        'Hello there',
        expect.any(String),
      ]);
    });

    it('asks an anonymous visitor to sign in for their own billing, and answers a verified one', async () => {
      delayMs = 0;
      gate = undefined;
      const visitor = { visitor: 'visitor-billing' };
      const anonymous = await createConversation(acme, visitor);
      const received = await readChunks(
        await send(acme, anonymous, 'Why was my card charged twice?', visitor),
      );
      expect(textOf(received)).toBe(signInRequiredAnswer);
      expect(chunksOf(received, 'data-identity-required')[0]!.data.reason).toBe('billing');
      const messages = await storedMessages(acme, anonymous);
      expect(messages.map((message) => message.queryType)).toEqual(['billing', 'billing']);

      const verified = { customer: 'customer-billing' };
      const own = await createConversation(acme, verified);
      const answer = await readChunks(
        await send(acme, own, 'Why was my card charged twice?', verified),
      );
      expect(textOf(answer)).not.toBe(signInRequiredAnswer);
      expect(chunksOf(answer, 'data-identity-required')).toEqual([]);
      expect(types(answer)).toContain('data-confidence');
    });

    it('POST /api/chat maps the chat id to a conversation and answers the last user message', async () => {
      delayMs = 0;
      gate = undefined;
      const visitor = { visitor: 'visitor-chat' };
      const chatId = `chat-${Date.now()}`;
      const body = {
        id: chatId,
        trigger: 'submit-message',
        messages: [
          {
            id: 'user-1',
            role: 'user',
            parts: [{ type: 'text', text: 'How long do refunds take?' }],
          },
        ],
      };
      const response = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: headers(acme, visitor),
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      const received = await readChunks(response);
      expect(textOf(received)).toMatch(/business days/);
      const messages = await storedMessages(acme, chatId);
      expect(messages[0]).toMatchObject({
        role: 'user',
        content: 'How long do refunds take?',
        metadata: { clientMessageId: 'user-1' },
      });
      // Someone else cannot post into it.
      const intruder = await fetch(`${server.url}/api/chat`, {
        method: 'POST',
        headers: headers(acme, { visitor: 'visitor-intruder' }),
        body: JSON.stringify(body),
      });
      expect(intruder.status).toBe(404);
      expect((await storedMessages(acme, chatId)).length).toBe(2);
    });
  });
}
