import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { validateListInvoicesOptions } from '../../payment-provider/v1/list-invoices-options.js';
import { PaymentError } from '../../payment-provider/v1/payment-error.js';
import type { PaymentEvent } from '../../payment-provider/v1/payment-event.js';
import { describePaymentFailure } from '../../payment-provider/v1/payment-failure.js';
import type {
  AtRiskCustomer,
  DefaultPaymentMethodUpdate,
  FailedInvoice,
  InvoicePaymentResult,
  InvoiceSummary,
  PaymentProviderV1,
  PendingSetupIntentStatus,
  SetupIntentVerification,
} from '../../payment-provider/v1/payment-provider-v1.js';
import { verifyWebhookSignature } from '../../payment-provider/webhook-signature.js';
import { assessRisk, daysUntilCardExpiry } from '../../risk/assess-risk.js';
import { retryWithBackoff } from '../openai/retry-with-backoff.js';
import { classifyStripeError, mapStripeError } from './map-stripe-error.js';
import {
  fromMinorUnits,
  idOf,
  subscriptionOfInvoice,
  toPaymentCard,
  toPaymentEvent,
} from './to-payment-event.js';

/**
 * The Stripe API version this adapter is written and tested against: the version the `stripe`
 * package's types describe (`Stripe.LatestApiVersion`). Sent as `Stripe-Version` on every call,
 * so the account's default version never changes what the adapter reads.
 */
export const STRIPE_API_VERSION = '2026-10-28.endive' satisfies Stripe.LatestApiVersion;

/** Settings of {@link createStripePaymentProvider}. */
export interface StripePaymentProviderSettings {
  /** `sk_test_...` or `sk_live_...` (or a restricted `rk_...` key). Server-side only. */
  secretKey: string;
  /** `pk_test_...`/`pk_live_...`, handed to the card form with each SetupIntent. */
  publishableKey?: string;
  /**
   * The endpoint's signing secret (`whsec_...`); several during a rotation. Without it
   * `doParseWebhook` refuses every delivery.
   */
  webhookSecret: string | readonly string[];
  /** Where the API is: Stripe by default; stripe-mock or the emulator in tests. */
  apiBase?: { host: string; port?: number; protocol?: 'http' | 'https' };
  /** Pinned API version. Default {@link STRIPE_API_VERSION}. */
  apiVersion?: Stripe.LatestApiVersion;
  /**
   * Retries after the first attempt on 409, 429 (honouring `Retry-After` up to 60 s), 5xx,
   * dropped connections and timeouts, each with the same idempotency key. Default 2.
   */
  maxNetworkRetries?: number;
  /** First backoff in milliseconds, doubled each retry (jitter up to 25 %). Default 500. */
  initialRetryDelayMs?: number;
  /** Bound of one HTTP attempt in milliseconds. Default 30 000. */
  timeoutMs?: number;
  /** Webhook timestamp tolerance in seconds. Default 300 (Stripe's). */
  webhookToleranceSeconds?: number;
}

const pendingStatuses: readonly PendingSetupIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
  'processing',
  'canceled',
];

/** Statuses of subscriptions that still bill (so still need a working card). */
const liveSubscriptionStatuses = new Set([
  'active',
  'past_due',
  'unpaid',
  'trialing',
  'incomplete',
]);

/** Monthly value of one subscription, in major units. */
function monthlyValue(subscription: Stripe.Subscription): number {
  let total = 0;
  for (const item of subscription.items.data) {
    const price = item.price;
    const recurring = price.recurring;
    if (!recurring || price.unit_amount === null) continue;
    const amount = fromMinorUnits(price.unit_amount * (item.quantity ?? 1), price.currency);
    const months =
      recurring.interval === 'year'
        ? 12
        : recurring.interval === 'week'
          ? 12 / 52
          : recurring.interval === 'day'
            ? 12 / 365
            : 1;
    total += amount / (months * recurring.interval_count);
  }
  return Math.round(total * 100) / 100;
}

/** Statuses a customer sees; a `draft` (or a status this version does not know) is left out. */
const customerInvoiceStatuses: readonly InvoiceSummary['status'][] = [
  'open',
  'paid',
  'void',
  'uncollectible',
];

/** A finalized Stripe invoice as an {@link InvoiceSummary}; `undefined` for a draft. */
function toInvoiceSummary(invoice: Stripe.Invoice): InvoiceSummary | undefined {
  const status = customerInvoiceStatuses.find((candidate) => candidate === invoice.status);
  if (status === undefined) return undefined;
  const paidAt = invoice.status_transitions.paid_at;
  return {
    providerInvoiceId: invoice.id,
    ...(invoice.number ? { number: invoice.number } : {}),
    status,
    total: fromMinorUnits(invoice.total, invoice.currency),
    amountDue: fromMinorUnits(invoice.amount_remaining, invoice.currency),
    currency: invoice.currency.toLowerCase(),
    createdAt: new Date(invoice.created * 1000),
    ...(invoice.due_date !== null ? { dueDate: new Date(invoice.due_date * 1000) } : {}),
    ...(paidAt !== null ? { paidAt: new Date(paidAt * 1000) } : {}),
    ...(invoice.hosted_invoice_url ? { hostedInvoiceUrl: invoice.hosted_invoice_url } : {}),
  };
}

function cardOfPaymentMethod(
  value: string | Stripe.PaymentMethod | null | undefined,
): Stripe.PaymentMethod | undefined {
  return typeof value === 'object' && value !== null && value.card ? value : undefined;
}

/**
 * The Stripe payment provider: {@link PaymentProviderV1} through the official `stripe` SDK.
 *
 * - Every write carries an idempotency key, generated once per operation and reused on every
 *   retry (the SDK's own retries are off: ours also retry 429 and honour `Retry-After`).
 * - Every failure leaves through {@link mapStripeError}: card problems as `PaymentError` with
 *   plain words, the SDK error as `cause`.
 * - Webhooks are verified here (constant-time, tolerance against the caller's `now`), then
 *   normalised by {@link toPaymentEvent}.
 *
 * @example
 * const stripe = createStripePaymentProvider({
 *   secretKey: process.env.STRIPE_SECRET_KEY!,
 *   publishableKey: process.env.STRIPE_PUBLISHABLE_KEY,
 *   webhookSecret: process.env.STRIPE_WEBHOOK_SECRET!,
 * });
 */
export function createStripePaymentProvider(
  settings: StripePaymentProviderSettings,
): PaymentProviderV1 & Required<Pick<PaymentProviderV1, 'doListInvoices'>> {
  if (typeof settings.secretKey !== 'string' || !/^(sk|rk)_/.test(settings.secretKey)) {
    throw new ChurnError(
      'configuration',
      'The Stripe secret key is missing or malformed: set STRIPE_SECRET_KEY to a key starting with sk_test_, sk_live_ or rk_ (never the publishable pk_ key).',
    );
  }
  if (settings.publishableKey !== undefined && !settings.publishableKey.startsWith('pk_')) {
    throw new ChurnError(
      'configuration',
      'The Stripe publishable key must start with pk_test_ or pk_live_: it is the key the browser uses.',
    );
  }
  const maxRetries = settings.maxNetworkRetries ?? 2;
  const timeoutMs = settings.timeoutMs ?? 30_000;
  const initialDelayMs = settings.initialRetryDelayMs ?? 500;
  for (const [name, value] of Object.entries({ maxRetries, timeoutMs, initialDelayMs })) {
    if (!Number.isFinite(value) || value < 0) {
      throw new ChurnError(
        'configuration',
        `Stripe ${name} must be a number of 0 or more, got ${value}.`,
      );
    }
  }
  const apiBase = settings.apiBase;
  const apiBaseText = apiBase
    ? `${apiBase.protocol ?? 'https'}://${apiBase.host}${apiBase.port !== undefined ? `:${apiBase.port}` : ''}`
    : 'https://api.stripe.com';
  const client = new Stripe(settings.secretKey, {
    apiVersion: settings.apiVersion ?? STRIPE_API_VERSION,
    maxNetworkRetries: 0,
    timeout: timeoutMs > 0 ? timeoutMs : 80_000,
    telemetry: false,
    appInfo: { name: 'churn', url: 'https://github.com/churn-dev/churn' },
    ...(apiBase
      ? {
          host: apiBase.host,
          ...(apiBase.port !== undefined ? { port: apiBase.port } : {}),
          protocol: apiBase.protocol ?? 'https',
        }
      : {}),
  });
  const mode: 'live' | 'test' = /^(sk|rk)_live_/.test(settings.secretKey) ? 'live' : 'test';

  /** Runs one Stripe call with retries; failures leave mapped. */
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await retryWithBackoff(() => run(), {
        maxRetries,
        initialDelayMs,
        maxDelayMs: 8_000,
        maxRetryAfterMs: 60_000,
        // The SDK enforces the per-attempt timeout itself (it takes no abort signal).
        timeoutMs: 0,
        classify: classifyStripeError,
      });
    } catch (error) {
      throw mapStripeError(error, { operation, timeoutMs, apiBase: apiBaseText });
    }
  };

  const listAll = async <T>(
    operation: string,
    page: (startingAfter: string | undefined) => Promise<Stripe.ApiList<T & { id: string }>>,
  ): Promise<(T & { id: string })[]> => {
    const all: (T & { id: string })[] = [];
    let startingAfter: string | undefined;
    for (;;) {
      const list = await call(operation, () => page(startingAfter));
      all.push(...list.data);
      const last = list.data.at(-1);
      if (!list.has_more || last === undefined) return all;
      startingAfter = last.id;
    }
  };

  const requireCustomer = (owner: string | undefined, customerId: string, what: string) => {
    if (owner !== customerId) {
      throw new ChurnError(
        'forbidden',
        `${what} does not belong to customer ${customerId}: it cannot be used for this customer.`,
      );
    }
  };

  return {
    specificationVersion: 'v1',
    provider: 'stripe',

    async doListAtRiskCustomers({ expiringWithinDays, now }) {
      if (!Number.isFinite(expiringWithinDays) || expiringWithinDays < 0) {
        throw new ValidationError('at-risk listing', [
          { path: ['expiringWithinDays'], message: 'must be a number of days, 0 or more' },
        ]);
      }
      const openInvoices = await listAll<Stripe.Invoice>('listing open invoices', (startingAfter) =>
        client.invoices.list({
          status: 'open',
          collection_method: 'charge_automatically',
          limit: 100,
          ...(startingAfter ? { starting_after: startingAfter } : {}),
        }),
      );
      const subscriptions = await listAll<Stripe.Subscription>(
        'listing subscriptions',
        (startingAfter) =>
          client.subscriptions.list({
            limit: 100,
            expand: ['data.default_payment_method', 'data.customer'],
            ...(startingAfter ? { starting_after: startingAfter } : {}),
          }),
      );
      const failedByCustomer = new Map<string, Stripe.Invoice[]>();
      for (const invoice of openInvoices) {
        const customerId = idOf(invoice.customer);
        if (customerId === undefined || invoice.attempt_count === 0) continue;
        failedByCustomer.set(customerId, [...(failedByCustomer.get(customerId) ?? []), invoice]);
      }
      const subscriptionsByCustomer = new Map<string, Stripe.Subscription[]>();
      const customerObjects = new Map<string, Stripe.Customer>();
      for (const subscription of subscriptions) {
        if (!liveSubscriptionStatuses.has(subscription.status)) continue;
        const customerId = idOf(subscription.customer);
        if (customerId === undefined) continue;
        if (typeof subscription.customer === 'object' && !subscription.customer.deleted) {
          customerObjects.set(customerId, subscription.customer);
        }
        subscriptionsByCustomer.set(customerId, [
          ...(subscriptionsByCustomer.get(customerId) ?? []),
          subscription,
        ]);
      }
      const candidates = new Set([...failedByCustomer.keys(), ...subscriptionsByCustomer.keys()]);
      const customers: AtRiskCustomer[] = [];
      for (const customerId of candidates) {
        let customer = customerObjects.get(customerId);
        const live = subscriptionsByCustomer.get(customerId) ?? [];
        const failing = (failedByCustomer.get(customerId) ?? []).sort(
          (left, right) => left.created - right.created,
        );
        // The card a charge looks for: the subscription's own default, else the customer's.
        let paymentMethod = live
          .map((subscription) => cardOfPaymentMethod(subscription.default_payment_method))
          .find((candidate) => candidate !== undefined);
        if (!paymentMethod) {
          if (customer === undefined || customer.invoice_settings.default_payment_method !== null) {
            const retrieved = await call(`reading customer ${customerId}`, () =>
              client.customers.retrieve(customerId, {
                expand: ['invoice_settings.default_payment_method'],
              }),
            );
            if (retrieved.deleted) continue;
            customer = retrieved;
            paymentMethod = cardOfPaymentMethod(customer.invoice_settings.default_payment_method);
          }
        }
        if (customer === undefined) continue;
        const card = paymentMethod?.card;
        const daysToExpiry = card
          ? daysUntilCardExpiry({ expiryMonth: card.exp_month, expiryYear: card.exp_year }, now)
          : undefined;
        const expiring = daysToExpiry !== undefined && daysToExpiry <= expiringWithinDays;
        if (failing.length === 0 && !expiring) continue;
        const failedInvoices: FailedInvoice[] = failing.map((invoice) => {
          const subscriptionId = subscriptionOfInvoice(invoice);
          return {
            providerInvoiceId: invoice.id,
            ...(subscriptionId !== undefined ? { providerSubscriptionId: subscriptionId } : {}),
            amountDue: fromMinorUnits(invoice.amount_remaining, invoice.currency),
            currency: invoice.currency,
            attemptCount: invoice.attempt_count,
            ...(invoice.next_payment_attempt !== null
              ? { nextRetryAt: new Date(invoice.next_payment_attempt * 1000) }
              : {}),
            createdAt: new Date(invoice.created * 1000),
          };
        });
        const failureCount = Math.max(0, ...failing.map((invoice) => invoice.attempt_count));
        const accountValue = live.reduce(
          (sum, subscription) => sum + monthlyValue(subscription),
          0,
        );
        const nextRetryAt = failedInvoices
          .map((invoice) => invoice.nextRetryAt)
          .filter((date): date is Date => date !== undefined)
          .sort((left, right) => left.getTime() - right.getTime())[0];
        const lastPaid = await call(`reading the last paid invoice of ${customerId}`, () =>
          client.invoices.list({ customer: customerId, status: 'paid', limit: 1 }),
        );
        const paidAt = lastPaid.data[0]?.status_transitions.paid_at ?? null;
        const currency = live[0]?.currency ?? failing[0]?.currency ?? customer.currency ?? 'usd';
        customers.push({
          customer: {
            providerCustomerId: customerId,
            ...(customer.name ? { name: customer.name } : {}),
            ...(customer.email ? { email: customer.email } : {}),
            ...(customer.phone ? { phone: customer.phone } : {}),
            accountValue,
            currency,
            customerSince: new Date(customer.created * 1000),
            ...(paidAt !== null ? { lastPaymentDate: new Date(paidAt * 1000) } : {}),
          },
          ...(paymentMethod?.card
            ? {
                paymentMethod: {
                  ...toPaymentCard(paymentMethod.id, paymentMethod.card),
                  status:
                    daysToExpiry !== undefined && daysToExpiry < 0
                      ? 'expired'
                      : failing.length > 0
                        ? 'failed'
                        : 'active',
                  failureCount,
                },
              }
            : {}),
          failedInvoices,
          ...(daysToExpiry !== undefined ? { daysToExpiry } : {}),
          risk: assessRisk({
            accountValue,
            failureCount,
            daysToExpiry: expiring ? daysToExpiry : undefined,
            nextRetryAt,
            now,
          }),
        });
      }
      return { customers };
    },

    async doCreateSetupIntent({ customerId, idempotencyKey }) {
      const key = idempotencyKey ?? randomUUID();
      const setupIntent = await call(`creating a SetupIntent for ${customerId}`, () =>
        client.setupIntents.create(
          {
            customer: customerId,
            usage: 'off_session',
            allowed_payment_method_types: ['card'],
            metadata: { churn_purpose: 'payment-recovery' },
          },
          { idempotencyKey: `churn-setup-intent:${key}` },
        ),
      );
      if (setupIntent.client_secret === null) {
        throw new ChurnError(
          'provider_error',
          'Stripe returned a SetupIntent without a client secret.',
        );
      }
      return {
        id: setupIntent.id,
        clientSecret: setupIntent.client_secret,
        mode,
        ...(settings.publishableKey !== undefined
          ? { publishableKey: settings.publishableKey }
          : {}),
      };
    },

    async doVerifySetupIntent({ setupIntentId, customerId }): Promise<SetupIntentVerification> {
      const setupIntent = await call(`verifying SetupIntent ${setupIntentId}`, () =>
        client.setupIntents.retrieve(setupIntentId, { expand: ['payment_method'] }),
      );
      requireCustomer(idOf(setupIntent.customer), customerId, `SetupIntent ${setupIntentId}`);
      if (setupIntent.status === 'succeeded') {
        const paymentMethod = cardOfPaymentMethod(setupIntent.payment_method);
        if (!paymentMethod?.card) {
          throw new ChurnError(
            'provider_error',
            `SetupIntent ${setupIntentId} succeeded without a card payment method: only cards are supported.`,
          );
        }
        return {
          status: 'succeeded',
          setupIntentId,
          customerId,
          paymentMethod: toPaymentCard(paymentMethod.id, paymentMethod.card),
        };
      }
      const error = setupIntent.last_setup_error;
      const status = pendingStatuses.find((candidate) => candidate === setupIntent.status);
      return {
        // A status this version does not know yet reads as still in progress.
        status: status ?? 'processing',
        setupIntentId,
        customerId,
        ...(error
          ? {
              failure: describePaymentFailure({
                code: error.code,
                declineCode: error.decline_code,
              }),
            }
          : {}),
      };
    },

    async doSetDefaultPaymentMethod({ customerId, paymentMethodId, subscriptionId }) {
      const paymentMethod = await call(`reading payment method ${paymentMethodId}`, () =>
        client.paymentMethods.retrieve(paymentMethodId),
      );
      requireCustomer(
        idOf(paymentMethod.customer),
        customerId,
        `Payment method ${paymentMethodId}`,
      );
      let targets: Stripe.Subscription[];
      if (subscriptionId !== undefined) {
        const subscription = await call(`reading subscription ${subscriptionId}`, () =>
          client.subscriptions.retrieve(subscriptionId),
        );
        requireCustomer(idOf(subscription.customer), customerId, `Subscription ${subscriptionId}`);
        targets = [subscription];
      } else {
        targets = (
          await listAll<Stripe.Subscription>(
            `listing subscriptions of ${customerId}`,
            (startingAfter) =>
              client.subscriptions.list({
                customer: customerId,
                limit: 100,
                ...(startingAfter ? { starting_after: startingAfter } : {}),
              }),
          )
        ).filter((subscription) => liveSubscriptionStatuses.has(subscription.status));
      }
      const operationKey = randomUUID();
      const update: DefaultPaymentMethodUpdate = {
        paymentMethodId,
        updatedSubscriptionIds: [],
        updatedCustomerDefault: false,
      };
      for (const subscription of targets) {
        if (subscription.default_payment_method === null) continue;
        await call(`setting the default card of subscription ${subscription.id}`, () =>
          client.subscriptions.update(
            subscription.id,
            { default_payment_method: paymentMethodId },
            { idempotencyKey: `churn-default:${operationKey}:${subscription.id}` },
          ),
        );
        update.updatedSubscriptionIds.push(subscription.id);
      }
      if (
        targets.length === 0 ||
        targets.some((target) => target.default_payment_method === null)
      ) {
        await call(`setting the default card of customer ${customerId}`, () =>
          client.customers.update(
            customerId,
            { invoice_settings: { default_payment_method: paymentMethodId } },
            { idempotencyKey: `churn-default:${operationKey}:${customerId}` },
          ),
        );
        update.updatedCustomerDefault = true;
      }
      return update;
    },

    async doPayOpenInvoices({ customerId, idempotencyKey }) {
      if (idempotencyKey.trim() === '') {
        throw new ValidationError('payment', [
          { path: ['idempotencyKey'], message: 'must not be empty: one key per payment attempt' },
        ]);
      }
      const open = await listAll<Stripe.Invoice>(
        `listing open invoices of ${customerId}`,
        (startingAfter) =>
          client.invoices.list({
            customer: customerId,
            status: 'open',
            limit: 100,
            ...(startingAfter ? { starting_after: startingAfter } : {}),
          }),
      );
      open.sort((left, right) => left.created - right.created);
      const results: InvoicePaymentResult[] = [];
      for (const invoice of open) {
        const amountDue = fromMinorUnits(invoice.amount_remaining, invoice.currency);
        try {
          const paid = await call(`paying invoice ${invoice.id}`, () =>
            client.invoices.pay(
              invoice.id,
              {},
              { idempotencyKey: `${idempotencyKey}:${invoice.id}` },
            ),
          );
          if (paid.status === 'paid') {
            const paidAt = paid.status_transitions.paid_at;
            results.push({
              status: 'paid',
              invoiceId: paid.id,
              amountPaid: fromMinorUnits(paid.amount_paid, paid.currency),
              currency: paid.currency,
              paidAt: paidAt !== null ? new Date(paidAt * 1000) : new Date(),
            });
          } else {
            results.push({
              status: 'declined',
              invoiceId: invoice.id,
              amountDue,
              currency: invoice.currency,
              failure: describePaymentFailure({ code: 'processing_error' }),
            });
          }
        } catch (error) {
          const noCard =
            ChurnError.isInstance(error) &&
            error.cause instanceof Stripe.errors.StripeInvalidRequestError &&
            /no attached payment source or default payment method/i.test(error.cause.message);
          if (!(error instanceof PaymentError) && !noCard) throw error;
          const failure =
            error instanceof PaymentError
              ? error.failure
              : describePaymentFailure({ code: 'invoice_no_payment_method_types' });
          results.push({
            status: failure.reason === 'authentication_required' ? 'requires_action' : 'declined',
            invoiceId: invoice.id,
            amountDue,
            currency: invoice.currency,
            failure,
          });
        }
      }
      return { results };
    },

    async doListInvoices(options) {
      const { customerId, limit } = validateListInvoicesOptions(options);
      const found: InvoiceSummary[] = [];
      let startingAfter: string | undefined;
      // Stripe lists newest first and cannot leave drafts out except by asking for one status:
      // ask for one more than needed (a draft is usually alone, the next cycle's), then page on
      // past drafts until there are `limit` finalized invoices or the list ends.
      for (;;) {
        const page = await call(`listing the invoices of ${customerId}`, () =>
          client.invoices.list({
            customer: customerId,
            limit: Math.min(100, limit - found.length + 1),
            ...(startingAfter ? { starting_after: startingAfter } : {}),
          }),
        );
        for (const invoice of page.data) {
          const summary = toInvoiceSummary(invoice);
          if (summary !== undefined) found.push(summary);
          if (found.length === limit) return found;
        }
        const last = page.data.at(-1);
        if (!page.has_more || last === undefined) return found;
        startingAfter = last.id;
      }
    },

    async doParseWebhook({ payload, signature, now }): Promise<PaymentEvent> {
      verifyWebhookSignature({
        payload,
        header: signature,
        secret: settings.webhookSecret,
        now,
        ...(settings.webhookToleranceSeconds !== undefined
          ? { toleranceSeconds: settings.webhookToleranceSeconds }
          : {}),
      });
      const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
      let event: unknown;
      try {
        event = JSON.parse(text);
      } catch (error) {
        throw new ValidationError(
          'Stripe webhook',
          [{ path: [], message: 'is not JSON although its signature verified' }],
          { cause: error },
        );
      }
      if (
        typeof event !== 'object' ||
        event === null ||
        (event as { object?: unknown }).object !== 'event' ||
        typeof (event as { id?: unknown }).id !== 'string' ||
        typeof (event as { type?: unknown }).type !== 'string' ||
        typeof (event as { created?: unknown }).created !== 'number' ||
        typeof (event as { data?: { object?: unknown } }).data?.object !== 'object'
      ) {
        throw new ValidationError('Stripe webhook', [
          {
            path: [],
            message: 'is not a Stripe event (object "event" with id, type, created, data.object)',
          },
        ]);
      }
      return toPaymentEvent(event as Stripe.Event);
    },
  };
}
