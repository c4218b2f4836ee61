import type { InvoiceSummary, PaymentProviderV1 } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { captureRejection, isChurnError, isChurnErrorWithCode } from './conformance-helpers.js';

/**
 * Stripe's test cards by what they do, so one suite drives every provider:
 * - `succeeds`: 4242 4242 4242 4242 (`pm_card_visa`).
 * - `charge-fails`: 4000 0000 0000 0341 (`pm_card_chargeCustomerFail`): saves, charges fail.
 * - `setup-declined`: 4000 0000 0000 0002 (`pm_card_chargeDeclined`): declined when saved.
 * - `authenticate-on-setup`: 4000 0025 0000 3155 (`pm_card_authenticationRequiredOnSetup`).
 */
export type PaymentConformanceCard =
  | 'succeeds'
  | 'charge-fails'
  | 'setup-declined'
  | 'authenticate-on-setup';

/** How the suite sets up data and plays the browser's part for one provider. */
export interface PaymentProviderConformanceScenario {
  /**
   * A customer with a card whose charges fail, a monthly subscription, and one open invoice
   * whose payment failed. `cardDefaultOn` says where the old card is the default.
   */
  seedFailedPayment(options: { cardDefaultOn: 'subscription' | 'customer' }): Promise<{
    customerId: string;
    subscriptionId: string;
    invoiceId: string;
    /** Major units. */
    amountDue: number;
  }>;
  /**
   * What the card form does in the browser (Stripe.js `confirmSetup`): confirm the SetupIntent
   * with a test card. A declined card must not throw (Stripe.js returns the error).
   */
  confirmSetupIntent(options: {
    setupIntentId: string;
    clientSecret: string;
    card: PaymentConformanceCard;
  }): Promise<void>;
  /** Completes the bank's authentication step of a SetupIntent in `requires_action`. */
  completeAuthentication(setupIntentId: string): Promise<void>;
  /** Where the provider's billing now looks for a card. */
  readDefaults(options: { customerId: string; subscriptionId: string }): Promise<{
    subscriptionDefault?: string;
    customerDefault?: string;
  }>;
  /** How many successful charges the customer has had. */
  countSuccessfulCharges(customerId: string): Promise<number>;
  /** A correctly signed webhook delivery of `invoice.paid` for the customer's invoice. */
  signedInvoicePaidWebhook(options: { customerId: string; invoiceId: string }): Promise<{
    payload: string;
    signature: string;
    now: Date;
  }>;
  /** Per-test timeout in milliseconds, for remote providers. */
  timeoutMs?: number;
}

const plainDecline = 'Your bank declined the card. Try another card or contact your bank.';

/**
 * The conformance suite of {@link PaymentProviderV1}: the Stripe adapter (against the emulator)
 * and the sandbox both pass it.
 *
 * Checked: the metadata; a new card is saved, verified server-side, made the default where the
 * failing charge looks for it (the subscription's own default when it has one, else the
 * customer's invoice settings), and the open invoice is paid; a card that saves but cannot be
 * charged (0341) gives a `declined` result in plain words; a card declined at setup (0002)
 * leaves the SetupIntent `requires_payment_method` with the reason; a card needing
 * authentication (3155) is `requires_action` until authenticated; verifying another customer's
 * SetupIntent is refused with `forbidden`; paying twice with one idempotency key (in turn or at
 * once) charges once; a signed webhook parses and a tampered one is refused with `unauthorized`;
 * `doListInvoices` lists the failed invoice first (`open`, what is owed), then `paid` with
 * nothing owed once the new card paid it, honours `limit`, never shows another customer's
 * invoices, refuses a `limit` outside 1..100 or not whole with `validation_failed`, and an
 * unknown customer with `not_found`. `doListInvoices` is optional in the v1 contract, but this
 * suite requires it: a provider without it fails these cases rather than skipping them.
 *
 * @example
 * describePaymentProviderConformance('sandbox', () => sandbox, sandboxScenario);
 */
export function describePaymentProviderConformance(
  name: string,
  createProvider: () => PaymentProviderV1 | Promise<PaymentProviderV1>,
  scenario: PaymentProviderConformanceScenario,
): void {
  const timeout = scenario.timeoutMs;

  const saveCard = async (
    provider: PaymentProviderV1,
    customerId: string,
    card: PaymentConformanceCard,
  ) => {
    const handle = await provider.doCreateSetupIntent({ customerId });
    expect(handle.id.length).toBeGreaterThan(0);
    expect(handle.clientSecret.length).toBeGreaterThan(0);
    await scenario.confirmSetupIntent({
      setupIntentId: handle.id,
      clientSecret: handle.clientSecret,
      card,
    });
    return handle;
  };

  /** Saves the card (as the card form does), verifies it succeeded, and makes it the default. */
  const saveDefaultCard = async (
    provider: PaymentProviderV1,
    customerId: string,
    card: PaymentConformanceCard,
  ): Promise<string> => {
    const handle = await saveCard(provider, customerId, card);
    const verified = await provider.doVerifySetupIntent({ setupIntentId: handle.id, customerId });
    if (verified.status !== 'succeeded')
      throw new Error(`expected succeeded, got ${verified.status}`);
    const paymentMethodId = verified.paymentMethod.providerPaymentMethodId;
    await provider.doSetDefaultPaymentMethod({ customerId, paymentMethodId });
    return paymentMethodId;
  };

  /** The provider's `doListInvoices`, or a failure saying it is missing (never a skip). */
  const listInvoicesOf = (
    provider: PaymentProviderV1,
  ): ((options: { customerId: string; limit?: number }) => Promise<InvoiceSummary[]>) => {
    const doListInvoices = provider.doListInvoices;
    if (typeof doListInvoices !== 'function') {
      throw new Error(
        `${name} does not implement doListInvoices: it is optional in PaymentProviderV1, but this suite checks it; implement it to list a customer's invoices.`,
      );
    }
    return (options) => doListInvoices.call(provider, options);
  };

  describe(`PaymentProviderV1 conformance: ${name}`, () => {
    it(
      'describes itself',
      async () => {
        const provider = await createProvider();
        expect(provider.specificationVersion).toBe('v1');
        expect(typeof provider.provider).toBe('string');
        expect(provider.provider.length).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      'saves a new card, verifies it, makes it the customer default and pays the open invoice',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const handle = await saveCard(provider, seeded.customerId, 'succeeds');
        const verified = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: seeded.customerId,
        });
        expect(verified.status).toBe('succeeded');
        if (verified.status !== 'succeeded') return;
        expect(verified.paymentMethod.lastFourDigits).toBe('4242');
        expect(verified.paymentMethod.cardType).toBe('visa');
        const paymentMethodId = verified.paymentMethod.providerPaymentMethodId;

        const update = await provider.doSetDefaultPaymentMethod({
          customerId: seeded.customerId,
          paymentMethodId,
          subscriptionId: seeded.subscriptionId,
        });
        expect(update).toEqual({
          paymentMethodId,
          updatedSubscriptionIds: [],
          updatedCustomerDefault: true,
        });
        const defaults = await scenario.readDefaults(seeded);
        expect(defaults.customerDefault).toBe(paymentMethodId);
        expect(defaults.subscriptionDefault).toBeUndefined();

        const { results } = await provider.doPayOpenInvoices({
          customerId: seeded.customerId,
          idempotencyKey: `pay-${seeded.invoiceId}`,
        });
        expect(results).toHaveLength(1);
        expect(results[0]).toMatchObject({
          status: 'paid',
          invoiceId: seeded.invoiceId,
          amountPaid: seeded.amountDue,
        });
        expect(await scenario.countSuccessfulCharges(seeded.customerId)).toBe(1);
      },
      timeout,
    );

    it(
      'puts the card on the subscription when the subscription has its own default',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'subscription' });
        const before = await scenario.readDefaults(seeded);
        const handle = await saveCard(provider, seeded.customerId, 'succeeds');
        const verified = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: seeded.customerId,
        });
        if (verified.status !== 'succeeded')
          throw new Error(`expected succeeded, got ${verified.status}`);
        const paymentMethodId = verified.paymentMethod.providerPaymentMethodId;
        const update = await provider.doSetDefaultPaymentMethod({
          customerId: seeded.customerId,
          paymentMethodId,
          subscriptionId: seeded.subscriptionId,
        });
        expect(update.updatedSubscriptionIds).toEqual([seeded.subscriptionId]);
        expect(update.updatedCustomerDefault).toBe(false);
        const after = await scenario.readDefaults(seeded);
        expect(after.subscriptionDefault).toBe(paymentMethodId);
        expect(after.customerDefault).toBe(before.customerDefault);
        const { results } = await provider.doPayOpenInvoices({
          customerId: seeded.customerId,
          idempotencyKey: `pay-${seeded.invoiceId}`,
        });
        expect(results.map((result) => result.status)).toEqual(['paid']);
      },
      timeout,
    );

    it(
      'saves a card that cannot be charged (0341), then reports the declined payment in plain words',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        await saveDefaultCard(provider, seeded.customerId, 'charge-fails');
        const { results } = await provider.doPayOpenInvoices({
          customerId: seeded.customerId,
          idempotencyKey: `pay-${seeded.invoiceId}`,
        });
        expect(results).toHaveLength(1);
        const result = results[0]!;
        expect(result.status).toBe('declined');
        if (result.status !== 'declined') return;
        expect(result.failure.reason).toBe('card_declined');
        expect(result.failure.declineCode).toBe('generic_decline');
        expect(result.failure.message).toBe(plainDecline);
        expect(result.amountDue).toBe(seeded.amountDue);
        expect(await scenario.countSuccessfulCharges(seeded.customerId)).toBe(0);
      },
      timeout,
    );

    it(
      'leaves a SetupIntent declined at setup (0002) needing another card, with the reason',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const handle = await saveCard(provider, seeded.customerId, 'setup-declined');
        const verified = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: seeded.customerId,
        });
        expect(verified.status).toBe('requires_payment_method');
        if (verified.status === 'succeeded') return;
        expect(verified.failure?.reason).toBe('card_declined');
        expect(verified.failure?.message).toBe(plainDecline);
      },
      timeout,
    );

    it(
      'keeps a card needing authentication (3155) in requires_action until it is authenticated',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const handle = await saveCard(provider, seeded.customerId, 'authenticate-on-setup');
        const pending = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: seeded.customerId,
        });
        expect(pending.status).toBe('requires_action');
        await scenario.completeAuthentication(handle.id);
        const verified = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: seeded.customerId,
        });
        expect(verified.status).toBe('succeeded');
        if (verified.status !== 'succeeded') return;
        expect(verified.paymentMethod.lastFourDigits).toBe('3155');
        await provider.doSetDefaultPaymentMethod({
          customerId: seeded.customerId,
          paymentMethodId: verified.paymentMethod.providerPaymentMethodId,
        });
        const { results } = await provider.doPayOpenInvoices({
          customerId: seeded.customerId,
          idempotencyKey: `pay-${seeded.invoiceId}`,
        });
        expect(results.map((result) => result.status)).toEqual(['paid']);
      },
      timeout,
    );

    it(
      "refuses to verify another customer's SetupIntent, and to make another customer's card the default",
      async () => {
        const provider = await createProvider();
        const owner = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const other = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const handle = await saveCard(provider, owner.customerId, 'succeeds');
        const error = await captureRejection(() =>
          provider.doVerifySetupIntent({ setupIntentId: handle.id, customerId: other.customerId }),
        );
        expect(isChurnErrorWithCode(error, 'forbidden')).toBe(true);
        const verified = await provider.doVerifySetupIntent({
          setupIntentId: handle.id,
          customerId: owner.customerId,
        });
        if (verified.status !== 'succeeded')
          throw new Error(`expected succeeded, got ${verified.status}`);
        const stolen = await captureRejection(() =>
          provider.doSetDefaultPaymentMethod({
            customerId: other.customerId,
            paymentMethodId: verified.paymentMethod.providerPaymentMethodId,
          }),
        );
        expect(isChurnErrorWithCode(stolen, 'forbidden')).toBe(true);
      },
      timeout,
    );

    it(
      'charges once when paying twice with the same idempotency key, in turn or at once',
      async () => {
        const provider = await createProvider();
        for (const concurrent of [false, true]) {
          const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
          await saveDefaultCard(provider, seeded.customerId, 'succeeds');
          const pay = () =>
            provider.doPayOpenInvoices({
              customerId: seeded.customerId,
              idempotencyKey: 'double-click',
            });
          const outcomes = concurrent
            ? await Promise.all([pay(), pay()])
            : [await pay(), await pay()];
          const statuses = outcomes.flatMap((outcome) =>
            outcome.results.map((result) => result.status),
          );
          expect(statuses).toContain('paid');
          expect(statuses.every((status) => status === 'paid')).toBe(true);
          expect(await scenario.countSuccessfulCharges(seeded.customerId)).toBe(1);
        }
      },
      timeout,
    );

    it(
      'parses a signed webhook and refuses a tampered one',
      async () => {
        const provider = await createProvider();
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const delivery = await scenario.signedInvoicePaidWebhook(seeded);
        const event = await provider.doParseWebhook(delivery);
        expect(event.type).toBe('invoice-paid');
        if (event.type !== 'invoice-paid') return;
        expect(event.invoiceId).toBe(seeded.invoiceId);
        expect(event.customerId).toBe(seeded.customerId);
        const tampered = delivery.payload.replace(seeded.invoiceId, `${seeded.invoiceId}x`);
        const error = await captureRejection(() =>
          provider.doParseWebhook({ ...delivery, payload: tampered }),
        );
        expect(isChurnErrorWithCode(error, 'unauthorized')).toBe(true);
        expect(isChurnError(error) && error.message).toMatch(/signature/i);
      },
      timeout,
    );

    it(
      'lists the failed invoice first, open, with what is owed',
      async () => {
        const provider = await createProvider();
        const listInvoices = listInvoicesOf(provider);
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const invoices = await listInvoices({ customerId: seeded.customerId });
        expect(invoices.length).toBeGreaterThan(0);
        const first = invoices[0]!;
        expect(first).toMatchObject({
          providerInvoiceId: seeded.invoiceId,
          status: 'open',
          amountDue: seeded.amountDue,
          total: seeded.amountDue,
          currency: 'usd',
        });
        expect(first.createdAt).toBeInstanceOf(Date);
        expect(Number.isNaN(first.createdAt.getTime())).toBe(false);
        expect(first.paidAt).toBeUndefined();
        for (const invoice of invoices) {
          expect(['open', 'paid', 'void', 'uncollectible']).toContain(invoice.status);
        }
        const times = invoices.map((invoice) => invoice.createdAt.getTime());
        expect(times).toEqual([...times].sort((left, right) => right - left));
      },
      timeout,
    );

    it(
      'lists the invoice paid, with nothing owed, once the new card paid it',
      async () => {
        const provider = await createProvider();
        const listInvoices = listInvoicesOf(provider);
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        await saveDefaultCard(provider, seeded.customerId, 'succeeds');
        const { results } = await provider.doPayOpenInvoices({
          customerId: seeded.customerId,
          idempotencyKey: `pay-${seeded.invoiceId}`,
        });
        expect(results.map((result) => result.status)).toEqual(['paid']);
        const invoices = await listInvoices({ customerId: seeded.customerId });
        const paid = invoices.find((invoice) => invoice.providerInvoiceId === seeded.invoiceId);
        expect(paid).toMatchObject({
          status: 'paid',
          amountDue: 0,
          total: seeded.amountDue,
          currency: 'usd',
        });
        expect(paid?.paidAt).toBeInstanceOf(Date);
        expect(Number.isNaN(paid?.paidAt?.getTime())).toBe(false);
      },
      timeout,
    );

    it(
      "honours limit, and never lists another customer's invoices",
      async () => {
        const provider = await createProvider();
        const listInvoices = listInvoicesOf(provider);
        const owner = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const other = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        const all = await listInvoices({ customerId: owner.customerId });
        const one = await listInvoices({ customerId: owner.customerId, limit: 1 });
        expect(one).toHaveLength(1);
        expect(one[0]!.providerInvoiceId).toBe(all[0]!.providerInvoiceId);
        const ownerIds = all.map((invoice) => invoice.providerInvoiceId);
        expect(ownerIds).toContain(owner.invoiceId);
        expect(ownerIds).not.toContain(other.invoiceId);
        const otherIds = (await listInvoices({ customerId: other.customerId })).map(
          (invoice) => invoice.providerInvoiceId,
        );
        expect(otherIds).toContain(other.invoiceId);
        expect(otherIds).not.toContain(owner.invoiceId);
      },
      timeout,
    );

    it(
      'refuses a limit outside 1..100 or not whole, and an unknown customer',
      async () => {
        const provider = await createProvider();
        const listInvoices = listInvoicesOf(provider);
        const seeded = await scenario.seedFailedPayment({ cardDefaultOn: 'customer' });
        for (const limit of [0, 101, 1.5]) {
          const error = await captureRejection(() =>
            listInvoices({ customerId: seeded.customerId, limit }),
          );
          expect(isChurnErrorWithCode(error, 'validation_failed')).toBe(true);
          expect(isChurnError(error) && error.message).toMatch(/limit/);
        }
        const unknown = await captureRejection(() =>
          listInvoices({ customerId: 'cus_churn_conformance_unknown' }),
        );
        expect(isChurnErrorWithCode(unknown, 'not_found')).toBe(true);
      },
      timeout,
    );
  });
}
