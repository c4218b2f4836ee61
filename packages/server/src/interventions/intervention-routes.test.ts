import {
  type AdminRole,
  ChurnError,
  createSandboxPaymentProvider,
  type PaymentProviderV1,
  type SandboxPaymentProvider,
  type StorageV1,
} from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant, widgetHeaders } from '../chat/chat-test-helpers.js';
import { signInAdmin } from '../identity/admin-session.js';
import { hashPassword } from '../identity/password-hash.js';
import { verifyRecoveryLinkToken } from '../recovery/recovery-link.js';
import {
  createAtRiskCustomer,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from '../recovery/recovery-test-helpers.js';
import { createPGliteStorage } from '../storage/postgres-storage.js';

const secret = 'recovery-test-secret-recovery-test-secret-0123456789';

describe('interventions, rules, links and failures', () => {
  let storage: StorageV1;
  let tenant: TestTenant;
  let sandbox: SandboxPaymentProvider;
  let failPayments = false;
  let server: Awaited<ReturnType<typeof startRecoveryServer>>;
  let client: ReturnType<typeof recoveryClient>;

  beforeAll(async () => {
    storage = await createPGliteStorage();
    tenant = await createTestTenant(storage, 'Acme');
    sandbox = createSandboxPaymentProvider();
    // The sandbox, with a switch that makes paying time out (a provider failure).
    const provider: PaymentProviderV1 = new Proxy(sandbox, {
      get(target, property, receiver) {
        if (property === 'doPayOpenInvoices' && failPayments) {
          return async () => {
            throw new ChurnError('timeout', 'The request to Stripe timed out.');
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    server = await startRecoveryServer({ storage, payments: { provider: () => provider } });
    client = recoveryClient(server.url, tenant);
  });

  afterAll(async () => {
    await server?.close();
  });

  const tokenFor = async (role: AdminRole) => {
    const email = `${role}@acme.example`;
    await storage.adminUsers.create({
      tenantId: tenant.tenant.id,
      name: role,
      email,
      role,
      passwordHash: await hashPassword('correct horse battery', { cost: 1024 } as never),
    });
    const session = await signInAdmin(storage, {
      tenantId: tenant.tenant.id,
      email,
      password: 'correct horse battery',
      secret,
    });
    return session.accessToken;
  };

  it('lets support agents start interventions (recording who), and refuses developers', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_op', name: 'Olive Oyl' });
    const agent = await tokenFor('support-agent');
    const developer = await tokenFor('developer');
    const refused = await fetch(`${server.url}/api/interventions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${developer}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerIds: ['cust_op'] }),
    });
    expect(refused.status).toBe(403);
    const started = await fetch(`${server.url}/api/interventions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
      body: JSON.stringify({ customerIds: ['cust_op'] }),
    });
    expect(started.status).toBe(201);
    const body = (await started.json()) as { interventions: { conversationId: string }[] };
    const conversation = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: body.interventions[0]!.conversationId,
    });
    expect(conversation).toMatchObject({ purpose: 'recovery', customerId: 'cust_op' });
    expect(conversation!.recovery).toMatchObject({ status: 'initiated', paymentAttempted: false });
    expect(conversation!.recovery!.adminUserId).toBeDefined();
    const invalid = await client.startInterventions([]);
    expect(invalid.status).toBe(400);
  });

  it('stores rules and starts a session when a webhook marks a matching customer at-risk', async () => {
    const current = await fetch(`${server.url}/api/intervention-rules`, {
      headers: widgetHeaders(tenant, { secret: true }),
    });
    expect(await current.json()).toMatchObject({ rules: { failedPayment: { enabled: false } } });
    const bad = await fetch(`${server.url}/api/intervention-rules`, {
      method: 'PUT',
      headers: widgetHeaders(tenant, { secret: true }),
      body: JSON.stringify({ failedPayment: { enabled: 'yes' } }),
    });
    expect(bad.status).toBe(400);
    const saved = await fetch(`${server.url}/api/intervention-rules`, {
      method: 'PUT',
      headers: widgetHeaders(tenant, { secret: true }),
      body: JSON.stringify({
        failedPayment: { enabled: true, minAccountValue: 40 },
        linkPublishableKey: tenant.publishableKey,
      }),
    });
    expect(saved.status).toBe(200);

    // Two healthy customers of the sandbox; only the valuable one gets a session.
    for (const [id, value] of [
      ['cust_big', 99],
      ['cust_small', 10],
    ] as const) {
      const ids = sandbox.addCustomer({
        id: `cus_${id}`,
        name: id,
        email: `${id}@example.com`,
        card: { number: '4000000000000341', expMonth: 12, expYear: 2031 },
        subscription: { amount: value },
        failedInvoice: { amountDue: value },
      });
      await createAtRiskCustomer(storage, tenant, {
        id,
        name: `${id} Person`,
        amount: value,
        accountStatus: 'active',
        stripeCustomerId: ids.customerId,
      });
      const delivery = sandbox.createWebhook({
        id: `evt_${id}`,
        type: 'invoice-payment-failed',
        providerEventType: 'invoice.payment_failed',
        createdAt: new Date(),
        customerId: ids.customerId,
        invoiceId: ids.invoiceId!,
        amountDue: value,
        currency: 'usd',
        attemptCount: 1,
        failedAt: new Date(),
      });
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const response = await fetch(`${server.url}/api/webhooks/stripe/${tenant.tenant.id}`, {
          method: 'POST',
          headers: { 'stripe-signature': delivery.signature },
          body: delivery.payload,
        });
        expect(response.status).toBe(200);
        const answer = (await response.json()) as Record<string, unknown>;
        expect(answer.duplicate).toBe(attempt === 1);
        if (attempt === 0 && id === 'cust_big')
          expect(answer.interventionConversationId).toBeDefined();
        if (id === 'cust_small') expect(answer.interventionConversationId).toBeUndefined();
      }
    }
    const big = await storage.conversations.list({
      tenantId: tenant.tenant.id,
      purpose: 'recovery',
      customerId: 'cust_big',
    });
    expect(big).toHaveLength(1);
    expect(
      await storage.conversations.list({
        tenantId: tenant.tenant.id,
        purpose: 'recovery',
        customerId: 'cust_small',
      }),
    ).toHaveLength(0);
    const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_big' });
    expect(customer).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });
  });

  it('serves the hosted page of a signed link, and refuses forged or expired links', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_link', name: 'Lena Link' });
    const started = await client.startInterventions(['cust_link']);
    const link = (started.body.interventions as { link: string }[])[0]!.link;
    const token = link.split('/r/')[1]!;
    expect(verifyRecoveryLinkToken(token, secret, new Date())).toMatchObject({
      tenantId: tenant.tenant.id,
    });
    expect(
      verifyRecoveryLinkToken(token, secret, new Date(Date.now() + 8 * 86_400_000)),
    ).toBeUndefined();
    const page = await fetch(link);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    const html = await page.text();
    expect(html).toContain('/r/assets/churn-chat.js');
    // The widget's files load from any site, lazy chunks included (import() is a CORS request).
    const script = await fetch(`${server.url}/r/assets/churn-chat.js`, {
      headers: { origin: 'https://shop.example' },
    });
    expect(script.status, 'build @churn/chat first (pnpm build)').toBe(200);
    expect(script.headers.get('access-control-allow-origin')).toBe('*');
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(html).toContain(`data-tenant-key="${tenant.publishableKey}"`);
    expect(html).toMatch(/data-customer-token="[^"]+\.[^"]+\.[^"]+"/);
    // The customer token in the page opens that customer's pending conversation.
    const customerToken = /data-customer-token="([^"]+)"/.exec(html)![1]!;
    const pending = await fetch(`${server.url}/api/recovery/pending`, {
      headers: {
        authorization: `Bearer ${tenant.publishableKey}`,
        'x-churn-customer-token': customerToken,
      },
    });
    expect(
      ((await pending.json()) as { conversation: { customerId: string } }).conversation.customerId,
    ).toBe('cust_link');
    const forged = await fetch(`${link.slice(0, -2)}xx`);
    expect(forged.status).toBe(410);
  });

  it('ends in technical-failure with the reason stored when the provider keeps timing out', async () => {
    await createAtRiskCustomer(storage, tenant, { id: 'cust_tf', name: 'Tim Fail' });
    const started = await client.startInterventions(['cust_tf']);
    const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
      .conversationId;
    const reply = await client.send(conversationId, 'cust_tf', 'yes');
    expect(paymentParts(reply.chunks)).toHaveLength(1);
    failPayments = true;
    try {
      const failed = await client.sandboxConfirm(conversationId, 'cust_tf', '4242424242424242');
      expect(failed.status).toBe(502);
      expect(failed.body).toMatchObject({ error: { code: 'provider_error' } });
    } finally {
      failPayments = false;
    }
    const conversation = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    expect(conversation!.recovery).toMatchObject({
      status: 'completed',
      outcome: 'technical-failure',
    });
    expect((conversation!.metadata.recovery as { failureReason: string }).failureReason).toMatch(
      /did not answer in time/,
    );
    const messages = await storage.messages.list({ tenantId: tenant.tenant.id, conversationId });
    expect(messages.at(-1)!.metadata).toMatchObject({ recoveryStep: 'technical-failure' });
    expect(
      (await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_tf' }))!.accountStatus,
    ).toBe('at-risk');
  });
});
