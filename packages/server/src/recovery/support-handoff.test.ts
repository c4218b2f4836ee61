import { createSandboxPaymentProvider, type SandboxPaymentProvider } from '@churn/core';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  chatClient,
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  type TestTenant,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../chat/knowledge-base-cache.js';
import type { DataUIMessageChunk } from '../chat/ui-message-chunk.js';
import type { Database } from '../storage/database.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { recoveryStateOf } from './recovery-records.js';
import {
  createAtRiskCustomer,
  createManualClock,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from './recovery-test-helpers.js';

type Storage = Awaited<ReturnType<typeof createPGliteStorage>>;
type Caller = Parameters<typeof widgetHeaders>[1];

/** A stored message as `GET /api/conversations/:id` answers it. */
interface StoredMessageView {
  role: string;
  content: string;
  parts: { type: string; data?: unknown }[];
}

/** The `data-recovery` parts of each stored message, in order. */
function storedRecoveryParts(messages: readonly StoredMessageView[]): unknown[][] {
  return messages.map((message) =>
    message.parts.filter((part) => part.type === 'data-recovery').map((part) => part.data),
  );
}

/** The `data-<name>` parts of a reply. */
function dataParts(
  chunks: readonly ReceivedChunk[],
  type: DataUIMessageChunk['type'],
): Record<string, unknown>[] {
  return chunks.flatMap(({ chunk }) =>
    typeof chunk !== 'string' && chunk.type === type && 'data' in chunk ? [{ ...chunk.data }] : [],
  );
}

describe('a billing question of a verified at-risk customer in a support chat', () => {
  let storage: Storage;
  let tenant: TestTenant;
  let sandbox: SandboxPaymentProvider;
  let server: Awaited<ReturnType<typeof startRecoveryServer>>;
  let client: ReturnType<typeof recoveryClient>;
  const time = createManualClock(new Date('2026-11-20T12:00:00Z'));

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    sandbox = createSandboxPaymentProvider({ clock: time.clock });
    const knowledgeBases = createKnowledgeBaseCache();
    server = await startRecoveryServer({
      storage,
      payments: { provider: () => sandbox, clock: time.clock },
      chat: { knowledgeBases },
    });
    client = recoveryClient(server.url, tenant);
    await knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(helpCentre);
  });

  afterAll(async () => {
    await server?.close();
  });

  /** Starts a support conversation as the widget does (customer token, else a visitor id). */
  const startSupport = async (who: Caller) => {
    const id = await chatClient(server.url, tenant).start(who);
    const stored = await storage.conversations.get({ tenantId: tenant.tenant.id, id });
    expect(stored!.purpose).toBe('support');
    return id;
  };

  const ask = (id: string, who: Caller, text: string) =>
    chatClient(server.url, tenant).ask(id, who, text);

  const recoveryConversationsOf = (customerId: string) =>
    storage.conversations.list({
      tenantId: tenant.tenant.id,
      purpose: 'recovery',
      customerId,
      limit: 20,
    });

  it('hands the customer to the card update, once, and the card update pays the invoice', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_ada', name: 'Ada Lovelace' });
    const supportId = await startSupport({ customer: 'cust_ada' });

    const reply = await ask(
      supportId,
      { customer: 'cust_ada' },
      'My payment failed, can I update my card?',
    );
    expect(reply.text).toMatch(/card update/i);
    const [handoff, ...more] = dataParts(reply.chunks, 'data-recovery');
    expect(more).toEqual([]);
    const recoveryId = handoff!.conversationId as string;
    expect(typeof recoveryId).toBe('string');
    expect(recoveryId).not.toBe(supportId);
    const finish = reply.chunks.find(
      ({ chunk }) => typeof chunk !== 'string' && chunk.type === 'finish',
    );
    expect(finish).toBeDefined();

    // The named conversation is the customer's recovery session, started by their question.
    const stored = await storage.conversations.get({ tenantId: tenant.tenant.id, id: recoveryId });
    expect(stored).toMatchObject({ purpose: 'recovery', customerId: 'cust_ada' });
    expect(stored!.recovery!.status).toBe('initiated');
    expect(recoveryStateOf(stored!).trigger).toBe('customer');

    // The customer reads its greeting: the facts and the offer.
    const opened = await client.conversation(recoveryId, 'cust_ada');
    expect(opened.status).toBe(200);
    const greeting = (opened.body.messages as { role: string; content: string }[])[0]!;
    expect(greeting.role).toBe('assistant');
    expect(greeting.content).toContain('Visa ending 4242');
    expect(greeting.content).toContain('$49.00');
    expect(storedRecoveryParts(opened.body.messages as StoredMessageView[])).toEqual([[]]);

    // The question and the reply stay in the support conversation.
    const support = await client.conversation(supportId, 'cust_ada');
    expect(
      (support.body.messages as { role: string; content: string }[]).map((message) => [
        message.role,
        message.content,
      ]),
    ).toEqual([
      ['user', 'My payment failed, can I update my card?'],
      ['assistant', reply.text],
    ]);
    // The stored reply names the recovery conversation as the stream did, so a client that
    // reloads (or lost the stream before the part) goes on there too.
    expect(storedRecoveryParts(support.body.messages as StoredMessageView[])).toEqual([
      [],
      [{ conversationId: recoveryId }],
    ]);

    // The interventions metric records who started it.
    const db = (storage as unknown as { db: Kysely<Database> }).db;
    const metric = await db
      .selectFrom('analytics')
      .select(['dimensions'])
      .where('tenant_id', '=', tenant.tenant.id)
      .where('metric_name', '=', 'interventions')
      .execute();
    expect(metric.map((row) => row.dimensions)).toEqual([
      expect.objectContaining({ purpose: 'recovery', trigger: 'customer' }),
    ]);

    // Asking again returns the open session: never a second one.
    const again = await ask(supportId, { customer: 'cust_ada' }, 'Why was my card declined?');
    expect(dataParts(again.chunks, 'data-recovery')).toEqual([{ conversationId: recoveryId }]);
    expect((await recoveryConversationsOf('cust_ada')).map((item) => item.id)).toEqual([
      recoveryId,
    ]);

    // "Yes" in the recovery conversation opens the card step; 4242 pays.
    const yes = await client.send(recoveryId, 'cust_ada', 'yes');
    expect(yes.status).toBe(200);
    expect(paymentParts(yes.chunks)[0]).toMatchObject({
      step: 'payment-requested',
      mode: 'sandbox',
    });
    const paid = await client.sandboxConfirm(recoveryId, 'cust_ada', '4242424242424242');
    expect(paid).toEqual({ status: 200, body: { status: 'succeeded' } });
    const done = await storage.conversations.get({ tenantId: tenant.tenant.id, id: recoveryId });
    expect(done!.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
    const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_ada' });
    expect(customer!.accountStatus).toBe('resolved');
    const view = sandbox.readCustomer('cust_ada');
    expect(view.invoices.length).toBeGreaterThan(0);
    expect(view.invoices.every((invoice) => invoice.status === 'paid')).toBe(true);

    // Resolved now: the next billing question is answered from the docs.
    const after = await ask(supportId, { customer: 'cust_ada' }, 'My card was charged, thanks');
    expect(dataParts(after.chunks, 'data-recovery')).toEqual([]);
    expect((await recoveryConversationsOf('cust_ada')).length).toBe(1);
    // In history, only the two hand-off replies carry the part.
    const history = await client.conversation(supportId, 'cust_ada');
    expect(storedRecoveryParts(history.body.messages as StoredMessageView[])).toEqual([
      [],
      [{ conversationId: recoveryId }],
      [],
      [{ conversationId: recoveryId }],
      [],
      [],
    ]);

    // Asked which card is on file now: the new card, from the records the update wrote.
    const card = await ask(supportId, { customer: 'cust_ada' }, 'Which card do I have on file?');
    expect(dataParts(card.chunks, 'data-recovery')).toEqual([]);
    expect(card.text).toContain("it's in good standing");
    expect(card.text).toMatch(/your Visa ending 4242, which expires \d\d\/\d{4}\.$/);
    expect(dataParts(card.chunks, 'data-account')).toEqual([
      expect.objectContaining({
        accountStatus: 'resolved',
        card: expect.objectContaining({ lastFourDigits: '4242', status: 'active' }),
      }),
    ]);
  });

  it('a server key on a conversation of an at-risk customer gets the same hand-off', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_bob', name: 'Bob Marley' });
    const created = await fetch(`${server.url}/api/conversations`, {
      method: 'POST',
      headers: widgetHeaders(tenant, { secret: true }),
      body: JSON.stringify({ customerId: 'cust_bob' }),
    });
    expect(created.status).toBe(201);
    const { conversation } = (await created.json()) as { conversation: { id: string } };
    const reply = await ask(conversation.id, { secret: true }, 'My payment failed');
    const [handoff] = dataParts(reply.chunks, 'data-recovery');
    const [session] = await recoveryConversationsOf('cust_bob');
    expect(handoff).toEqual({ conversationId: session!.id });
  });

  it('a verified customer who is not at risk gets the docs answer', async () => {
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_cy',
      name: 'Cy Twombly',
      accountStatus: 'active',
    });
    const supportId = await startSupport({ customer: 'cust_cy' });
    const reply = await ask(
      supportId,
      { customer: 'cust_cy' },
      'My payment failed, can I update my card?',
    );
    expect(dataParts(reply.chunks, 'data-recovery')).toEqual([]);
    expect(dataParts(reply.chunks, 'data-identity-required')).toEqual([]);
    expect(reply.text).toMatch(/Update card/);
    expect(
      reply.chunks.some(({ chunk }) => typeof chunk !== 'string' && chunk.type === 'source-url'),
    ).toBe(true);
    expect(await recoveryConversationsOf('cust_cy')).toEqual([]);
    // Its stored answer names no recovery conversation either.
    const stored = await client.conversation(supportId, 'cust_cy');
    expect(stored.status).toBe(200);
    const messages = stored.body.messages as StoredMessageView[];
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    expect(messages[1]!.parts.map((part) => part.type)).toContain('text');
    expect(storedRecoveryParts(messages)).toEqual([[], []]);
  });

  it('an anonymous visitor still gets the sign-in answer', async () => {
    const supportId = await startSupport({ visitor: 'visitor-anna-1' });
    const reply = await ask(
      supportId,
      { visitor: 'visitor-anna-1' },
      'My payment failed, can I update my card?',
    );
    expect(dataParts(reply.chunks, 'data-recovery')).toEqual([]);
    expect(dataParts(reply.chunks, 'data-identity-required')).toEqual([
      expect.objectContaining({ reason: 'billing' }),
    ]);
    expect(reply.text).toMatch(/sign in/i);
  });
});
