import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import { describePaymentProviderConformance } from '@churn/testing/conformance';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import { WebhookSignatureError } from '../../payment-provider/v1/payment-error.js';
import { createStripePaymentProvider, STRIPE_API_VERSION } from './stripe-payment-provider.js';

let emulator: StripeEmulator;
let sdk: Stripe;
const tokens = {
  succeeds: 'pm_card_visa',
  'charge-fails': 'pm_card_chargeCustomerFail',
  'setup-declined': 'pm_card_chargeDeclined',
  'authenticate-on-setup': 'pm_card_authenticationRequiredOnSetup',
} as const;

beforeAll(async () => {
  emulator = await startStripeEmulator();
  sdk = new Stripe(emulator.secretKey, {
    host: emulator.host,
    port: emulator.port,
    protocol: 'http',
    apiVersion: STRIPE_API_VERSION,
    maxNetworkRetries: 0,
  });
});
afterAll(async () => {
  await emulator.close();
});

const createProvider = (overrides: { maxNetworkRetries?: number; timeoutMs?: number } = {}) =>
  createStripePaymentProvider({
    secretKey: emulator.secretKey,
    publishableKey: emulator.publishableKey,
    webhookSecret: emulator.webhookSecret,
    apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
    initialRetryDelayMs: 5,
    timeoutMs: overrides.timeoutMs ?? 5_000,
    ...(overrides.maxNetworkRetries !== undefined
      ? { maxNetworkRetries: overrides.maxNetworkRetries }
      : {}),
  });

describePaymentProviderConformance('stripe (emulator)', () => createProvider(), {
  async seedFailedPayment({ cardDefaultOn }) {
    const seeded = emulator.seedFailedPayment({ cardDefaultOn, unitAmount: 4900 });
    return { ...seeded, amountDue: 49 };
  },
  async confirmSetupIntent({ setupIntentId, card }) {
    try {
      await sdk.setupIntents.confirm(setupIntentId, { payment_method: tokens[card] });
    } catch (error) {
      // Stripe.js hands a decline back as `{ error }`; the SetupIntent keeps the reason.
      if (!(error instanceof Stripe.errors.StripeCardError)) throw error;
    }
  },
  async completeAuthentication(setupIntentId) {
    emulator.completeSetupIntentAction(setupIntentId);
  },
  async readDefaults({ customerId, subscriptionId }) {
    const customer = await sdk.customers.retrieve(customerId);
    const subscription = await sdk.subscriptions.retrieve(subscriptionId);
    if (customer.deleted) throw new Error('deleted');
    const customerDefault = customer.invoice_settings.default_payment_method;
    const subscriptionDefault = subscription.default_payment_method;
    return {
      ...(typeof customerDefault === 'string' ? { customerDefault } : {}),
      ...(typeof subscriptionDefault === 'string' ? { subscriptionDefault } : {}),
    };
  },
  async countSuccessfulCharges(customerId) {
    return emulator.charges.filter(
      (charge) => charge.customer === customerId && charge.status === 'succeeded',
    ).length;
  },
  async signedInvoicePaidWebhook({ invoiceId }) {
    const object = { ...emulator.getObject(invoiceId), status: 'paid' };
    const delivery = emulator.buildWebhook('invoice.paid', object);
    return { payload: delivery.payload, signature: delivery.signature, now: new Date() };
  },
});

describe('the Stripe payment provider, through the official SDK and the emulator', () => {
  it('sends the pinned Stripe-Version (the SDK types version) on every request', async () => {
    const { customerId } = emulator.seedFailedPayment();
    const before = emulator.requests.length;
    await createProvider().doCreateSetupIntent({ customerId });
    const sent = emulator.requests.slice(before);
    expect(STRIPE_API_VERSION).toBe(Stripe.API_VERSION);
    expect(sent.length).toBeGreaterThan(0);
    for (const request of sent) expect(request.headers['stripe-version']).toBe(STRIPE_API_VERSION);
  });

  it('creates an off-session card SetupIntent with the publishable key for the form', async () => {
    const { customerId } = emulator.seedFailedPayment();
    const handle = await createProvider().doCreateSetupIntent({ customerId });
    expect(handle).toMatchObject({ mode: 'test', publishableKey: emulator.publishableKey });
    const setupIntent = await sdk.setupIntents.retrieve(handle.id);
    expect(setupIntent.usage).toBe('off_session');
    expect(setupIntent.customer).toBe(customerId);
    expect(setupIntent.client_secret).toBe(handle.clientSecret);
  });

  it('retries 429 (Retry-After) and 500 with the same idempotency key, and charges once', async () => {
    const seeded = emulator.seedFailedPayment({ card: 'visa' });
    const path = `/v1/invoices/${seeded.invoiceId}/pay`;
    emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 0 }, { path });
    emulator.queueFault({ type: 'status', status: 500 }, { path });
    const before = emulator.requests.length;
    const { results } = await createProvider().doPayOpenInvoices({
      customerId: seeded.customerId,
      idempotencyKey: 'recovery-42',
    });
    expect(results.map((result) => result.status)).toEqual(['paid']);
    const attempts = emulator.requests.slice(before).filter((request) => request.path === path);
    expect(
      attempts.map((request) => request.fault?.type === 'status' && request.fault.status),
    ).toEqual([429, 500, false]);
    const keys = new Set(attempts.map((request) => request.headers['idempotency-key']));
    expect(keys).toEqual(new Set([`recovery-42:${seeded.invoiceId}`]));
    expect(emulator.charges.filter((charge) => charge.invoice === seeded.invoiceId)).toHaveLength(
      1,
    );
  });

  it('retries an attempt that timed out with the same idempotency key', async () => {
    const seeded = emulator.seedFailedPayment({ card: 'visa' });
    const path = `/v1/invoices/${seeded.invoiceId}/pay`;
    emulator.queueFault({ type: 'hang' }, { path });
    const before = emulator.requests.length;
    const { results } = await createProvider({ timeoutMs: 300 }).doPayOpenInvoices({
      customerId: seeded.customerId,
      idempotencyKey: 'recovery-43',
    });
    expect(results.map((result) => result.status)).toEqual(['paid']);
    const attempts = emulator.requests.slice(before).filter((request) => request.path === path);
    expect(attempts).toHaveLength(2);
    expect(attempts[0]!.headers['idempotency-key']).toBe(attempts[1]!.headers['idempotency-key']);
  });

  it('gives up with rate_limited once the retries are spent, keeping the SDK error as cause', async () => {
    const seeded = emulator.seedFailedPayment({ card: 'visa' });
    emulator.queueFault(
      { type: 'status', status: 429, retryAfterSeconds: 0 },
      { path: `/v1/invoices/${seeded.invoiceId}/pay`, times: 2 },
    );
    const error = await createProvider({ maxNetworkRetries: 1 })
      .doPayOpenInvoices({ customerId: seeded.customerId, idempotencyKey: 'recovery-44' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('rate_limited');
    expect((error as ChurnError).message).toContain('after 2 attempts');
    expect((error as ChurnError).cause).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
  });

  it('reports an invoice with no card to charge as declined, like the sandbox', async () => {
    const customer = emulator.seedCustomer();
    const subscription = emulator.seedSubscription({ customer, unitAmount: 4900 });
    const invoice = emulator.seedInvoice({
      customer,
      subscription,
      amountDue: 4900,
      attemptCount: 1,
    });
    const { results } = await createProvider().doPayOpenInvoices({
      customerId: customer,
      idempotencyKey: 'no-card',
    });
    expect(results).toEqual([
      expect.objectContaining({
        status: 'declined',
        invoiceId: invoice,
        failure: expect.objectContaining({ reason: 'no_payment_method' }),
      }),
    ]);
  });

  it('maps an unknown SetupIntent to not_found and a wrong key to configuration', async () => {
    const missing = await createProvider()
      .doVerifySetupIntent({ setupIntentId: 'seti_missing', customerId: 'cus_x' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(missing) && missing.code).toBe('not_found');
    const wrongKey = createStripePaymentProvider({
      secretKey: 'sk_test_wrong',
      webhookSecret: 'whsec_x',
      apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
    });
    const rejected = await wrongKey
      .doCreateSetupIntent({ customerId: 'cus_x' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(rejected) && rejected.code).toBe('configuration');
  });

  it('refuses a publishable key as the secret key, before any request', () => {
    expect(() =>
      createStripePaymentProvider({ secretKey: 'pk_test_123', webhookSecret: 'whsec_x' }),
    ).toThrow(/STRIPE_SECRET_KEY/);
  });

  it('lists at-risk customers: failed payments and cards expiring within the window', async () => {
    const local = await startStripeEmulator({ clock: () => new Date('2026-03-10T12:00:00Z') });
    try {
      const failed = local.seedFailedPayment({
        name: 'Grace Hopper',
        email: 'grace@example.com',
        unitAmount: 15_000,
        attemptCount: 2,
        nextPaymentAttempt: new Date('2026-03-11T12:00:00Z'),
      });
      local.seedInvoice({
        customer: failed.customerId,
        subscription: failed.subscriptionId,
        amountDue: 15_000,
        status: 'paid',
        paidAt: new Date('2026-02-10T12:00:00Z'),
      });
      const expiringCustomer = local.seedCustomer({
        name: 'Alan Turing',
        email: 'alan@example.com',
      });
      const expiringCard = local.seedPaymentMethod({
        customer: expiringCustomer,
        card: 'mastercard',
        expMonth: 3,
        expYear: 2026,
      });
      local.seedSubscription({
        customer: expiringCustomer,
        unitAmount: 29_900,
        interval: 'year',
        defaultPaymentMethod: expiringCard,
      });
      const fine = local.seedCustomer({ name: 'Katherine Johnson' });
      local.seedPaymentMethod({
        customer: fine,
        expMonth: 8,
        expYear: 2029,
        setAsCustomerDefault: true,
      });
      local.seedSubscription({ customer: fine, unitAmount: 2900 });
      const provider = createStripePaymentProvider({
        secretKey: local.secretKey,
        webhookSecret: local.webhookSecret,
        apiBase: { host: local.host, port: local.port, protocol: 'http' },
      });
      const { customers } = await provider.doListAtRiskCustomers({
        expiringWithinDays: 30,
        now: new Date('2026-03-10T12:00:00Z'),
      });
      const byId = new Map(customers.map((entry) => [entry.customer.providerCustomerId, entry]));
      expect([...byId.keys()].sort()).toEqual([expiringCustomer, failed.customerId].sort());
      const grace = byId.get(failed.customerId)!;
      expect(grace.customer).toMatchObject({
        name: 'Grace Hopper',
        email: 'grace@example.com',
        accountValue: 150,
        currency: 'usd',
        lastPaymentDate: new Date('2026-02-10T12:00:00Z'),
      });
      expect(grace.paymentMethod).toMatchObject({
        providerPaymentMethodId: failed.paymentMethodId,
        lastFourDigits: '0341',
        status: 'failed',
        failureCount: 2,
      });
      expect(grace.failedInvoices).toEqual([
        expect.objectContaining({
          providerInvoiceId: failed.invoiceId,
          providerSubscriptionId: failed.subscriptionId,
          amountDue: 150,
          attemptCount: 2,
          nextRetryAt: new Date('2026-03-11T12:00:00Z'),
        }),
      ]);
      expect(grace.risk).toMatchObject({ category: 'failed-payment', severity: 'high' });
      const alan = byId.get(expiringCustomer)!;
      expect(alan.customer.accountValue).toBeCloseTo(24.92, 2);
      expect(alan.paymentMethod).toMatchObject({ cardType: 'mastercard', status: 'active' });
      expect(alan.daysToExpiry).toBe(21);
      expect(alan.risk).toMatchObject({ category: 'expiring-card', severity: 'low' });
    } finally {
      await local.close();
    }
  });
});

describe("the Stripe provider's invoice list", () => {
  const at = (iso: string) => new Date(iso);

  it('leaves drafts out, paging past them until it has `limit` finalized invoices', async () => {
    const local = await startStripeEmulator({ clock: () => at('2026-03-10T12:00:00Z') });
    try {
      const customer = local.seedCustomer({ name: 'Grace Hopper' });
      const paid = local.seedInvoice({
        customer,
        amountDue: 4900,
        status: 'paid',
        created: at('2026-01-10T12:00:00Z'),
        paidAt: at('2026-01-10T12:05:00Z'),
      });
      const open = local.seedInvoice({
        customer,
        amountDue: 4950,
        attemptCount: 2,
        created: at('2026-02-10T12:00:00Z'),
      });
      const drafts = [1, 2, 3].map((day) =>
        local.seedInvoice({
          customer,
          amountDue: 4900,
          status: 'draft',
          created: at(`2026-03-0${day}T12:00:00Z`),
        }),
      );
      const provider = createStripePaymentProvider({
        secretKey: local.secretKey,
        webhookSecret: local.webhookSecret,
        apiBase: { host: local.host, port: local.port, protocol: 'http' },
      });
      const invoices = await provider.doListInvoices({ customerId: customer, limit: 2 });
      expect(invoices.map((invoice) => invoice.providerInvoiceId)).toEqual([open, paid]);
      const listed = local.requests.filter((request) => request.path === '/v1/invoices');
      expect(listed.map((request) => request.query.get('limit'))).toEqual(['3', '3']);
      expect(listed.map((request) => request.query.get('starting_after'))).toEqual([
        null,
        drafts[0],
      ]);
      expect(listed.every((request) => request.query.get('customer') === customer)).toBe(true);

      const everything = await provider.doListInvoices({ customerId: customer });
      expect(everything.map((invoice) => invoice.providerInvoiceId)).toEqual([open, paid]);
      const none = await provider.doListInvoices({ customerId: local.seedCustomer() });
      expect(none).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it('maps an invoice to what the customer sees: number, amounts, dates, hosted page', async () => {
    const local = await startStripeEmulator({ clock: () => at('2026-03-10T12:00:00Z') });
    try {
      const customer = local.seedCustomer();
      const prefix = local.getObject<{ invoice_prefix: string }>(customer).invoice_prefix;
      const paid = local.seedInvoice({
        customer,
        amountDue: 4950,
        status: 'paid',
        created: at('2026-02-10T12:00:00Z'),
        paidAt: at('2026-02-10T12:05:00Z'),
      });
      const manual = local.seedInvoice({
        customer,
        amountDue: 500_000,
        currency: 'jpy',
        created: at('2026-03-01T12:00:00Z'),
        dueDate: at('2026-03-31T12:00:00Z'),
      });
      const provider = createStripePaymentProvider({
        secretKey: local.secretKey,
        webhookSecret: local.webhookSecret,
        apiBase: { host: local.host, port: local.port, protocol: 'http' },
      });
      const invoices = await provider.doListInvoices({ customerId: customer });
      expect(invoices).toEqual([
        {
          providerInvoiceId: manual,
          number: `${prefix}-0002`,
          status: 'open',
          total: 500_000,
          amountDue: 500_000,
          currency: 'jpy',
          createdAt: at('2026-03-01T12:00:00Z'),
          dueDate: at('2026-03-31T12:00:00Z'),
          hostedInvoiceUrl: `https://invoice.stripe.com/i/emulator/${manual}`,
        },
        {
          providerInvoiceId: paid,
          number: `${prefix}-0001`,
          status: 'paid',
          total: 49.5,
          amountDue: 0,
          currency: 'usd',
          createdAt: at('2026-02-10T12:00:00Z'),
          paidAt: at('2026-02-10T12:05:00Z'),
          hostedInvoiceUrl: `https://invoice.stripe.com/i/emulator/${paid}`,
        },
      ]);
    } finally {
      await local.close();
    }
  });

  it('refuses a bad limit or an empty customer id before any request, in words', async () => {
    const provider = createProvider();
    const before = emulator.requests.length;
    for (const options of [
      { customerId: 'cus_1', limit: 0 },
      { customerId: 'cus_1', limit: 101 },
      { customerId: 'cus_1', limit: 1.5 },
      { customerId: 'cus_1', limit: Number.NaN },
      { customerId: '' },
    ]) {
      const error = await provider.doListInvoices(options).catch((caught: unknown) => caught);
      expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
      expect((error as ChurnError).message).toMatch(
        'customerId' in options && options.customerId === '' ? /customerId/ : /limit.*1 to 100/,
      );
    }
    expect(emulator.requests.length).toBe(before);
  });

  it("maps an unknown customer (another account's) to not_found, keeping the SDK error", async () => {
    const error = await createProvider()
      .doListInvoices({ customerId: 'cus_of_another_account' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('not_found');
    expect((error as ChurnError).message).toContain('parameter "customer"');
    expect((error as ChurnError).cause).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});

describe('Stripe webhooks', () => {
  const now = new Date();
  const invoiceObject = () => {
    const seeded = emulator.seedFailedPayment();
    return { seeded, invoice: emulator.getObject(seeded.invoiceId) };
  };

  it('accepts a delivery signed by the official SDK helper', async () => {
    const { seeded, invoice } = invoiceObject();
    const payload = JSON.stringify({
      id: 'evt_sdk',
      object: 'event',
      api_version: STRIPE_API_VERSION,
      created: Math.floor(now.getTime() / 1000),
      data: { object: invoice },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type: 'invoice.payment_failed',
    });
    const signature = Stripe.webhooks.generateTestHeaderString({
      payload,
      secret: emulator.webhookSecret,
    });
    const event = await createProvider().doParseWebhook({ payload, signature, now });
    expect(event).toMatchObject({
      id: 'evt_sdk',
      type: 'invoice-payment-failed',
      customerId: seeded.customerId,
      invoiceId: seeded.invoiceId,
      subscriptionId: seeded.subscriptionId,
      amountDue: 49,
      attemptCount: 1,
    });
  });

  it.each([
    ['a tampered payload', 'no-matching-signature', { tamper: true }],
    ['the wrong secret', 'no-matching-signature', { secret: 'whsec_other' }],
    ['a stale timestamp (301 s old)', 'timestamp-outside-tolerance', { age: 301 }],
    ['a timestamp 301 s in the future', 'timestamp-outside-tolerance', { age: -301 }],
    ['a missing header', 'missing-header', { header: '' }],
    ['a malformed header', 'malformed-header', { header: 'v1=abc' }],
  ] as const)('rejects %s with a typed error', async (_label, problem, variant) => {
    const { invoice } = invoiceObject();
    const timestamp = Math.floor(now.getTime() / 1000) - ('age' in variant ? variant.age : 0);
    const delivery = emulator.buildWebhook('invoice.paid', invoice, {
      timestamp,
      ...('secret' in variant ? { secret: variant.secret } : {}),
    });
    const payload =
      'tamper' in variant
        ? delivery.payload.replace('"livemode": false', '"livemode": true')
        : delivery.payload;
    if ('tamper' in variant) expect(payload).not.toBe(delivery.payload);
    const signature = 'header' in variant ? variant.header : delivery.signature;
    const error = await createProvider()
      .doParseWebhook({ payload, signature, now })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WebhookSignatureError);
    expect((error as WebhookSignatureError).code).toBe('unauthorized');
    expect((error as WebhookSignatureError).problem).toBe(problem);
  });

  it('accepts a delivery 299 s old, and bytes as well as text', async () => {
    const { invoice } = invoiceObject();
    const delivery = emulator.buildWebhook('invoice.paid', invoice, {
      timestamp: Math.floor(now.getTime() / 1000) - 299,
    });
    const event = await createProvider().doParseWebhook({
      payload: new TextEncoder().encode(delivery.payload),
      signature: delivery.signature,
      now,
    });
    expect(event.type).toBe('invoice-paid');
  });

  it('normalises the events recovery reads, and marks the rest unhandled', async () => {
    const provider = createProvider();
    const parse = (type: string, object: Record<string, unknown>) => {
      const delivery = emulator.buildWebhook(type, object, {
        created: new Date('2026-03-01T00:00:00Z'),
      });
      return provider.doParseWebhook({
        payload: delivery.payload,
        signature: delivery.signature,
        now,
      });
    };
    const seeded = emulator.seedFailedPayment({ card: 'visa' });
    const subscription = emulator.getObject(seeded.subscriptionId);
    await expect(
      parse('customer.subscription.deleted', {
        ...subscription,
        status: 'canceled',
        ended_at: 1772323200,
      }),
    ).resolves.toMatchObject({
      type: 'subscription-cancelled',
      subscriptionId: seeded.subscriptionId,
      customerId: seeded.customerId,
      cancelledAt: new Date(1772323200 * 1000),
    });
    const paymentMethod = emulator.getObject<Stripe.PaymentMethod>(seeded.paymentMethodId);
    await expect(
      parse('payment_method.automatically_updated', {
        ...paymentMethod,
        card: { ...paymentMethod.card, exp_year: 2031 },
      }),
    ).resolves.toMatchObject({
      type: 'card-updated-automatically',
      card: { providerPaymentMethodId: seeded.paymentMethodId, expiryYear: 2031, cardType: 'visa' },
    });
    await expect(
      parse('customer.source.expiring', {
        id: 'card_1',
        object: 'card',
        brand: 'American Express',
        last4: '0005',
        exp_month: 4,
        exp_year: 2026,
        customer: seeded.customerId,
      }),
    ).resolves.toMatchObject({
      type: 'card-expiring',
      customerId: seeded.customerId,
      card: { cardType: 'amex', lastFourDigits: '0005', expiryMonth: 4, expiryYear: 2026 },
    });
    const handle = await provider.doCreateSetupIntent({ customerId: seeded.customerId });
    await sdk.setupIntents
      .confirm(handle.id, { payment_method: 'pm_card_chargeDeclined' })
      .catch(() => {});
    await expect(
      parse('setup_intent.setup_failed', emulator.getObject(handle.id)),
    ).resolves.toMatchObject({
      type: 'setup-intent-failed',
      setupIntentId: handle.id,
      failure: { reason: 'card_declined', declineCode: 'generic_decline' },
    });
    await expect(
      parse('charge.refunded', { id: 'ch_1', object: 'charge', customer: 'cus_1' }),
    ).resolves.toMatchObject({
      type: 'event-unhandled',
      providerEventType: 'charge.refunded',
      customerId: 'cus_1',
    });
  });

  it("turns the emulator's own invoice.payment_failed into a failed-payment event with the next retry", async () => {
    const seeded = emulator.seedFailedPayment();
    await createProvider().doPayOpenInvoices({
      customerId: seeded.customerId,
      idempotencyKey: 'k',
    });
    const recorded = emulator.events
      .filter((event) => event.type === 'invoice.payment_failed')
      .at(-1)!;
    const object = (recorded.data as { object: Record<string, unknown> }).object;
    const delivery = emulator.buildWebhook('invoice.payment_failed', object);
    const event = await createProvider().doParseWebhook({
      payload: delivery.payload,
      signature: delivery.signature,
      now,
    });
    expect(event).toMatchObject({
      type: 'invoice-payment-failed',
      attemptCount: 2,
      invoiceId: seeded.invoiceId,
    });
  });
});
