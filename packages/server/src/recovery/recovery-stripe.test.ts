import type { StorageV1 } from '@churn/core';
import { createStripePaymentProvider, STRIPE_API_VERSION } from '@churn/core/stripe';
import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  readChunks,
  type TestTenant,
  textOf,
  widgetHeaders,
} from '../chat/chat-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';
import {
  createAtRiskCustomer,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from './recovery-test-helpers.js';

describe('payment recovery against the Stripe emulator, through the Stripe adapter', () => {
  let emulator: StripeEmulator;
  let sdk: Stripe;
  let storage: StorageV1;
  let tenant: TestTenant;
  let server: Awaited<ReturnType<typeof startRecoveryServer>>;
  let client: ReturnType<typeof recoveryClient>;

  beforeAll(async () => {
    emulator = await startStripeEmulator();
    sdk = new Stripe(emulator.secretKey, {
      host: emulator.host,
      port: emulator.port,
      protocol: 'http',
      apiVersion: STRIPE_API_VERSION,
      maxNetworkRetries: 0,
    });
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    const provider = createStripePaymentProvider({
      secretKey: emulator.secretKey,
      publishableKey: emulator.publishableKey,
      webhookSecret: emulator.webhookSecret,
      apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
      initialRetryDelayMs: 5,
      timeoutMs: 5_000,
    });
    server = await startRecoveryServer({ storage, payments: { provider } });
    client = recoveryClient(server.url, tenant);
  });

  afterAll(async () => {
    await server?.close();
    await emulator?.close();
  });

  it('failed payment -> signed webhook -> at-risk -> intervention -> card confirmed at Stripe -> invoice paid, customer resolved', async () => {
    const seeded = emulator.seedFailedPayment({
      name: 'Grace Hopper',
      email: 'grace@example.com',
      unitAmount: 4900,
    });
    // The tenant's customer, linked to Stripe (as `churn stripe sync` links it), still active.
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_grace',
      name: 'Grace Hopper',
      accountStatus: 'active',
      stripeCustomerId: seeded.customerId,
      stripePaymentMethodId: seeded.paymentMethodId,
    });
    const webhookUrl = `${server.url}/api/webhooks/stripe/${tenant.tenant.id}`;

    const delivery = await emulator.sendWebhook('invoice.payment_failed', seeded.invoiceId, {
      url: webhookUrl,
    });
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body)).toMatchObject({
      received: true,
      duplicate: false,
      outcome: 'applied',
    });
    const atRisk = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_grace' });
    expect(atRisk).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });

    // The same delivery again (Stripe retries): recorded once, applied once.
    const replay = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
      body: delivery.payload,
    });
    expect(replay.status).toBe(200);
    expect(await replay.json()).toMatchObject({ duplicate: true });
    const afterReplay = await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_grace',
    });
    expect(afterReplay!.metadata).toEqual(atRisk!.metadata);
    const [method] = await storage.paymentMethods.listByCustomer({
      tenantId: tenant.tenant.id,
      customerId: 'cust_grace',
    });
    expect(method).toMatchObject({ status: 'failed', failureCount: 1 });

    // The operator starts an intervention; the verified customer opens it.
    const started = await client.startInterventions(['cust_grace']);
    expect(started.status).toBe(201);
    const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
      .conversationId;
    const pending = await client.pending('cust_grace');
    expect((pending.body.conversation as { id: string }).id).toBe(conversationId);
    const opened = (await client.conversation(conversationId, 'cust_grace')).body as {
      messages: { content: string }[];
    };
    expect(opened.messages[0]!.content).toMatch(/Grace/);
    expect(opened.messages[0]!.content).toMatch(/4242/);
    expect(opened.messages[0]!.content).toMatch(/\$49\.00/);

    const reply = await client.send(conversationId, 'cust_grace', 'Yes please, update my card');
    const [payment] = paymentParts(reply.chunks);
    expect(payment).toMatchObject({
      step: 'payment-requested',
      mode: 'stripe',
      publishableKey: emulator.publishableKey,
    });
    const clientSecret = payment!.clientSecret as string;
    const setupIntentId = clientSecret.split('_secret_')[0]!;
    expect(setupIntentId).toMatch(/^seti_/);
    const stored = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    expect(JSON.stringify(stored!.metadata)).not.toContain(clientSecret);

    // The browser (Stripe.js) confirms the SetupIntent with a new card.
    await sdk.setupIntents.confirm(setupIntentId, { payment_method: 'pm_card_visa' });
    // A SetupIntent id that is not this conversation's is refused.
    expect((await client.confirm(conversationId, 'cust_grace', 'seti_forged')).status).toBe(403);
    const confirmed = await client.confirm(conversationId, 'cust_grace', setupIntentId);
    expect(confirmed).toEqual({ status: 200, body: { status: 'succeeded' } });

    const invoice = emulator.getObject<{ status: string }>(seeded.invoiceId);
    expect(invoice.status).toBe('paid');
    const payRequests = emulator.requests.filter((request) => request.path.endsWith('/pay'));
    expect(payRequests.length).toBeGreaterThanOrEqual(1);
    expect(String(payRequests[0]!.headers['idempotency-key'])).toContain(conversationId);
    const resolved = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_grace' });
    expect(resolved!.accountStatus).toBe('resolved');
    const done = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    expect(done!.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });

    const metrics = await client.metrics();
    expect(metrics.body.metrics).toMatchObject({ totalInterventions: 1, successfulResolutions: 1 });
    expect(metrics.body.metrics).toMatchObject({ customerRetentionRate: 100, revenueRetained: 49 });
  });

  it('then answers the customer\'s "show me my invoices" from Stripe, through the adapter', async () => {
    const who = { customer: 'cust_grace' };
    const created = await fetch(`${server.url}/api/conversations`, {
      method: 'POST',
      headers: widgetHeaders(tenant, who),
      body: '{}',
    });
    const { conversation } = (await created.json()) as { conversation: { id: string } };
    const listed = emulator.requests.length;
    const response = await fetch(`${server.url}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: widgetHeaders(tenant, who),
      body: JSON.stringify({ text: 'Show me my invoices' }),
    });
    expect(response.status).toBe(200);
    const text = textOf(await readChunks(response));
    // One list call to Stripe, made by the answer.
    const calls = emulator.requests
      .slice(listed)
      .filter((request) => request.path === '/v1/invoices');
    expect(calls.length).toBe(1);
    // The invoice the recovery paid, as Stripe numbers and hosts it.
    const customerId = (await storage.customers.get({
      tenantId: tenant.tenant.id,
      id: 'cust_grace',
    }))!.stripeCustomerId!;
    const [invoice] = (await sdk.invoices.list({ customer: customerId })).data;
    expect(invoice!.status).toBe('paid');
    expect(text).toContain("Here's what I can see on your account, Grace: it's in good standing");
    expect(text).toContain('Your invoices are charged to your Visa ending 4242');
    expect(text).toContain(
      `- [${invoice!.number}](${invoice!.hosted_invoice_url}), ${new Intl.DateTimeFormat('en-US', {
        day: 'numeric',
        month: 'long',
        year: 'numeric',
        timeZone: 'UTC',
      }).format(new Date(invoice!.created * 1000))}: $49.00, paid on`,
    );
  });

  it('answers 400 to forged, stale and unsigned deliveries and changes nothing', async () => {
    const seeded = emulator.seedFailedPayment({ name: 'Alan Turing', unitAmount: 2000 });
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_alan',
      name: 'Alan Turing',
      accountStatus: 'active',
      stripeCustomerId: seeded.customerId,
    });
    const webhookUrl = `${server.url}/api/webhooks/stripe/${tenant.tenant.id}`;
    const built = emulator.buildWebhook('invoice.payment_failed', seeded.invoiceId);
    const tampered = built.payload.replace(/"attempt_count":\s*1/, '"attempt_count": 9');
    expect(tampered).not.toBe(built.payload);
    const forged = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'stripe-signature': built.signature },
      body: tampered,
    });
    expect(forged.status).toBe(400);
    const wrongSecret = emulator.buildWebhook('invoice.payment_failed', seeded.invoiceId, {
      secret: 'whsec_someone_else',
    });
    expect(
      (
        await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'stripe-signature': wrongSecret.signature },
          body: wrongSecret.payload,
        })
      ).status,
    ).toBe(400);
    const stale = emulator.buildWebhook('invoice.payment_failed', seeded.invoiceId, {
      timestamp: Math.floor(Date.now() / 1000) - 3600,
    });
    const staleResponse = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'stripe-signature': stale.signature },
      body: stale.payload,
    });
    expect(staleResponse.status).toBe(400);
    expect(((await staleResponse.json()) as { error: { message: string } }).error.message).toMatch(
      /signature/,
    );
    const unsigned = await fetch(webhookUrl, { method: 'POST', body: built.payload });
    expect(unsigned.status).toBe(400);
    const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_alan' });
    expect(customer!.accountStatus).toBe('active');
    const event = JSON.parse(built.payload) as { id: string };
    expect(
      await storage.webhookEvents.get({
        tenantId: tenant.tenant.id,
        provider: 'stripe',
        eventId: event.id,
      }),
    ).toBeUndefined();
    const otherTenant = await fetch(`${server.url}/api/webhooks/stripe/no_such_tenant`, {
      method: 'POST',
      headers: { 'stripe-signature': built.signature },
      body: built.payload,
    });
    expect(otherTenant.status).toBe(404);
  });

  it('applies out-of-order deliveries once each: a late failure after the payment changes nothing', async () => {
    const seeded = emulator.seedFailedPayment({ name: 'Kurt Gödel', unitAmount: 3000 });
    await createAtRiskCustomer(storage, tenant, {
      id: 'cust_kurt',
      name: 'Kurt Gödel',
      accountStatus: 'active',
      stripeCustomerId: seeded.customerId,
    });
    const webhookUrl = `${server.url}/api/webhooks/stripe/${tenant.tenant.id}`;
    const failedAt = new Date(Date.now() - 60_000);
    const failed = emulator.buildWebhook('invoice.payment_failed', seeded.invoiceId, {
      created: failedAt,
    });
    const paidObject = {
      ...emulator.getObject(seeded.invoiceId),
      status: 'paid',
      status_transitions: { paid_at: Math.floor(Date.now() / 1000) - 10 },
    };
    const paid = emulator.buildWebhook('invoice.paid', paidObject);
    const post = (delivery: { payload: string; signature: string }) =>
      fetch(webhookUrl, {
        method: 'POST',
        headers: { 'stripe-signature': delivery.signature },
        body: delivery.payload,
      });
    expect((await post(paid)).status).toBe(200);
    const late = await post(failed);
    expect(late.status).toBe(200);
    expect(await late.json()).toMatchObject({ duplicate: false, outcome: 'stale' });
    const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_kurt' });
    expect(customer!.accountStatus).toBe('active');
  });
});
