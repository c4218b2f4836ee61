import {
  type CustomerRecord,
  createSandboxPaymentProvider,
  type SandboxPaymentProvider,
} from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  helpCentre,
  type ReceivedChunk,
  readChunks,
  type TestTenant,
  textOf,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../chat/knowledge-base-cache.js';
import {
  createAtRiskCustomer,
  createManualClock,
  paymentParts,
  startRecoveryServer,
} from '../recovery/recovery-test-helpers.js';
import { syncAtRiskCustomers } from '../recovery/sync-at-risk-customers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import { customerTokenHeader } from './authenticate.js';
import { signCustomerToken } from './customer-token.js';
import { findVerifiedCustomer } from './verified-customer.js';

type Storage = Awaited<ReturnType<typeof createPGliteStorage>>;

/**
 * A tenant's site signs the end customer with an id it knows (its own user id, or the Stripe
 * customer id), never with the id Churn generated when the Stripe sync created the Customer
 * record. The widget must still find that customer's recovery session, and nobody else's.
 */
describe('a verified customer known by their Stripe id or the tenant’s own id', () => {
  let storage: Storage;
  let acme: TestTenant;
  let globex: TestTenant;
  let sandbox: SandboxPaymentProvider;
  let server: Awaited<ReturnType<typeof startRecoveryServer>>;
  const time = createManualClock(new Date('2026-11-20T12:00:00Z'));
  /** Acme's customers as the Stripe sync stored them, by Stripe id. */
  const synced = new Map<string, CustomerRecord>();

  /** The widget's headers for a customer token (a JWT whose `sub` is `id`) of `tenant`. */
  const tokenHeaders = async (tenant: TestTenant, id: string) => ({
    authorization: `Bearer ${tenant.publishableKey}`,
    'content-type': 'application/json',
    [customerTokenHeader]: await signCustomerToken({
      tenantId: tenant.tenant.id,
      customerId: id,
      secret: tenant.identitySecret,
    }),
  });

  /** Headers for `id`, as a JWT or as the HMAC of the id (the two ways to sign). */
  const as = async (tenant: TestTenant, id: string, proof: 'jwt' | 'hmac' = 'jwt') =>
    proof === 'jwt' ? tokenHeaders(tenant, id) : widgetHeaders(tenant, { customer: id });

  const get = async (path: string, headers: Record<string, string>) => {
    const response = await fetch(`${server.url}${path}`, { headers });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  const send = async (
    id: string,
    headers: Record<string, string>,
    text: string,
  ): Promise<{ status: number; chunks: ReceivedChunk[]; text: string }> => {
    const response = await fetch(`${server.url}/api/conversations/${id}/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ text }),
    });
    if (response.status !== 200) {
      return { status: response.status, chunks: [], text: await response.text() };
    }
    const chunks = await readChunks(response);
    return { status: 200, chunks, text: textOf(chunks) };
  };

  const listIds = async (headers: Record<string, string>) => {
    const { status, body } = await get('/api/conversations', headers);
    expect(status).toBe(200);
    return (body.conversations as { id: string; purpose: string }[]).map((item) => item.id);
  };

  const pendingId = async (headers: Record<string, string>) => {
    const { status, body } = await get('/api/recovery/pending', headers);
    expect(status).toBe(200);
    return (body.conversation as { id: string } | null)?.id ?? null;
  };

  /** An operator starts a recovery session (Churn's customer id, as the console knows it). */
  const startIntervention = async (customer: CustomerRecord) => {
    const response = await fetch(`${server.url}/api/interventions`, {
      method: 'POST',
      headers: widgetHeaders(acme, { secret: true }),
      body: JSON.stringify({ customerIds: [customer.id] }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { interventions: { conversationId: string }[] };
    return body.interventions[0]!.conversationId;
  };

  const recoveryDataParts = (chunks: readonly ReceivedChunk[]) =>
    chunks.flatMap(({ chunk }) =>
      typeof chunk !== 'string' && chunk.type === 'data-recovery' && 'data' in chunk
        ? [{ ...chunk.data }]
        : [],
    );

  beforeAll(async () => {
    storage = await createPGliteStorage();
    acme = await createTestTenant(storage, 'Acme');
    globex = await createTestTenant(storage, 'Globex');
    const failing = (id: string, name: string) => ({
      id,
      name,
      email: `${id}@example.com`,
      card: { number: '4000000000000341', expMonth: 12, expYear: 2030 },
      subscription: { amount: 49 },
      failedInvoice: { attemptCount: 1 },
    });
    // The tenant's Stripe account, as the sync reads it.
    const stripeAccount = createSandboxPaymentProvider({
      clock: time.clock,
      seed: [
        failing('cus_grace', 'Grace Hopper'),
        failing('cus_alan', 'Alan Turing'),
        failing('cus_ken', 'Ken Thompson'),
      ],
    });
    // The card step runs in sandbox mode: the sandbox the server pays with starts empty and
    // takes each customer (by Stripe id) from their stored record when the card step opens.
    sandbox = createSandboxPaymentProvider({ clock: time.clock });
    const knowledgeBases = createKnowledgeBaseCache();
    server = await startRecoveryServer({
      storage,
      payments: { provider: () => sandbox, clock: time.clock },
      chat: { knowledgeBases },
    });
    await knowledgeBases.forTenant(storage, acme.tenant.id).ingest(helpCentre);

    // The Stripe sync creates Acme's Customer records: generated ids, the Stripe ids, no
    // external id. The tenant links one of them to its own user id afterwards.
    const report = await syncAtRiskCustomers(storage, stripeAccount, {
      tenantId: acme.tenant.id,
      now: time.clock(),
    });
    expect(report.created).toBe(3);
    for (const stripeCustomerId of ['cus_grace', 'cus_alan', 'cus_ken']) {
      const customer = await storage.customers.findByStripeCustomerId({
        tenantId: acme.tenant.id,
        stripeCustomerId,
      });
      expect(customer).toMatchObject({ accountStatus: 'at-risk', stripeCustomerId });
      expect(customer!.id).not.toBe(stripeCustomerId);
      expect(customer!.externalId).toBeUndefined();
      synced.set(stripeCustomerId, customer!);
    }
    synced.set(
      'cus_alan',
      await storage.customers.update({
        tenantId: acme.tenant.id,
        id: synced.get('cus_alan')!.id,
        changes: { externalId: 'user_alan' },
      }),
    );
    // Globex happens to know a customer by the same Stripe id (another Stripe account).
    await createAtRiskCustomer(storage, globex, {
      id: 'globex_grace',
      name: 'Grace at Globex',
      stripeCustomerId: 'cus_grace',
    });
  });

  afterAll(async () => {
    await server?.close();
  });

  it('resolves a verified id by Churn id, then external id, then Stripe id, in the tenant only', async () => {
    const grace = synced.get('cus_grace')!;
    const alan = synced.get('cus_alan')!;
    const tenantId = acme.tenant.id;
    expect((await findVerifiedCustomer(storage, tenantId, grace.id))?.id).toBe(grace.id);
    expect((await findVerifiedCustomer(storage, tenantId, 'cus_grace'))?.id).toBe(grace.id);
    expect((await findVerifiedCustomer(storage, tenantId, 'user_alan'))?.id).toBe(alan.id);
    expect((await findVerifiedCustomer(storage, tenantId, 'cus_alan'))?.id).toBe(alan.id);
    expect(await findVerifiedCustomer(storage, tenantId, 'user_nobody')).toBeUndefined();
    expect(await findVerifiedCustomer(storage, tenantId, 'globex_grace')).toBeUndefined();
    expect((await findVerifiedCustomer(storage, globex.tenant.id, 'cus_grace'))?.id).toBe(
      'globex_grace',
    );
    expect(await findVerifiedCustomer(storage, globex.tenant.id, grace.id)).toBeUndefined();
    expect(await findVerifiedCustomer(storage, globex.tenant.id, 'user_alan')).toBeUndefined();
  });

  it('a token whose sub is the Stripe id lists, opens, answers and pays the operator-started session', async () => {
    const grace = synced.get('cus_grace')!;
    const recoveryId = await startIntervention(grace);
    const stored = await storage.conversations.get({ tenantId: acme.tenant.id, id: recoveryId });
    expect(stored).toMatchObject({ purpose: 'recovery', customerId: grace.id, userId: grace.id });

    const headers = await as(acme, 'cus_grace');
    expect(await listIds(headers)).toEqual([recoveryId]);
    expect(await pendingId(headers)).toBe(recoveryId);

    const opened = await get(`/api/conversations/${recoveryId}`, headers);
    expect(opened.status).toBe(200);
    const [greeting] = opened.body.messages as { id: string; role: string; content: string }[];
    expect(greeting!.role).toBe('assistant');
    expect(greeting!.content).toContain('$49.00');
    // The customer can rate the session's messages too (feedback checks the same ownership).
    const rated = await fetch(`${server.url}/api/messages/${greeting!.id}/feedback`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ type: 'thumbs_up' }),
    });
    expect(rated.status).toBeLessThan(300);
    const stranger = await fetch(`${server.url}/api/messages/${greeting!.id}/feedback`, {
      method: 'POST',
      headers: await as(acme, 'cus_alan'),
      body: JSON.stringify({ type: 'thumbs_down' }),
    });
    expect(stranger.status).toBe(404);

    const yes = await send(recoveryId, headers, 'yes');
    expect(yes.status).toBe(200);
    expect(paymentParts(yes.chunks)[0]).toMatchObject({
      step: 'payment-requested',
      mode: 'sandbox',
    });
    const paid = await fetch(
      `${server.url}/api/conversations/${recoveryId}/payment/sandbox-confirm`,
      {
        method: 'POST',
        headers,
        body: JSON.stringify({
          card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
        }),
      },
    );
    expect(paid.status).toBe(200);
    expect(await paid.json()).toEqual({ status: 'succeeded' });
    const after = await storage.customers.get({ tenantId: acme.tenant.id, id: grace.id });
    expect(after!.accountStatus).toBe('resolved');
    expect(sandbox.readCustomer('cus_grace').invoices.every((item) => item.status === 'paid')).toBe(
      true,
    );
    // Paid: nothing is pending any more, and the conversation stays theirs.
    expect(await pendingId(headers)).toBeNull();
    expect(await listIds(headers)).toEqual([recoveryId]);
  });

  it('a customer the tenant linked to its own user id is found by that id, and by the Stripe id', async () => {
    const alan = synced.get('cus_alan')!;
    const recoveryId = await startIntervention(alan);
    const stored = await storage.conversations.get({ tenantId: acme.tenant.id, id: recoveryId });
    expect(stored).toMatchObject({ customerId: alan.id, userId: 'user_alan' });

    for (const headers of [
      await as(acme, 'user_alan', 'hmac'),
      await as(acme, 'user_alan'),
      await as(acme, 'cus_alan'),
      await as(acme, alan.id, 'hmac'),
    ]) {
      expect(await listIds(headers)).toEqual([recoveryId]);
      expect(await pendingId(headers)).toBe(recoveryId);
      expect((await get(`/api/conversations/${recoveryId}`, headers)).status).toBe(200);
    }
    const reply = await send(recoveryId, await as(acme, 'user_alan', 'hmac'), 'why was I charged?');
    expect(reply.status).toBe(200);
    expect(reply.text.length).toBeGreaterThan(0);
    const messages = await storage.messages.list({
      tenantId: acme.tenant.id,
      conversationId: recoveryId,
      limit: 10,
    });
    expect(messages.map((message) => message.role)).toEqual(['assistant', 'user', 'assistant']);
  });

  it('a billing question in a support chat, signed with the Stripe id, opens that customer’s session', async () => {
    const ken = synced.get('cus_ken')!;
    const headers = await as(acme, 'cus_ken');
    const created = await fetch(`${server.url}/api/conversations`, {
      method: 'POST',
      headers,
      body: '{}',
    });
    expect(created.status).toBe(201);
    const supportId = ((await created.json()) as { conversation: { id: string } }).conversation.id;
    // The support conversation is linked to the Customer record the Stripe id names.
    const support = await storage.conversations.get({ tenantId: acme.tenant.id, id: supportId });
    expect(support).toMatchObject({ purpose: 'support', userId: 'cus_ken', customerId: ken.id });

    const reply = await send(supportId, headers, 'My payment failed, can I update my card?');
    expect(reply.status).toBe(200);
    expect(reply.text).toMatch(/card update/i);
    const [handoff, ...more] = recoveryDataParts(reply.chunks);
    expect(more).toEqual([]);
    const recoveryId = handoff!.conversationId as string;
    const recovery = await storage.conversations.get({ tenantId: acme.tenant.id, id: recoveryId });
    expect(recovery).toMatchObject({ purpose: 'recovery', customerId: ken.id });
    expect(recovery!.recovery!.status).toBe('initiated');

    // The widget goes on in the recovery conversation with the same token.
    expect(await pendingId(headers)).toBe(recoveryId);
    expect(new Set(await listIds(headers))).toEqual(new Set([supportId, recoveryId]));
    const opened = await get(`/api/conversations/${recoveryId}`, headers);
    expect(opened.status).toBe(200);
    const yes = await send(recoveryId, headers, 'yes');
    expect(yes.status).toBe(200);
    expect(paymentParts(yes.chunks)[0]).toMatchObject({ step: 'payment-requested' });

    // Asking again returns the open session, never a second one.
    const again = await send(supportId, headers, 'Why was my card declined?');
    expect(recoveryDataParts(again.chunks)).toEqual([{ conversationId: recoveryId }]);
  });

  it('another customer’s Stripe id, or the same Stripe id under another tenant, gets 404 and nothing', async () => {
    const ken = synced.get('cus_ken')!;
    const [kenRecovery] = await storage.conversations.list({
      tenantId: acme.tenant.id,
      purpose: 'recovery',
      customerId: ken.id,
      limit: 5,
    });
    expect(kenRecovery).toBeDefined();
    const kenConversations = await storage.conversations.list({
      tenantId: acme.tenant.id,
      customerId: ken.id,
      limit: 10,
    });
    expect(kenConversations.length).toBe(2);

    const callers = {
      // Alan, a customer of the same tenant, by his Stripe id and by his own id.
      alanByStripeId: await as(acme, 'cus_alan'),
      alanByExternalId: await as(acme, 'user_alan', 'hmac'),
      // A verified id that names no Customer of Acme.
      stranger: await as(acme, 'cus_nobody'),
      // Globex's key with the Stripe id of Ken, and of Grace (a Globex customer has it too).
      globexKen: await as(globex, 'cus_ken'),
      globexGrace: await as(globex, 'cus_grace'),
      // Globex's key with the Churn id of Ken's Customer record.
      globexKenChurnId: await as(globex, ken.id, 'hmac'),
    };
    for (const [who, headers] of Object.entries(callers)) {
      for (const conversation of kenConversations) {
        const opened = await get(`/api/conversations/${conversation.id}`, headers);
        expect({ who, status: opened.status }).toEqual({ who, status: 404 });
        const sent = await send(conversation.id, headers, 'yes');
        expect({ who, status: sent.status }).toEqual({ who, status: 404 });
        const paid = await fetch(
          `${server.url}/api/conversations/${conversation.id}/payment/sandbox-confirm`,
          {
            method: 'POST',
            headers,
            body: JSON.stringify({
              card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
            }),
          },
        );
        expect({ who, status: paid.status }).toEqual({ who, status: 404 });
      }
      const listed = await listIds(headers);
      for (const conversation of kenConversations) expect(listed).not.toContain(conversation.id);
      expect(await pendingId(headers)).not.toBe(kenRecovery!.id);
    }
    expect(await pendingId(callers.stranger)).toBeNull();
    expect(await listIds(callers.stranger)).toEqual([]);
    expect(await pendingId(callers.globexGrace)).toBeNull();
    expect(await listIds(callers.globexGrace)).toEqual([]);
    expect(await listIds(callers.globexKen)).toEqual([]);
    // Nothing the refused callers sent reached Ken's conversations.
    const messages = await storage.messages.list({
      tenantId: acme.tenant.id,
      conversationId: kenRecovery!.id,
      limit: 50,
    });
    expect(messages.filter((message) => message.role === 'user').map((m) => m.content)).toEqual([
      'yes',
    ]);
    expect(kenRecovery!.recovery!.status).not.toBe('completed');
  });
});
