import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPacedLanguageModel,
  createTestTenant,
  helpCentre,
  readChunks,
  type TestTenant,
  textOf,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import { createAtRiskCustomer } from '../recovery/recovery-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import {
  adminTokenFor,
  bearer,
  readServerEvents,
  startConsoleServer,
} from './console-test-helpers.js';

describe('live conversations: list, transcript, events, takeover (PGlite)', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  let other: TestTenant;
  let server: Awaited<ReturnType<typeof startConsoleServer>>;
  const model = createPacedLanguageModel();
  let agent: string;
  let events: ReturnType<typeof readServerEvents>;
  const visitor = { visitor: 'visitor-0001' };

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    other = await createTestTenant(storage, 'Globex');
    server = await startConsoleServer({ storage, languageModel: model });
    await server.knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(helpCentre);
    agent = await adminTokenFor(storage, tenant.tenant.id, 'support-agent', 'Ada Agent');
    const response = await fetch(
      `${server.url}/api/admin/events?access_token=${encodeURIComponent(agent)}`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    events = readServerEvents(response);
  });

  afterAll(async () => {
    await events?.close();
    await server?.close();
    await storage?.close();
  });

  const admin = (path: string, init: RequestInit = {}, token = agent) =>
    fetch(`${server.url}${path}`, { ...init, headers: bearer(token) });
  const startConversation = async (who: TestTenant = tenant) => {
    const response = await fetch(`${server.url}/api/conversations`, {
      method: 'POST',
      headers: widgetHeaders(who, visitor),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { conversation: { id: string } }).conversation.id;
  };
  const say = (conversationId: string, text: string) =>
    fetch(`${server.url}/api/conversations/${conversationId}/messages`, {
      method: 'POST',
      headers: widgetHeaders(tenant, visitor),
      body: JSON.stringify({ text }),
    });

  it('lists conversations and their transcript, and streams their events to the tenant only', async () => {
    const foreign = await startConversation(other);
    const id = await startConversation();
    const created = await events.next(
      (event) => event.event === 'conversation.created' && event.data.conversationId === id,
    );
    expect(created.data).toMatchObject({ kind: 'support' });
    expect(events.events.some((event) => event.data.conversationId === foreign)).toBe(false);
    expect(events.comments).toContain('connected');

    const reply = await say(id, 'How do I update my card?');
    expect(textOf(await readChunks(reply)).length).toBeGreaterThan(0);
    await events.next(
      (event) =>
        event.event === 'message.created' &&
        event.data.conversationId === id &&
        event.data.role === 'user' &&
        event.data.text === 'How do I update my card?',
    );
    await events.next(
      (event) =>
        event.event === 'message.created' &&
        event.data.conversationId === id &&
        event.data.role === 'assistant',
    );

    const list = await admin('/api/admin/conversations?kind=support&limit=1');
    expect(list.status).toBe(200);
    const page = (await list.json()) as {
      conversations: {
        id: string;
        kind: string;
        visitorId: string;
        lastMessage: { role: string };
      }[];
      nextCursor: string | null;
    };
    expect(page.conversations).toEqual([
      expect.objectContaining({
        id,
        kind: 'support',
        visitorId: 'visitor-0001',
        operator: null,
        lastMessage: expect.objectContaining({ role: 'assistant' }),
      }),
    ]);
    expect(page.nextCursor).toBeNull();

    const transcript = await admin(`/api/admin/conversations/${id}`);
    const body = (await transcript.json()) as { messages: { role: string; text: string }[] };
    expect(body.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(body.messages[0]!.text).toBe('How do I update my card?');

    const foreignTranscript = await admin(`/api/admin/conversations/${foreign}`);
    expect(foreignTranscript.status).toBe(404);
  });

  it('lets an operator take over, reply live into the waiting turn, and hand back', async () => {
    const id = await startConversation();
    const callsBefore = model.calls;
    const takeover = await admin(`/api/admin/conversations/${id}/takeover`, { method: 'POST' });
    expect(takeover.status).toBe(200);
    expect(await takeover.json()).toMatchObject({
      conversation: { id, operator: { name: 'Ada Agent' } },
    });
    await events.next(
      (event) =>
        event.event === 'conversation.updated' &&
        event.data.conversationId === id &&
        (event.data.operator as { name?: string } | null)?.name === 'Ada Agent',
    );

    // The customer writes: no model runs, the reply waits for the operator.
    const waiting = say(id, 'Can a person help me?');
    await events.next(
      (event) =>
        event.event === 'message.created' &&
        event.data.conversationId === id &&
        event.data.text === 'Can a person help me?',
    );
    const posted = await admin(`/api/admin/conversations/${id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Hi, Ada here: I have fixed your invoice.' }),
    });
    expect(posted.status).toBe(201);
    const chunks = await readChunks(await waiting);
    expect(textOf(chunks)).toBe('Hi, Ada here: I have fixed your invoice.');
    expect(chunks.map(({ chunk }) => chunk)).toContainEqual(
      expect.objectContaining({
        type: 'data-operator',
        data: { name: 'Ada Agent', status: 'replied' },
      }),
    );
    expect(chunks.at(-1)!.chunk).toBe('[DONE]');
    expect(model.calls).toBe(callsBefore);

    // The widget's own view labels the operator's message.
    const view = await fetch(`${server.url}/api/conversations/${id}`, {
      headers: widgetHeaders(tenant, visitor),
    });
    const { messages } = (await view.json()) as {
      messages: { role: string; content: string; author?: { kind: string; name: string } }[];
    };
    expect(messages.at(-1)).toMatchObject({
      role: 'assistant',
      content: 'Hi, Ada here: I have fixed your invoice.',
      author: { kind: 'operator', name: 'Ada Agent' },
    });
    const transcript = (await (await admin(`/api/admin/conversations/${id}`)).json()) as {
      messages: { role: string; author?: { name: string } }[];
    };
    expect(transcript.messages.map((message) => message.role)).toEqual(['user', 'operator']);
    expect(transcript.messages[1]!.author).toMatchObject({ name: 'Ada Agent' });

    // Handing back ends a waiting turn ("waiting": the reply comes later) ...
    const second = say(id, 'One more thing');
    await events.next(
      (event) => event.event === 'message.created' && event.data.text === 'One more thing',
    );
    const handback = await admin(`/api/admin/conversations/${id}/handback`, { method: 'POST' });
    expect(handback.status).toBe(200);
    const ended = await readChunks(await second);
    expect(ended.map(({ chunk }) => chunk)).toContainEqual(
      expect.objectContaining({
        type: 'data-operator',
        data: { name: 'Ada Agent', status: 'waiting' },
      }),
    );
    expect(textOf(ended)).toBe('');
    // ... and the assistant answers again.
    const answered = await readChunks(await say(id, 'How do refunds work?'));
    expect(textOf(answered).length).toBeGreaterThan(0);
    expect(model.calls).toBe(callsBefore + 1);
  });

  it('refuses what a role may not do, bad input, and another tenant’s ids', async () => {
    const id = await startConversation();
    const developer = await adminTokenFor(storage, tenant.tenant.id, 'developer');
    const supervisor = await adminTokenFor(storage, tenant.tenant.id, 'supervisor');
    expect((await admin('/api/admin/conversations', {}, developer)).status).toBe(403);
    const refused = await admin(
      `/api/admin/conversations/${id}/takeover`,
      { method: 'POST' },
      developer,
    );
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: { code: 'forbidden' } });
    expect((await admin('/api/admin/conversations', {}, supervisor)).status).toBe(200);
    expect((await fetch(`${server.url}/api/admin/events?access_token=${developer}`)).status).toBe(
      403,
    );

    const early = await admin(`/api/admin/conversations/${id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: 'Hello' }),
    });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(
      /takeover/,
    );
    await admin(`/api/admin/conversations/${id}/takeover`, { method: 'POST' });
    const empty = await admin(`/api/admin/conversations/${id}/messages`, {
      method: 'POST',
      body: JSON.stringify({ text: '   ' }),
    });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toMatch(/text/);
    const badQuery = await admin('/api/admin/conversations?status=sleeping');
    expect(badQuery.status).toBe(400);

    const foreign = await startConversation(other);
    for (const path of ['takeover', 'handback']) {
      const response = await admin(`/api/admin/conversations/${foreign}/${path}`, {
        method: 'POST',
      });
      expect(response.status).toBe(404);
    }
    const otherAgent = await adminTokenFor(storage, other.tenant.id, 'support-agent');
    const cross = await admin(`/api/admin/conversations/${id}`, {}, otherAgent);
    expect(cross.status).toBe(404);

    const keyInUrl = await fetch(`${server.url}/api/admin/events?access_token=${tenant.secretKey}`);
    expect(keyInUrl.status).toBe(400);
    expect(((await keyInUrl.json()) as { error: { message: string } }).error.message).toMatch(
      /Authorization header/,
    );
  });

  it('streams escalations and their status changes', async () => {
    const id = await startConversation();
    const escalate = await fetch(`${server.url}/api/conversations/${id}/escalate`, {
      method: 'POST',
      headers: widgetHeaders(tenant, visitor),
      body: JSON.stringify({ reason: 'customer_request' }),
    });
    expect(escalate.status).toBe(201);
    const created = await events.next(
      (event) => event.event === 'escalation.created' && event.data.conversationId === id,
    );
    const resolved = await admin(`/api/escalations/${created.data.escalationId}`, {
      method: 'PATCH',
      body: JSON.stringify({ status: 'resolved' }),
    });
    expect(resolved.status).toBe(200);
    const updated = await events.next(
      (event) => event.event === 'escalation.updated' && event.data.conversationId === id,
    );
    expect(updated.data).toMatchObject({ status: 'resolved' });
  });

  it('shows an intervention live as a recovery conversation, on the list and the customer page', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_live', name: 'Lena Live', amount: 79 });
    const started = await admin('/api/interventions', {
      method: 'POST',
      body: JSON.stringify({ customerIds: ['cust_live'] }),
    });
    expect(started.status).toBe(201);
    const { interventions } = (await started.json()) as {
      interventions: { conversationId: string }[];
    };
    const id = interventions[0]!.conversationId;
    const created = await events.next(
      (event) => event.event === 'conversation.created' && event.data.conversationId === id,
    );
    expect(created.data).toMatchObject({ kind: 'recovery', customerId: 'cust_live' });
    const list = (await (await admin('/api/admin/conversations?kind=recovery')).json()) as {
      conversations: { id: string; customer: { name: string } | null; lastMessage: unknown }[];
    };
    expect(list.conversations[0]).toMatchObject({
      id,
      customer: { id: 'cust_live', name: 'Lena Live' },
      lastMessage: expect.objectContaining({ role: 'assistant' }),
    });
    const page = (await (await admin('/api/customers/cust_live')).json()) as {
      customer: { lastInterventionAt: string | null };
      invoices: { status: string; amountDueCents: number }[];
      conversations: { id: string; kind: string }[];
    };
    expect(page.customer.lastInterventionAt).not.toBeNull();
    expect(page.conversations).toEqual([expect.objectContaining({ id, kind: 'recovery' })]);
    expect(page.invoices).toEqual([
      expect.objectContaining({ status: 'open', amountDueCents: 7900 }),
    ]);
  });
});
