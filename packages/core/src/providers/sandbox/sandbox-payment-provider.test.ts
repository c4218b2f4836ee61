import { describePaymentProviderConformance } from '@churn/testing/conformance';
import { describe, expect, it } from 'vitest';
import { fixedClock } from '../../clock.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import {
  createSandboxPaymentProvider,
  type SandboxPaymentProvider,
} from './sandbox-payment-provider.js';
import { passesLuhn, sandboxTestCards, validateSandboxCard } from './sandbox-test-cards.js';

const now = new Date('2026-03-10T12:00:00Z');
const clock = fixedClock(now);
const cardNumbers = {
  succeeds: '4242 4242 4242 4242',
  'charge-fails': '4000 0000 0000 0341',
  'setup-declined': '4000 0000 0000 0002',
  'authenticate-on-setup': '4000 0025 0000 3155',
} as const;

// One sandbox for the whole suite: the scenario drives the same instance the provider is.
const sandbox = createSandboxPaymentProvider({ clock });

describePaymentProviderConformance('sandbox', () => sandbox, {
  async seedFailedPayment({ cardDefaultOn }) {
    const ids = sandbox.addCustomer({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      card: { number: '4000000000000341', expMonth: 12, expYear: 2030 },
      subscription: { amount: 49, cardDefaultOn },
      failedInvoice: {},
    });
    return {
      customerId: ids.customerId,
      subscriptionId: ids.subscriptionId!,
      invoiceId: ids.invoiceId!,
      amountDue: 49,
    };
  },
  async confirmSetupIntent({ setupIntentId, clientSecret, card }) {
    await sandbox.confirmSetupIntent({
      setupIntentId,
      clientSecret,
      card: { number: cardNumbers[card], expMonth: 12, expYear: 2031, cvc: '123' },
    });
  },
  async completeAuthentication(setupIntentId) {
    await sandbox.confirmAuthentication({ setupIntentId });
  },
  async readDefaults({ customerId, subscriptionId }) {
    const view = sandbox.readCustomer(customerId);
    const subscription = view.subscriptions.find((candidate) => candidate.id === subscriptionId);
    return {
      ...(subscription?.defaultPaymentMethodId !== undefined
        ? { subscriptionDefault: subscription.defaultPaymentMethodId }
        : {}),
      ...(view.invoiceDefaultPaymentMethodId !== undefined
        ? { customerDefault: view.invoiceDefaultPaymentMethodId }
        : {}),
    };
  },
  async countSuccessfulCharges(customerId) {
    return sandbox
      .readCustomer(customerId)
      .charges.filter((charge) => charge.status === 'succeeded').length;
  },
  async signedInvoicePaidWebhook({ customerId, invoiceId }) {
    const delivery = sandbox.createWebhook({
      id: 'evt_sandbox_test',
      type: 'invoice-paid',
      providerEventType: 'invoice.paid',
      createdAt: now,
      customerId,
      invoiceId,
      amountPaid: 49,
      currency: 'usd',
      paidAt: now,
    });
    return { ...delivery, now };
  },
});

describe('the sandbox payment provider', () => {
  const fresh = (): SandboxPaymentProvider =>
    createSandboxPaymentProvider({
      clock,
      seed: [
        {
          id: 'cus_failed',
          name: 'Grace Hopper',
          email: 'grace@example.com',
          card: { number: '4000000000000341', expMonth: 12, expYear: 2030 },
          subscription: { amount: 150 },
          failedInvoice: { attemptCount: 2, nextRetryInDays: 1 },
          lastPaidAt: new Date('2026-02-10T12:00:00Z'),
        },
        {
          id: 'cus_expiring',
          name: 'Alan Turing',
          email: 'alan@example.com',
          card: { number: '4242424242424242', expMonth: 3, expYear: 2026 },
          subscription: { amount: 29 },
        },
        {
          id: 'cus_fine',
          name: 'Katherine Johnson',
          email: 'katherine@example.com',
          card: { number: '5555555555554444', expMonth: 8, expYear: 2029 },
          subscription: { amount: 29 },
        },
      ],
    });

  it('lists customers with failed payments and cards expiring within the window', async () => {
    const { customers } = await fresh().doListAtRiskCustomers({ expiringWithinDays: 30, now });
    const byId = new Map(customers.map((entry) => [entry.customer.providerCustomerId, entry]));
    expect([...byId.keys()].sort()).toEqual(['cus_expiring', 'cus_failed']);
    const failed = byId.get('cus_failed')!;
    expect(failed.risk.category).toBe('failed-payment');
    expect(failed.risk.severity).toBe('high');
    expect(failed.paymentMethod).toMatchObject({
      lastFourDigits: '0341',
      cardType: 'visa',
      status: 'failed',
      failureCount: 2,
    });
    expect(failed.failedInvoices).toHaveLength(1);
    expect(failed.customer.lastPaymentDate).toEqual(new Date('2026-02-10T12:00:00Z'));
    const expiring = byId.get('cus_expiring')!;
    expect(expiring.risk.category).toBe('expiring-card');
    expect(expiring.daysToExpiry).toBe(21);
    expect(expiring.paymentMethod?.status).toBe('active');
  });

  it("lists a customer's invoices newest first, numbered SBX-, without a hosted page", async () => {
    const sandbox = fresh();
    const invoices = await sandbox.doListInvoices({ customerId: 'cus_failed' });
    const [failedId] = sandbox
      .readCustomer('cus_failed')
      .invoices.filter((invoice) => invoice.status === 'open')
      .map((invoice) => invoice.id);
    expect(invoices).toEqual([
      {
        providerInvoiceId: failedId,
        number: 'SBX-0002',
        status: 'open',
        total: 150,
        amountDue: 150,
        currency: 'usd',
        createdAt: now,
      },
      {
        providerInvoiceId: expect.stringMatching(/^in_sandbox_/),
        number: 'SBX-0001',
        status: 'paid',
        total: 150,
        amountDue: 0,
        currency: 'usd',
        createdAt: new Date('2026-02-10T12:00:00Z'),
        paidAt: new Date('2026-02-10T12:00:00Z'),
      },
    ]);
    expect(invoices.some((invoice) => 'hostedInvoiceUrl' in invoice)).toBe(false);
    expect(await sandbox.doListInvoices({ customerId: 'cus_failed', limit: 1 })).toEqual([
      invoices[0],
    ]);
    expect(await sandbox.doListInvoices({ customerId: 'cus_fine' })).toEqual([]);
  });

  it('refuses a bad invoice listing in words, and an unknown customer as not_found', async () => {
    const sandbox = fresh();
    const invalid = await sandbox
      .doListInvoices({ customerId: '', limit: 0 })
      .catch((caught: unknown) => caught);
    expect(invalid).toBeInstanceOf(ValidationError);
    expect((invalid as ValidationError).issues.map((issue) => issue.path)).toEqual([
      ['customerId'],
      ['limit'],
    ]);
    const unknown = await sandbox
      .doListInvoices({ customerId: 'cus_unknown' })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(unknown) && unknown.code).toBe('not_found');
  });

  it('validates the demo card form like a card form: Luhn, expiry, CVC, and only test cards', async () => {
    const sandbox = fresh();
    const { id } = await sandbox.doCreateSetupIntent({ customerId: 'cus_fine' });
    const error = await sandbox
      .confirmSetupIntent({
        setupIntentId: id,
        card: { number: '4242 4242 4242 4241', expMonth: 2, expYear: 2026, cvc: '12' },
      })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ValidationError);
    const issues = (error as ValidationError).issues.map((issue) => issue.path.join('.'));
    expect(issues).toEqual(['card.number', 'card.expYear', 'card.cvc']);
    expect((error as ValidationError).message).not.toContain('4241');
    const real = validateSandboxCard(
      { number: '4111 1111 1111 1111', expMonth: 12, expYear: 30, cvc: '123' },
      now,
    );
    expect(real.issues.map((issue) => issue.message)).toEqual([
      'is not a sandbox test card: the sandbox never takes real cards; use 4242 4242 4242 4242',
    ]);
    expect(real.expYear).toBe(2030);
  });

  it('knows only Luhn-valid test cards, and asks Amex for four CVC digits', () => {
    for (const card of sandboxTestCards) expect(passesLuhn(card.number)).toBe(true);
    expect(passesLuhn('4242424242424241')).toBe(false);
    const amex = validateSandboxCard(
      { number: '378282246310005', expMonth: 1, expYear: 2030, cvc: '123' },
      now,
    );
    expect(amex.issues).toEqual([
      { path: ['card', 'cvc'], message: 'must be 4 digits (American Express)' },
    ]);
  });

  it('refuses a wrong client secret, and a confirm while authentication is pending', async () => {
    const sandbox = fresh();
    const handle = await sandbox.doCreateSetupIntent({ customerId: 'cus_fine' });
    expect(handle.mode).toBe('sandbox');
    const wrong = await sandbox
      .confirmSetupIntent({
        setupIntentId: handle.id,
        clientSecret: 'seti_other_secret',
        card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
      })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(wrong) && wrong.code).toBe('forbidden');
    await sandbox.confirmSetupIntent({
      setupIntentId: handle.id,
      card: { number: '4000002500003155', expMonth: 12, expYear: 2030, cvc: '123' },
    });
    const again = await sandbox
      .confirmSetupIntent({
        setupIntentId: handle.id,
        card: { number: '4242424242424242', expMonth: 12, expYear: 2030, cvc: '123' },
      })
      .catch((caught: unknown) => caught);
    expect(ChurnError.isInstance(again) && again.code).toBe('conflict');
    const failed = await sandbox.confirmAuthentication({
      setupIntentId: handle.id,
      succeed: false,
    });
    expect(failed.status).toBe('requires_payment_method');
    expect(failed.failure?.reason).toBe('authentication_failed');
  });

  it('replays the same SetupIntent for the same idempotency key', async () => {
    const sandbox = fresh();
    const first = await sandbox.doCreateSetupIntent({
      customerId: 'cus_fine',
      idempotencyKey: 'k1',
    });
    const second = await sandbox.doCreateSetupIntent({
      customerId: 'cus_fine',
      idempotencyKey: 'k1',
    });
    expect(second).toEqual(first);
  });

  it('records events for what happened, and its webhooks round-trip through doParseWebhook', async () => {
    const sandbox = fresh();
    await sandbox.doPayOpenInvoices({ customerId: 'cus_failed', idempotencyKey: 'retry-1' });
    const failure = sandbox.events.at(-1)!;
    expect(failure.type).toBe('invoice-payment-failed');
    const delivery = sandbox.createWebhook(failure);
    await expect(sandbox.doParseWebhook({ ...delivery, now })).resolves.toEqual(failure);
    const stale = sandbox.doParseWebhook({ ...delivery, now: new Date(now.getTime() + 301_000) });
    await expect(stale).rejects.toMatchObject({
      code: 'unauthorized',
      problem: 'timestamp-outside-tolerance',
    });
  });

  it('returns requires_action for a card that always needs authentication', async () => {
    const sandbox = fresh();
    sandbox.addCustomer({
      id: 'cus_3ds',
      name: 'Mary Jackson',
      email: 'mary@example.com',
      card: { number: '4000002760003184', expMonth: 12, expYear: 2030 },
      subscription: { amount: 49 },
      failedInvoice: {},
    });
    const { results } = await sandbox.doPayOpenInvoices({
      customerId: 'cus_3ds',
      idempotencyKey: 'a',
    });
    expect(results[0]).toMatchObject({
      status: 'requires_action',
      failure: { reason: 'authentication_required' },
    });
  });
});
