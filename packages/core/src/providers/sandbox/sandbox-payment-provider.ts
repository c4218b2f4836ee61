import { randomBytes } from 'node:crypto';
import { type Clock, systemClock } from '../../clock.js';
import type { CardType } from '../../entities/enums.js';
import { ChurnError } from '../../errors/churn-error.js';
import { ValidationError } from '../../errors/validation-error.js';
import { validateListInvoicesOptions } from '../../payment-provider/v1/list-invoices-options.js';
import { type PaymentEvent, PaymentEventSchema } from '../../payment-provider/v1/payment-event.js';
import {
  describePaymentFailure,
  type PaymentFailure,
} from '../../payment-provider/v1/payment-failure.js';
import type {
  AtRiskCustomer,
  DefaultPaymentMethodUpdate,
  InvoicePaymentResult,
  InvoiceSummary,
  PaymentCard,
  PaymentProviderV1,
  PendingSetupIntentStatus,
  SetupIntentHandle,
  SetupIntentVerification,
} from '../../payment-provider/v1/payment-provider-v1.js';
import {
  signWebhookPayload,
  verifyWebhookSignature,
} from '../../payment-provider/webhook-signature.js';
import { assessRisk, daysUntilCardExpiry } from '../../risk/assess-risk.js';
import {
  type SandboxCardBehaviour,
  type SandboxCardInput,
  sandboxTestCards,
  validateSandboxCard,
} from './sandbox-test-cards.js';

/** A customer to put in the sandbox, with as much billing history as the demo needs. */
export interface SandboxCustomerSeed {
  id?: string;
  name: string;
  email: string;
  phone?: string;
  /** Default: the sandbox clock's now. */
  customerSince?: Date;
  /** A saved card (a sandbox test card number), the default where invoices look. */
  card?: { number: string; expMonth: number; expYear: number };
  /** A monthly subscription. */
  subscription?: {
    /** Major units a month, like 49. */
    amount: number;
    /** Default `usd`. */
    currency?: string;
    /**
     * Where the card is the default: on the subscription itself (`subscription`) or in the
     * customer's invoice settings (`customer`, the default).
     */
    cardDefaultOn?: 'subscription' | 'customer';
  };
  /** An open invoice of the subscription whose payment failed. */
  failedInvoice?: {
    /** Default: the subscription amount. */
    amountDue?: number;
    /** Default 1. */
    attemptCount?: number;
    /** Default 3 days; `null` for no further retry. */
    nextRetryInDays?: number | null;
  };
  /** The last paid invoice, for `lastPaymentDate`. */
  lastPaidAt?: Date;
}

/** What {@link SandboxPaymentProvider.addCustomer} created. */
export interface SandboxCustomerIds {
  customerId: string;
  paymentMethodId?: string;
  subscriptionId?: string;
  invoiceId?: string;
}

/** A charge attempt the sandbox made, for assertions. Never carries the card number. */
export interface SandboxCharge {
  id: string;
  customerId: string;
  invoiceId: string;
  paymentMethodId: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
  createdAt: Date;
}

/** A read-only view of one sandbox customer's billing state. */
export interface SandboxCustomerView {
  id: string;
  name: string;
  email: string;
  invoiceDefaultPaymentMethodId?: string;
  paymentMethodIds: string[];
  subscriptions: { id: string; status: string; defaultPaymentMethodId?: string; amount: number }[];
  invoices: {
    id: string;
    subscriptionId?: string;
    status: 'open' | 'paid';
    amountDue: number;
    attemptCount: number;
    paidAt?: Date;
  }[];
  charges: SandboxCharge[];
}

/** Settings of {@link createSandboxPaymentProvider}. */
export interface SandboxPaymentProviderSettings {
  /** Where "now" comes from (card expiry, invoice dates, webhook timestamps). */
  clock?: Clock;
  /** Customers to start with. */
  seed?: SandboxCustomerSeed[];
  /** Secret the sandbox signs its webhooks with. Default `whsec_sandbox`. */
  webhookSecret?: string;
}

/** The sandbox: {@link PaymentProviderV1} in memory, with Stripe's test-card behaviour and demo helpers. */
export interface SandboxPaymentProvider extends PaymentProviderV1 {
  readonly provider: 'sandbox';
  /** Always present in the sandbox (optional in the v1 contract). No `hostedInvoiceUrl`. */
  doListInvoices(options: { customerId: string; limit?: number }): Promise<InvoiceSummary[]>;
  /** Adds a customer (and card, subscription, failed invoice) and returns the new ids. */
  addCustomer(seed: SandboxCustomerSeed): SandboxCustomerIds;
  /**
   * Stands in for Stripe.js in the demo card form: validates the card (Luhn, expiry, CVC) and
   * confirms the SetupIntent with Stripe's test-card behaviour.
   * @throws {ValidationError} for a malformed card; `forbidden` for a wrong client secret.
   */
  confirmSetupIntent(options: {
    setupIntentId: string;
    /** The client secret the browser holds; checked when given. */
    clientSecret?: string;
    card: SandboxCardInput;
  }): Promise<{ status: SetupIntentVerification['status']; failure?: PaymentFailure }>;
  /** Completes (or fails) the bank's authentication step of a SetupIntent in `requires_action`. */
  confirmAuthentication(options: {
    setupIntentId: string;
    /** Default true. */
    succeed?: boolean;
  }): Promise<{ status: SetupIntentVerification['status']; failure?: PaymentFailure }>;
  /** The customer's billing state, for the demo and tests. */
  readCustomer(customerId: string): SandboxCustomerView;
  /** Events the sandbox produced (payments, setups), oldest first. */
  readonly events: readonly PaymentEvent[];
  /** A signed webhook delivery of `event`, as `doParseWebhook` expects it. */
  createWebhook(
    event: PaymentEvent,
    options?: { timestamp?: number },
  ): {
    payload: string;
    signature: string;
  };
}

interface StoredCustomer {
  id: string;
  name: string;
  email: string;
  phone?: string;
  customerSince: Date;
  invoiceDefaultPaymentMethodId?: string;
}

interface StoredPaymentMethod {
  id: string;
  customerId?: string;
  brand: CardType;
  last4: string;
  expMonth: number;
  expYear: number;
  behaviour: SandboxCardBehaviour;
}

interface StoredSubscription {
  id: string;
  customerId: string;
  amount: number;
  currency: string;
  status: 'active' | 'past_due' | 'canceled';
  defaultPaymentMethodId?: string;
}

interface StoredInvoice {
  id: string;
  /** Printed number, `SBX-0001` upwards, in the order invoices are created. */
  number: string;
  customerId: string;
  subscriptionId?: string;
  amountDue: number;
  currency: string;
  status: 'open' | 'paid';
  attemptCount: number;
  nextRetryAt?: Date;
  createdAt: Date;
  paidAt?: Date;
}

interface StoredSetupIntent {
  id: string;
  customerId: string;
  clientSecret: string;
  status: SetupIntentVerification['status'];
  paymentMethodId?: string;
  lastFailure?: PaymentFailure;
}

const DAY_MS = 86_400_000;

/** A {@link PaymentEvent} before the sandbox gives it an id and a time. */
type EventInput = PaymentEvent extends infer Event
  ? Event extends PaymentEvent
    ? Omit<Event, 'id' | 'createdAt'>
    : never
  : never;

function notFound(kind: string, id: string): ChurnError {
  return new ChurnError('not_found', `No sandbox ${kind} "${id}": check the id.`);
}

/**
 * The embedded payment provider: {@link PaymentProviderV1} in memory, with no account and no
 * network. It behaves like Stripe in test mode for the cards in `sandboxTestCards` (4242... saves
 * and pays; ...0341 saves but charges fail; ...0002 is declined; ...3155 needs authentication on
 * setup, completed with `confirmAuthentication`), keeps customers, subscriptions, invoices,
 * payment methods and SetupIntents, and signs its webhooks like Stripe.
 *
 * @example
 * const sandbox = createSandboxPaymentProvider({ seed: [{ name: 'Ada', email: 'ada@example.com',
 *   card: { number: '4000000000000341', expMonth: 12, expYear: 2030 },
 *   subscription: { amount: 49 }, failedInvoice: {} }] });
 */
export function createSandboxPaymentProvider(
  settings: SandboxPaymentProviderSettings = {},
): SandboxPaymentProvider {
  const clock = settings.clock ?? systemClock;
  const webhookSecret = settings.webhookSecret ?? 'whsec_sandbox';
  const customers = new Map<string, StoredCustomer>();
  const paymentMethods = new Map<string, StoredPaymentMethod>();
  const subscriptions = new Map<string, StoredSubscription>();
  const invoices = new Map<string, StoredInvoice>();
  const setupIntents = new Map<string, StoredSetupIntent>();
  const charges: SandboxCharge[] = [];
  const events: PaymentEvent[] = [];
  const setupIntentByKey = new Map<string, string>();
  const paymentByKey = new Map<string, InvoicePaymentResult>();
  const counters = new Map<string, number>();

  let invoiceCount = 0;
  const nextInvoiceNumber = (): string => `SBX-${String(++invoiceCount).padStart(4, '0')}`;

  const nextId = (prefix: string): string => {
    const count = (counters.get(prefix) ?? 0) + 1;
    counters.set(prefix, count);
    return `${prefix}_sandbox_${String(count).padStart(4, '0')}`;
  };

  const emit = (event: EventInput): void => {
    const parsed = PaymentEventSchema.parse({ id: nextId('evt'), createdAt: clock(), ...event });
    events.push(parsed);
  };

  const customerOf = (customerId: string): StoredCustomer => {
    const customer = customers.get(customerId);
    if (!customer) throw notFound('customer', customerId);
    return customer;
  };

  const cardOf = (paymentMethod: StoredPaymentMethod): PaymentCard => ({
    providerPaymentMethodId: paymentMethod.id,
    brand: paymentMethod.brand,
    cardType: paymentMethod.brand,
    lastFourDigits: paymentMethod.last4,
    expiryMonth: paymentMethod.expMonth,
    expiryYear: paymentMethod.expYear,
  });

  const createPaymentMethod = (
    card: { number: string; expMonth: number; expYear: number },
    customerId: string | undefined,
  ): StoredPaymentMethod => {
    const digits = card.number.replace(/[\s-]/g, '');
    const testCard = sandboxTestCards.find((candidate) => candidate.number === digits);
    if (!testCard) {
      throw new ValidationError('sandbox card', [
        {
          path: ['card', 'number'],
          message: 'is not a sandbox test card: use 4242 4242 4242 4242',
        },
      ]);
    }
    const paymentMethod: StoredPaymentMethod = {
      id: nextId('pm'),
      ...(customerId !== undefined ? { customerId } : {}),
      brand: testCard.brand,
      last4: digits.slice(-4),
      expMonth: card.expMonth,
      expYear: card.expYear,
      behaviour: testCard.behaviour,
    };
    paymentMethods.set(paymentMethod.id, paymentMethod);
    return paymentMethod;
  };

  const addCustomer = (seed: SandboxCustomerSeed): SandboxCustomerIds => {
    const now = clock();
    const id = seed.id ?? nextId('cus');
    if (customers.has(id)) {
      throw new ChurnError(
        'conflict',
        `A sandbox customer "${id}" already exists: pick another id.`,
      );
    }
    const customer: StoredCustomer = {
      id,
      name: seed.name,
      email: seed.email,
      ...(seed.phone !== undefined ? { phone: seed.phone } : {}),
      customerSince: seed.customerSince ?? now,
    };
    customers.set(id, customer);
    const ids: SandboxCustomerIds = { customerId: id };
    let paymentMethod: StoredPaymentMethod | undefined;
    if (seed.card) {
      paymentMethod = createPaymentMethod(seed.card, id);
      ids.paymentMethodId = paymentMethod.id;
    }
    if (seed.subscription) {
      const onSubscription = seed.subscription.cardDefaultOn === 'subscription';
      const subscription: StoredSubscription = {
        id: nextId('sub'),
        customerId: id,
        amount: seed.subscription.amount,
        currency: seed.subscription.currency ?? 'usd',
        status: seed.failedInvoice ? 'past_due' : 'active',
        ...(onSubscription && paymentMethod ? { defaultPaymentMethodId: paymentMethod.id } : {}),
      };
      subscriptions.set(subscription.id, subscription);
      ids.subscriptionId = subscription.id;
      if (!onSubscription && paymentMethod)
        customer.invoiceDefaultPaymentMethodId = paymentMethod.id;
      if (seed.lastPaidAt) {
        const paid: StoredInvoice = {
          id: nextId('in'),
          number: nextInvoiceNumber(),
          customerId: id,
          subscriptionId: subscription.id,
          amountDue: subscription.amount,
          currency: subscription.currency,
          status: 'paid',
          attemptCount: 1,
          createdAt: seed.lastPaidAt,
          paidAt: seed.lastPaidAt,
        };
        invoices.set(paid.id, paid);
      }
      if (seed.failedInvoice) {
        const retryDays = seed.failedInvoice.nextRetryInDays;
        const invoice: StoredInvoice = {
          id: nextId('in'),
          number: nextInvoiceNumber(),
          customerId: id,
          subscriptionId: subscription.id,
          amountDue: seed.failedInvoice.amountDue ?? subscription.amount,
          currency: subscription.currency,
          status: 'open',
          attemptCount: seed.failedInvoice.attemptCount ?? 1,
          ...(retryDays === null
            ? {}
            : { nextRetryAt: new Date(now.getTime() + (retryDays ?? 3) * DAY_MS) }),
          createdAt: now,
        };
        invoices.set(invoice.id, invoice);
        ids.invoiceId = invoice.id;
      }
    } else if (paymentMethod) {
      customer.invoiceDefaultPaymentMethodId = paymentMethod.id;
    }
    return ids;
  };

  for (const seed of settings.seed ?? []) addCustomer(seed);

  const liveSubscriptions = (customerId: string): StoredSubscription[] =>
    [...subscriptions.values()].filter(
      (subscription) =>
        subscription.customerId === customerId && subscription.status !== 'canceled',
    );

  /** Where a charge for `invoice` looks for a card: the subscription's default, else the customer's. */
  const chargeablePaymentMethod = (invoice: StoredInvoice): StoredPaymentMethod | undefined => {
    const subscription =
      invoice.subscriptionId !== undefined ? subscriptions.get(invoice.subscriptionId) : undefined;
    const id =
      subscription?.defaultPaymentMethodId ??
      customers.get(invoice.customerId)?.invoiceDefaultPaymentMethodId;
    return id !== undefined ? paymentMethods.get(id) : undefined;
  };

  const verificationOf = (setupIntent: StoredSetupIntent): SetupIntentVerification => {
    if (setupIntent.status === 'succeeded') {
      const paymentMethod = paymentMethods.get(setupIntent.paymentMethodId ?? '');
      if (!paymentMethod)
        throw new ChurnError('internal', 'A succeeded SetupIntent lost its card.');
      return {
        status: 'succeeded',
        setupIntentId: setupIntent.id,
        customerId: setupIntent.customerId,
        paymentMethod: cardOf(paymentMethod),
      };
    }
    return {
      status: setupIntent.status as PendingSetupIntentStatus,
      setupIntentId: setupIntent.id,
      customerId: setupIntent.customerId,
      ...(setupIntent.lastFailure ? { failure: setupIntent.lastFailure } : {}),
    };
  };

  const setupIntentOf = (setupIntentId: string): StoredSetupIntent => {
    const setupIntent = setupIntents.get(setupIntentId);
    if (!setupIntent) throw notFound('SetupIntent', setupIntentId);
    return setupIntent;
  };

  const succeedSetup = (setupIntent: StoredSetupIntent, paymentMethod: StoredPaymentMethod) => {
    paymentMethod.customerId = setupIntent.customerId;
    setupIntent.status = 'succeeded';
    setupIntent.paymentMethodId = paymentMethod.id;
    delete setupIntent.lastFailure;
    emit({
      type: 'setup-intent-succeeded',
      providerEventType: 'setup_intent.succeeded',
      customerId: setupIntent.customerId,
      setupIntentId: setupIntent.id,
      paymentMethodId: paymentMethod.id,
    });
  };

  const failSetup = (setupIntent: StoredSetupIntent, failure: PaymentFailure) => {
    setupIntent.status = 'requires_payment_method';
    setupIntent.lastFailure = failure;
    delete setupIntent.paymentMethodId;
    emit({
      type: 'setup-intent-failed',
      providerEventType: 'setup_intent.setup_failed',
      customerId: setupIntent.customerId,
      setupIntentId: setupIntent.id,
      failure,
    });
  };

  const payInvoice = (invoice: StoredInvoice): InvoicePaymentResult => {
    const now = clock();
    const paymentMethod = chargeablePaymentMethod(invoice);
    const declined = (failure: PaymentFailure, status: 'declined' | 'requires_action') => {
      invoice.attemptCount += 1;
      emit({
        type: 'invoice-payment-failed',
        providerEventType: 'invoice.payment_failed',
        customerId: invoice.customerId,
        invoiceId: invoice.id,
        ...(invoice.subscriptionId !== undefined ? { subscriptionId: invoice.subscriptionId } : {}),
        amountDue: invoice.amountDue,
        currency: invoice.currency,
        attemptCount: invoice.attemptCount,
        failedAt: now,
        failure,
      });
      return {
        status,
        invoiceId: invoice.id,
        amountDue: invoice.amountDue,
        currency: invoice.currency,
        failure,
      } satisfies InvoicePaymentResult;
    };
    if (!paymentMethod) {
      return declined(describePaymentFailure({ code: 'resource_missing' }), 'declined');
    }
    if (
      daysUntilCardExpiry(
        { expiryMonth: paymentMethod.expMonth, expiryYear: paymentMethod.expYear },
        now,
      ) < 0
    ) {
      return declined(
        describePaymentFailure({ code: 'expired_card', declineCode: 'expired_card' }),
        'declined',
      );
    }
    const charge = (status: SandboxCharge['status']) =>
      charges.push({
        id: nextId('ch'),
        customerId: invoice.customerId,
        invoiceId: invoice.id,
        paymentMethodId: paymentMethod.id,
        amount: invoice.amountDue,
        currency: invoice.currency,
        status,
        createdAt: now,
      });
    if (paymentMethod.behaviour === 'authenticate-always') {
      return declined(
        describePaymentFailure({
          code: 'authentication_required',
          declineCode: 'authentication_required',
        }),
        'requires_action',
      );
    }
    if (
      paymentMethod.behaviour === 'charge-fails' ||
      paymentMethod.behaviour === 'setup-declined'
    ) {
      charge('failed');
      return declined(
        describePaymentFailure({ code: 'card_declined', declineCode: 'generic_decline' }),
        'declined',
      );
    }
    charge('succeeded');
    invoice.attemptCount += 1;
    invoice.status = 'paid';
    invoice.paidAt = now;
    delete invoice.nextRetryAt;
    const subscription =
      invoice.subscriptionId !== undefined ? subscriptions.get(invoice.subscriptionId) : undefined;
    if (subscription && subscription.status === 'past_due') subscription.status = 'active';
    emit({
      type: 'invoice-paid',
      providerEventType: 'invoice.paid',
      customerId: invoice.customerId,
      invoiceId: invoice.id,
      ...(invoice.subscriptionId !== undefined ? { subscriptionId: invoice.subscriptionId } : {}),
      amountPaid: invoice.amountDue,
      currency: invoice.currency,
      paidAt: now,
    });
    return {
      status: 'paid',
      invoiceId: invoice.id,
      amountPaid: invoice.amountDue,
      currency: invoice.currency,
      paidAt: now,
    };
  };

  const provider: SandboxPaymentProvider = {
    specificationVersion: 'v1',
    provider: 'sandbox',
    events,

    async doListAtRiskCustomers({ expiringWithinDays, now }) {
      const found: AtRiskCustomer[] = [];
      for (const customer of customers.values()) {
        const live = liveSubscriptions(customer.id);
        const cardId =
          live.find((subscription) => subscription.defaultPaymentMethodId !== undefined)
            ?.defaultPaymentMethodId ?? customer.invoiceDefaultPaymentMethodId;
        const paymentMethod = cardId !== undefined ? paymentMethods.get(cardId) : undefined;
        const customerInvoices = [...invoices.values()].filter(
          (invoice) => invoice.customerId === customer.id,
        );
        const failing = customerInvoices
          .filter((invoice) => invoice.status === 'open' && invoice.attemptCount > 0)
          .sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
        const daysToExpiry = paymentMethod
          ? daysUntilCardExpiry(
              { expiryMonth: paymentMethod.expMonth, expiryYear: paymentMethod.expYear },
              now,
            )
          : undefined;
        const expiring = daysToExpiry !== undefined && daysToExpiry <= expiringWithinDays;
        if (failing.length === 0 && !expiring) continue;
        const failureCount = Math.max(0, ...failing.map((invoice) => invoice.attemptCount));
        const accountValue = live.reduce((sum, subscription) => sum + subscription.amount, 0);
        const nextRetryAt = failing
          .map((invoice) => invoice.nextRetryAt)
          .filter((date): date is Date => date !== undefined)
          .sort((left, right) => left.getTime() - right.getTime())[0];
        const lastPaid = customerInvoices
          .map((invoice) => invoice.paidAt)
          .filter((date): date is Date => date !== undefined)
          .sort((left, right) => right.getTime() - left.getTime())[0];
        const risk = assessRisk({
          accountValue,
          failureCount,
          daysToExpiry: expiring ? daysToExpiry : undefined,
          nextRetryAt,
          now,
        });
        found.push({
          customer: {
            providerCustomerId: customer.id,
            name: customer.name,
            email: customer.email,
            ...(customer.phone !== undefined ? { phone: customer.phone } : {}),
            accountValue,
            currency: live[0]?.currency ?? 'usd',
            customerSince: customer.customerSince,
            ...(lastPaid ? { lastPaymentDate: lastPaid } : {}),
          },
          ...(paymentMethod
            ? {
                paymentMethod: {
                  ...cardOf(paymentMethod),
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
          failedInvoices: failing.map((invoice) => ({
            providerInvoiceId: invoice.id,
            ...(invoice.subscriptionId !== undefined
              ? { providerSubscriptionId: invoice.subscriptionId }
              : {}),
            amountDue: invoice.amountDue,
            currency: invoice.currency,
            attemptCount: invoice.attemptCount,
            ...(invoice.nextRetryAt ? { nextRetryAt: invoice.nextRetryAt } : {}),
            createdAt: invoice.createdAt,
          })),
          ...(daysToExpiry !== undefined ? { daysToExpiry } : {}),
          risk,
        });
      }
      return { customers: found };
    },

    async doCreateSetupIntent({ customerId, idempotencyKey }): Promise<SetupIntentHandle> {
      customerOf(customerId);
      const replayed =
        idempotencyKey !== undefined ? setupIntentByKey.get(idempotencyKey) : undefined;
      const existing = replayed !== undefined ? setupIntents.get(replayed) : undefined;
      if (existing) {
        if (existing.customerId !== customerId) {
          throw new ChurnError(
            'conflict',
            'This idempotency key was used for another customer: use a new key per customer.',
          );
        }
        return { id: existing.id, clientSecret: existing.clientSecret, mode: 'sandbox' };
      }
      const id = nextId('seti');
      const setupIntent: StoredSetupIntent = {
        id,
        customerId,
        clientSecret: `${id}_secret_${randomBytes(12).toString('hex')}`,
        status: 'requires_payment_method',
      };
      setupIntents.set(id, setupIntent);
      if (idempotencyKey !== undefined) setupIntentByKey.set(idempotencyKey, id);
      return { id, clientSecret: setupIntent.clientSecret, mode: 'sandbox' };
    },

    async doVerifySetupIntent({ setupIntentId, customerId }) {
      const setupIntent = setupIntentOf(setupIntentId);
      if (setupIntent.customerId !== customerId) {
        throw new ChurnError(
          'forbidden',
          `SetupIntent ${setupIntentId} belongs to another customer: it cannot update this one.`,
        );
      }
      return verificationOf(setupIntent);
    },

    async doSetDefaultPaymentMethod({ customerId, paymentMethodId, subscriptionId }) {
      const customer = customerOf(customerId);
      const paymentMethod = paymentMethods.get(paymentMethodId);
      if (!paymentMethod) throw notFound('payment method', paymentMethodId);
      if (paymentMethod.customerId !== customerId) {
        throw new ChurnError(
          'forbidden',
          `Payment method ${paymentMethodId} is not attached to customer ${customerId}: save it with a SetupIntent of this customer first.`,
        );
      }
      let targets: StoredSubscription[];
      if (subscriptionId !== undefined) {
        const subscription = subscriptions.get(subscriptionId);
        if (!subscription) throw notFound('subscription', subscriptionId);
        if (subscription.customerId !== customerId) {
          throw new ChurnError(
            'forbidden',
            `Subscription ${subscriptionId} belongs to another customer.`,
          );
        }
        targets = [subscription];
      } else {
        targets = liveSubscriptions(customerId);
      }
      const update: DefaultPaymentMethodUpdate = {
        paymentMethodId,
        updatedSubscriptionIds: [],
        updatedCustomerDefault: false,
      };
      for (const subscription of targets) {
        if (subscription.defaultPaymentMethodId !== undefined) {
          subscription.defaultPaymentMethodId = paymentMethodId;
          update.updatedSubscriptionIds.push(subscription.id);
        }
      }
      if (
        targets.length === 0 ||
        targets.some((target) => target.defaultPaymentMethodId === undefined)
      ) {
        customer.invoiceDefaultPaymentMethodId = paymentMethodId;
        update.updatedCustomerDefault = true;
      }
      return update;
    },

    async doPayOpenInvoices({ customerId, idempotencyKey }) {
      customerOf(customerId);
      if (idempotencyKey.trim() === '') {
        throw new ValidationError('payment', [
          { path: ['idempotencyKey'], message: 'must not be empty: one key per payment attempt' },
        ]);
      }
      const open = [...invoices.values()]
        .filter((invoice) => invoice.customerId === customerId && invoice.status === 'open')
        .sort((left, right) => left.createdAt.getTime() - right.createdAt.getTime());
      const results: InvoicePaymentResult[] = [];
      for (const invoice of open) {
        const key = `${idempotencyKey}:${invoice.id}`;
        const replay = paymentByKey.get(key);
        if (replay) {
          results.push(replay);
          continue;
        }
        const outcome = payInvoice(invoice);
        paymentByKey.set(key, outcome);
        results.push(outcome);
      }
      return { results };
    },

    async doListInvoices(options) {
      const { customerId, limit } = validateListInvoicesOptions(options);
      customerOf(customerId);
      const all = [...invoices.values()];
      // Newest first; invoices created at the same instant, the later-created first (as Stripe).
      return all
        .map((invoice, index) => ({ invoice, index }))
        .filter(({ invoice }) => invoice.customerId === customerId)
        .sort(
          (left, right) =>
            right.invoice.createdAt.getTime() - left.invoice.createdAt.getTime() ||
            right.index - left.index,
        )
        .slice(0, limit)
        .map(
          ({ invoice }): InvoiceSummary => ({
            providerInvoiceId: invoice.id,
            number: invoice.number,
            status: invoice.status,
            total: invoice.amountDue,
            amountDue: invoice.status === 'paid' ? 0 : invoice.amountDue,
            currency: invoice.currency,
            createdAt: invoice.createdAt,
            ...(invoice.paidAt ? { paidAt: invoice.paidAt } : {}),
            // No hostedInvoiceUrl: the sandbox has no page to show an invoice on.
          }),
        );
    },

    async doParseWebhook({ payload, signature, now }) {
      verifyWebhookSignature({ payload, header: signature, secret: webhookSecret, now });
      const text = typeof payload === 'string' ? payload : new TextDecoder().decode(payload);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (error) {
        throw new ValidationError(
          'sandbox webhook',
          [{ path: [], message: 'is not JSON: send the body exactly as createWebhook made it' }],
          { cause: error },
        );
      }
      const parsed = PaymentEventSchema.safeParse(json);
      if (!parsed.success) throw ValidationError.fromZod('sandbox webhook', parsed.error);
      return parsed.data;
    },

    addCustomer,

    async confirmSetupIntent({ setupIntentId, clientSecret, card }) {
      const setupIntent = setupIntentOf(setupIntentId);
      if (clientSecret !== undefined && clientSecret !== setupIntent.clientSecret) {
        throw new ChurnError(
          'forbidden',
          'The client secret does not belong to this SetupIntent: create a new one for this customer.',
        );
      }
      if (setupIntent.status !== 'requires_payment_method') {
        throw new ChurnError(
          'conflict',
          `SetupIntent ${setupIntentId} is ${setupIntent.status}: it cannot take a card now${setupIntent.status === 'requires_action' ? ' (complete the authentication first)' : ''}.`,
        );
      }
      const now = clock();
      const checked = validateSandboxCard(card, now);
      if (checked.issues.length > 0 || !checked.testCard) {
        throw new ValidationError('card', checked.issues);
      }
      const testCard = checked.testCard;
      if (testCard.behaviour === 'setup-declined') {
        const failure = describePaymentFailure({
          code: 'card_declined',
          declineCode: 'generic_decline',
        });
        failSetup(setupIntent, failure);
        return { status: 'requires_payment_method', failure };
      }
      const paymentMethod = createPaymentMethod(
        { number: testCard.number, expMonth: card.expMonth, expYear: checked.expYear },
        undefined,
      );
      if (
        testCard.behaviour === 'authenticate-on-setup' ||
        testCard.behaviour === 'authenticate-always'
      ) {
        setupIntent.status = 'requires_action';
        setupIntent.paymentMethodId = paymentMethod.id;
        return { status: 'requires_action' };
      }
      succeedSetup(setupIntent, paymentMethod);
      return { status: 'succeeded' };
    },

    async confirmAuthentication({ setupIntentId, succeed = true }) {
      const setupIntent = setupIntentOf(setupIntentId);
      if (setupIntent.status !== 'requires_action') {
        throw new ChurnError(
          'conflict',
          `SetupIntent ${setupIntentId} is ${setupIntent.status}: there is no authentication to complete.`,
        );
      }
      const paymentMethod = paymentMethods.get(setupIntent.paymentMethodId ?? '');
      if (succeed && paymentMethod) {
        succeedSetup(setupIntent, paymentMethod);
        return { status: 'succeeded' };
      }
      const failure = describePaymentFailure({ code: 'setup_intent_authentication_failure' });
      failSetup(setupIntent, failure);
      return { status: 'requires_payment_method', failure };
    },

    readCustomer(customerId) {
      const customer = customerOf(customerId);
      return {
        id: customer.id,
        name: customer.name,
        email: customer.email,
        ...(customer.invoiceDefaultPaymentMethodId !== undefined
          ? { invoiceDefaultPaymentMethodId: customer.invoiceDefaultPaymentMethodId }
          : {}),
        paymentMethodIds: [...paymentMethods.values()]
          .filter((paymentMethod) => paymentMethod.customerId === customerId)
          .map((paymentMethod) => paymentMethod.id),
        subscriptions: [...subscriptions.values()]
          .filter((subscription) => subscription.customerId === customerId)
          .map((subscription) => ({
            id: subscription.id,
            status: subscription.status,
            amount: subscription.amount,
            ...(subscription.defaultPaymentMethodId !== undefined
              ? { defaultPaymentMethodId: subscription.defaultPaymentMethodId }
              : {}),
          })),
        invoices: [...invoices.values()]
          .filter((invoice) => invoice.customerId === customerId)
          .map((invoice) => ({
            id: invoice.id,
            ...(invoice.subscriptionId !== undefined
              ? { subscriptionId: invoice.subscriptionId }
              : {}),
            status: invoice.status,
            amountDue: invoice.amountDue,
            attemptCount: invoice.attemptCount,
            ...(invoice.paidAt ? { paidAt: invoice.paidAt } : {}),
          })),
        charges: charges.filter((charge) => charge.customerId === customerId),
      };
    },

    createWebhook(event, options = {}) {
      const payload = JSON.stringify(event);
      const timestamp = options.timestamp ?? Math.floor(clock().getTime() / 1000);
      return {
        payload,
        signature: signWebhookPayload({ payload, secret: webhookSecret, timestamp }),
      };
    },
  };
  return provider;
}
