import { createHmac, randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import {
  answerTransportFault,
  type EmulatorContext,
  type EmulatorFault,
  type EmulatorRequest,
  EmulatorState,
  type FaultOptions,
  retryHeaders,
  sendJson,
  startEmulatorServer,
} from './emulator-server.js';
import {
  buildCustomer,
  buildInvoice,
  buildPaymentMethod,
  buildPrice,
  buildSetupIntent,
  buildSubscription,
  type StripeEmulatorCardBehaviour,
  type StripeEmulatorTestCard,
  stripeEmulatorTestCards,
  stripeId,
} from './stripe-emulator-objects.js';
import { parseStripeForm, type StripeFormObject, type StripeFormValue } from './stripe-form.js';

export { parseStripeForm, type StripeFormObject, type StripeFormValue };

/** The API version the emulator answers as: the one the `stripe@23` SDK's types describe. */
export const STRIPE_EMULATOR_API_VERSION = '2026-10-28.endive';

/** Options of {@link startStripeEmulator}. */
export interface StripeEmulatorOptions {
  /** The secret key clients must send (`Authorization: Bearer ...`). Default `sk_test_emulator`. */
  secretKey?: string;
  /** The publishable key, accepted only to confirm a SetupIntent with its client secret (like Stripe.js). */
  publishableKey?: string;
  /** Secret webhooks are signed with. Default `whsec_emulator`. */
  webhookSecret?: string;
  /** Where {@link StripeEmulator.sendWebhook} POSTs by default. */
  webhookUrl?: string;
  /** Where "now" comes from for `created` and payment times. Default the system clock. */
  clock?: () => Date;
}

/** A charge attempt the emulator made while paying an invoice. */
export interface StripeEmulatorCharge {
  id: string;
  customer: string;
  invoice: string;
  paymentMethod: string;
  amount: number;
  currency: string;
  status: 'succeeded' | 'failed';
}

/** What a webhook delivery looked like and how the endpoint answered. */
export interface StripeEmulatorDelivery {
  event: Record<string, unknown>;
  payload: string;
  signature: string;
  status: number;
  body: string;
}

/** A test card by its `pm_card_*` token name (without the prefix) or full token. */
export type StripeEmulatorCardName =
  | 'visa'
  | 'mastercard'
  | 'amex'
  | 'discover'
  | 'chargeCustomerFail'
  | 'chargeDeclined'
  | 'authenticationRequiredOnSetup'
  | 'authenticationRequired';

/** A running Stripe emulator. */
export interface StripeEmulator {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  host: string;
  port: number;
  protocol: 'http';
  secretKey: string;
  publishableKey: string;
  webhookSecret: string;
  apiVersion: string;
  /** Every API request received, in order (with headers: `idempotency-key`, `stripe-version`). */
  requests: EmulatorRequest[];
  /** Charge attempts, in order. */
  charges: StripeEmulatorCharge[];
  /** Events the emulator produced from state changes, oldest first (not delivered on their own). */
  events: Record<string, unknown>[];
  /** The next `times` matching requests answer `fault` (429 with `retryAfterSeconds`, 500, `hang`...). */
  queueFault(fault: EmulatorFault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Adds a customer; returns its id. */
  seedCustomer(options?: {
    name?: string;
    email?: string;
    phone?: string;
    metadata?: Record<string, string>;
    created?: Date;
  }): string;
  /** Adds a card payment method (attached when `customer` is given); returns its id. */
  seedPaymentMethod(options: {
    card?: StripeEmulatorCardName;
    customer?: string;
    expMonth?: number;
    expYear?: number;
    /** Also make it the customer's `invoice_settings.default_payment_method`. */
    setAsCustomerDefault?: boolean;
  }): string;
  /** Adds a monthly subscription; returns its id. */
  seedSubscription(options: {
    customer: string;
    /** Minor units a month (4900 = $49). */
    unitAmount: number;
    currency?: string;
    interval?: 'day' | 'week' | 'month' | 'year';
    quantity?: number;
    status?: 'active' | 'past_due' | 'unpaid' | 'canceled' | 'trialing' | 'incomplete';
    defaultPaymentMethod?: string;
  }): string;
  /**
   * Adds an invoice (open by default); returns its id. A finalized one (not `draft`) gets the
   * customer's next number, `<invoice_prefix>-0001` upwards, as Stripe numbers per customer.
   */
  seedInvoice(options: {
    customer: string;
    subscription?: string;
    /** Minor units. */
    amountDue: number;
    currency?: string;
    status?: 'open' | 'paid' | 'draft';
    attemptCount?: number;
    nextPaymentAttempt?: Date | null;
    paidAt?: Date;
    created?: Date;
    /** Makes it an invoice sent for manual payment (`send_invoice`) due then. */
    dueDate?: Date;
  }): string;
  /**
   * The usual at-risk customer in one call: a customer, a card (`chargeCustomerFail` by default,
   * so charges fail), a subscription, and an open invoice whose payment failed.
   */
  seedFailedPayment(options?: {
    name?: string;
    email?: string;
    card?: StripeEmulatorCardName;
    expMonth?: number;
    expYear?: number;
    /** Where the card is the default. Default `customer` (invoice settings). */
    cardDefaultOn?: 'subscription' | 'customer';
    unitAmount?: number;
    attemptCount?: number;
    nextPaymentAttempt?: Date | null;
  }): { customerId: string; paymentMethodId: string; subscriptionId: string; invoiceId: string };
  /**
   * Completes (or fails) the bank authentication of a SetupIntent in `requires_action`, as the
   * 3-D Secure step of Stripe.js would.
   */
  completeSetupIntentAction(setupIntentId: string, options?: { succeed?: boolean }): void;
  /** A copy of a stored object by id (`cus_`, `pm_`, `seti_`, `sub_`, `in_`). */
  getObject<T = Record<string, unknown>>(id: string): T;
  /**
   * Builds an event of `type` around `object` (an emulated object's id, or any object) and
   * signs it like Stripe. `tamper` changes the payload after signing.
   */
  buildWebhook(
    type: string,
    object: string | Record<string, unknown>,
    options?: { created?: Date; timestamp?: number; secret?: string },
  ): { event: Record<string, unknown>; payload: string; signature: string };
  /** POSTs a signed event to `webhookUrl` (or `options.url`) and returns the answer. */
  sendWebhook(
    type: string,
    object: string | Record<string, unknown>,
    options?: { created?: Date; timestamp?: number; secret?: string; url?: string },
  ): Promise<StripeEmulatorDelivery>;
  close(): Promise<void>;
}

interface StripeErrorBody {
  type: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  setup_intent?: Stripe.SetupIntent;
  charge?: string;
}

/** A Stripe error answer: status plus `{ error: { ... } }`. */
class StripeApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
  ) {
    super(body.message);
  }
}

function missing(kind: string, id: string, param = 'id'): StripeApiFailure {
  return new StripeApiFailure(404, {
    type: 'invalid_request_error',
    code: 'resource_missing',
    message: `No such ${kind}: '${id}'`,
    param,
  });
}

function invalid(message: string, param?: string, code?: string): StripeApiFailure {
  return new StripeApiFailure(400, {
    type: 'invalid_request_error',
    message,
    ...(param !== undefined ? { param } : {}),
    ...(code !== undefined ? { code } : {}),
  });
}

function cardByName(name: string): StripeEmulatorTestCard | undefined {
  const token = name.startsWith('pm_card_') ? name : `pm_card_${name}`;
  return stripeEmulatorTestCards.find((card) => card.token === token);
}

function text(params: StripeFormObject, key: string): string | undefined {
  const value = params[key];
  return typeof value === 'string' ? value : undefined;
}

function object(params: StripeFormObject, key: string): StripeFormObject | undefined {
  const value = params[key];
  return typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function strings(value: StripeFormValue | undefined): string[] {
  if (value === undefined) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

function metadataOf(params: StripeFormObject): Record<string, string> | undefined {
  const metadata = object(params, 'metadata');
  if (!metadata) return undefined;
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string')
      throw invalid('Metadata values must be strings.', `metadata[${key}]`);
    if (value !== '') result[key] = value;
  }
  return result;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

const resourceNames: Record<string, string> = {
  cus: 'customer',
  pm: 'payment_method',
  seti: 'setupintent',
  sub: 'subscription',
  in: 'invoice',
  price: 'price',
};

/**
 * Starts a local Stripe API emulator on 127.0.0.1 for the official `stripe` SDK
 * (`new Stripe(key, { host: '127.0.0.1', port, protocol: 'http' })`). It keeps state (customers,
 * payment methods, SetupIntents, subscriptions, invoices, charges) and answers like Stripe:
 * form-encoded bodies with bracket notation, Bearer auth, `Idempotency-Key` replay (same key and
 * parameters replay the first answer; other parameters get a 400 `idempotency_error`), the
 * `Stripe-Version` header, list objects with `limit`/`starting_after`/`ending_before`/`has_more`,
 * `expand[]`, Stripe's error bodies and statuses (402 card errors, 400, 401, 404, 429), test
 * PaymentMethods (`pm_card_visa`, `pm_card_chargeCustomerFail`, `pm_card_chargeDeclined`,
 * `pm_card_authenticationRequiredOnSetup`, `pm_card_authenticationRequired`), fault injection,
 * and signed webhook deliveries.
 */
export async function startStripeEmulator(
  options: StripeEmulatorOptions = {},
): Promise<StripeEmulator> {
  const secretKey = options.secretKey ?? 'sk_test_emulator';
  const publishableKey = options.publishableKey ?? 'pk_test_emulator';
  const webhookSecret = options.webhookSecret ?? 'whsec_emulator';
  const clock = options.clock ?? (() => new Date());
  const now = () => Math.floor(clock().getTime() / 1000);
  const state = new EmulatorState();

  const customers = new Map<string, Stripe.Customer>();
  const paymentMethods = new Map<string, Stripe.PaymentMethod>();
  const cardBehaviour = new Map<string, StripeEmulatorCardBehaviour>();
  const setupIntents = new Map<string, Stripe.SetupIntent>();
  const subscriptions = new Map<string, Stripe.Subscription>();
  const invoices = new Map<string, Stripe.Invoice>();
  /** Insertion order, for Stripe's newest-first lists. */
  const sequence = new Map<string, number>();
  let counter = 0;
  const charges: StripeEmulatorCharge[] = [];
  const events: Record<string, unknown>[] = [];
  const idempotent = new Map<
    string,
    { method: string; path: string; body: string; status: number; response: unknown }
  >();

  const remember = <T extends { id: string }>(store: Map<string, T>, value: T): T => {
    store.set(value.id, value);
    sequence.set(value.id, counter++);
    return value;
  };

  const lookup = (id: string): Record<string, unknown> | undefined => {
    const found =
      customers.get(id) ??
      paymentMethods.get(id) ??
      setupIntents.get(id) ??
      subscriptions.get(id) ??
      invoices.get(id);
    return found as Record<string, unknown> | undefined;
  };

  const record = (type: string, value: unknown): void => {
    events.push({
      id: stripeId('evt'),
      object: 'event',
      api_version: STRIPE_EMULATOR_API_VERSION,
      created: now(),
      data: { object: clone(value) },
      livemode: false,
      pending_webhooks: 0,
      request: { id: null, idempotency_key: null },
      type,
    });
  };

  const customerOf = (id: string): Stripe.Customer => {
    const customer = customers.get(id);
    if (!customer) throw missing('customer', id);
    return customer;
  };

  const createPaymentMethod = (
    card: StripeEmulatorTestCard,
    customer: string | null,
    expMonth = 12,
    expYear = new Date(clock()).getUTCFullYear() + 3,
  ): Stripe.PaymentMethod => {
    const paymentMethod = remember(
      paymentMethods,
      buildPaymentMethod({ id: stripeId('pm'), created: now(), card, expMonth, expYear, customer }),
    );
    cardBehaviour.set(paymentMethod.id, card.behaviour);
    return paymentMethod;
  };

  /** A `payment_method` parameter: a test token (a fresh PaymentMethod) or an existing id. */
  const resolvePaymentMethod = (value: string, param: string): Stripe.PaymentMethod => {
    const card = value.startsWith('pm_card_') ? cardByName(value) : undefined;
    if (value.startsWith('pm_card_')) {
      if (!card) throw missing('PaymentMethod', value, param);
      return createPaymentMethod(card, null);
    }
    const paymentMethod = paymentMethods.get(value);
    if (!paymentMethod) throw missing('PaymentMethod', value, param);
    return paymentMethod;
  };

  // ---- expansion and lists ----

  const expand = (value: unknown, path: string[]): unknown => {
    if (path.length === 0 || typeof value !== 'object' || value === null) return value;
    const [head, ...rest] = path as [string, ...string[]];
    const target = value as Record<string, unknown>;
    if (!(head in target)) {
      throw invalid(`This property cannot be expanded (${head}).`, 'expand');
    }
    let field = target[head];
    if (typeof field === 'string') {
      const resolved = lookup(field);
      if (!resolved) throw invalid(`This property cannot be expanded (${head}).`, 'expand');
      field = clone(resolved);
    }
    target[head] = rest.length === 0 ? field : expand(field, rest);
    return target;
  };

  const applyExpand = (value: unknown, params: StripeFormObject, isList: boolean): unknown => {
    const paths = strings(params.expand);
    for (const path of paths) {
      const parts = path.split('.');
      if (parts.length > 4)
        throw invalid('You cannot expand more than 4 levels of a property.', 'expand');
      if (isList) {
        if (parts[0] !== 'data')
          throw invalid(`This property cannot be expanded (${parts[0]}).`, 'expand');
        for (const item of (value as { data: unknown[] }).data) expand(item, parts.slice(1));
      } else {
        expand(value, parts);
      }
    }
    return value;
  };

  const list = <T extends { id: string }>(
    all: Iterable<T>,
    params: StripeFormObject,
    url: string,
    filter: (item: T) => boolean,
  ) => {
    const limitText = text(params, 'limit');
    const limit = limitText === undefined ? 10 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
      throw invalid(
        `Invalid integer: ${limitText}. This value must be greater than or equal to 1 and less than or equal to 100.`,
        'limit',
      );
    }
    // Newest first by `created`, like Stripe; objects created in the same second, the later first.
    const createdOf = (item: T) => {
      const created = (item as { created?: unknown }).created;
      return typeof created === 'number' ? created : 0;
    };
    const sorted = [...all]
      .filter(filter)
      .sort(
        (left, right) =>
          createdOf(right) - createdOf(left) ||
          (sequence.get(right.id) ?? 0) - (sequence.get(left.id) ?? 0),
      );
    const startingAfter = text(params, 'starting_after');
    const endingBefore = text(params, 'ending_before');
    let data: T[];
    let hasMore: boolean;
    if (startingAfter !== undefined) {
      const index = sorted.findIndex((item) => item.id === startingAfter);
      if (index === -1)
        throw missing(
          resourceNames[startingAfter.split('_')[0] ?? ''] ?? 'object',
          startingAfter,
          'starting_after',
        );
      data = sorted.slice(index + 1, index + 1 + limit);
      hasMore = index + 1 + limit < sorted.length;
    } else if (endingBefore !== undefined) {
      const index = sorted.findIndex((item) => item.id === endingBefore);
      if (index === -1)
        throw missing(
          resourceNames[endingBefore.split('_')[0] ?? ''] ?? 'object',
          endingBefore,
          'ending_before',
        );
      data = sorted.slice(Math.max(0, index - limit), index);
      hasMore = index - limit > 0;
    } else {
      data = sorted.slice(0, limit);
      hasMore = sorted.length > limit;
    }
    return { object: 'list', data: data.map((item) => clone(item)), has_more: hasMore, url };
  };

  // ---- invoices ----

  const chargeInvoice = (invoice: Stripe.Invoice, paymentMethodParam: string | undefined) => {
    const customer = customerOf(String(invoice.customer));
    const subscriptionId = invoice.parent?.subscription_details?.subscription;
    const subscription =
      typeof subscriptionId === 'string' ? subscriptions.get(subscriptionId) : undefined;
    const paymentMethodId =
      paymentMethodParam ??
      (typeof invoice.default_payment_method === 'string'
        ? invoice.default_payment_method
        : null) ??
      (typeof subscription?.default_payment_method === 'string'
        ? subscription.default_payment_method
        : null) ??
      (typeof customer.invoice_settings.default_payment_method === 'string'
        ? customer.invoice_settings.default_payment_method
        : null);
    if (paymentMethodId === null) {
      throw invalid(
        'This customer has no attached payment source or default payment method. Please consider adding a default payment method. For more information, visit https://stripe.com/docs/billing/subscriptions/payment-methods-setting#payment-method-priority.',
      );
    }
    const paymentMethod = resolvePaymentMethod(paymentMethodId, 'payment_method');
    const behaviour = cardBehaviour.get(paymentMethod.id) ?? 'succeeds';
    const card = paymentMethod.card;
    invoice.attempt_count += 1;
    invoice.attempted = true;
    const fail = (body: StripeErrorBody, chargeStatus: 'failed' | undefined) => {
      if (chargeStatus) {
        const chargeId = stripeId('ch');
        charges.push({
          id: chargeId,
          customer: customer.id,
          invoice: invoice.id,
          paymentMethod: paymentMethod.id,
          amount: invoice.amount_remaining,
          currency: invoice.currency,
          status: 'failed',
        });
        body.charge = chargeId;
      }
      if (subscription && subscription.status === 'active') subscription.status = 'past_due';
      record('invoice.payment_failed', invoice);
      return new StripeApiFailure(402, body);
    };
    const year = clock().getUTCFullYear();
    const month = clock().getUTCMonth() + 1;
    if (card && card.exp_year * 12 + card.exp_month < year * 12 + month) {
      throw fail(
        {
          type: 'card_error',
          code: 'expired_card',
          decline_code: 'expired_card',
          message: 'Your card has expired.',
          param: 'exp_month',
        },
        'failed',
      );
    }
    if (behaviour === 'authenticate-always') {
      throw fail(
        {
          type: 'card_error',
          code: 'invoice_payment_intent_requires_action',
          message:
            'This payment requires additional user action before it can be completed successfully. Payment can be completed using the PaymentIntent associated with the invoice. For more details see: https://stripe.com/docs/billing/subscriptions/overview#requires-action',
        },
        undefined,
      );
    }
    if (behaviour === 'charge-fails' || behaviour === 'declined') {
      throw fail(
        {
          type: 'card_error',
          code: 'card_declined',
          decline_code: 'generic_decline',
          message: 'Your card was declined.',
        },
        'failed',
      );
    }
    charges.push({
      id: stripeId('ch'),
      customer: customer.id,
      invoice: invoice.id,
      paymentMethod: paymentMethod.id,
      amount: invoice.amount_remaining,
      currency: invoice.currency,
      status: 'succeeded',
    });
    invoice.amount_paid = invoice.amount_remaining;
    invoice.amount_remaining = 0;
    invoice.status = 'paid';
    invoice.next_payment_attempt = null;
    invoice.auto_advance = false;
    invoice.status_transitions.paid_at = now();
    if (subscription && subscription.status === 'past_due') subscription.status = 'active';
    record('invoice.paid', invoice);
    record('invoice.payment_succeeded', invoice);
    return invoice;
  };

  // ---- setup intents ----

  const confirmSetupIntent = (setupIntent: Stripe.SetupIntent, params: StripeFormObject) => {
    if (
      setupIntent.status !== 'requires_payment_method' &&
      setupIntent.status !== 'requires_confirmation'
    ) {
      throw invalid(
        `You cannot confirm this SetupIntent because it has a status of ${setupIntent.status}.`,
        undefined,
        'setup_intent_unexpected_state',
      );
    }
    const requested =
      text(params, 'payment_method') ??
      (typeof setupIntent.payment_method === 'string' ? setupIntent.payment_method : undefined);
    if (requested === undefined) {
      throw invalid(
        "You cannot confirm this SetupIntent because it's missing a payment method. You can either update the SetupIntent with a payment method and then confirm it again, or confirm it again directly with a payment method.",
        'payment_method',
        'setup_intent_unexpected_state',
      );
    }
    const paymentMethod = resolvePaymentMethod(requested, 'payment_method');
    const behaviour = cardBehaviour.get(paymentMethod.id) ?? 'succeeds';
    setupIntent.payment_method = paymentMethod.id;
    if (behaviour === 'declined') {
      setupIntent.status = 'requires_payment_method';
      setupIntent.payment_method = null;
      setupIntent.last_setup_error = {
        code: 'card_declined',
        decline_code: 'generic_decline',
        doc_url: 'https://stripe.com/docs/error-codes/card-declined',
        message: 'Your card was declined.',
        payment_method: clone(paymentMethod),
        type: 'card_error',
      };
      record('setup_intent.setup_failed', setupIntent);
      throw new StripeApiFailure(402, {
        type: 'card_error',
        code: 'card_declined',
        decline_code: 'generic_decline',
        message: 'Your card was declined.',
        setup_intent: clone(setupIntent),
      });
    }
    if (behaviour === 'authenticate-on-setup' || behaviour === 'authenticate-always') {
      setupIntent.status = 'requires_action';
      setupIntent.next_action = {
        type: 'use_stripe_sdk',
        use_stripe_sdk: {
          type: 'three_d_secure_redirect',
          stripe_js: 'https://hooks.stripe.com/emulator',
        },
      };
      record('setup_intent.requires_action', setupIntent);
      return setupIntent;
    }
    paymentMethod.customer = typeof setupIntent.customer === 'string' ? setupIntent.customer : null;
    setupIntent.status = 'succeeded';
    setupIntent.last_setup_error = null;
    setupIntent.next_action = null;
    if (paymentMethod.customer) record('payment_method.attached', paymentMethod);
    record('setup_intent.succeeded', setupIntent);
    return setupIntent;
  };

  // ---- routing ----

  type Handler = (match: string[], params: StripeFormObject, request: EmulatorRequest) => unknown;
  const routes: { method: string; pattern: RegExp; handle: Handler }[] = [];
  const route = (method: string, pattern: RegExp, handle: Handler) =>
    routes.push({ method, pattern, handle });

  route('POST', /^\/v1\/customers$/, (_match, params) => {
    const defaultPaymentMethod = text(
      object(params, 'invoice_settings') ?? {},
      'default_payment_method',
    );
    const customer = remember(
      customers,
      buildCustomer({
        id: stripeId('cus'),
        created: now(),
        name: text(params, 'name') ?? null,
        email: text(params, 'email') ?? null,
        phone: text(params, 'phone') ?? null,
        metadata: metadataOf(params) ?? {},
        defaultPaymentMethod: null,
      }),
    );
    const attach = text(params, 'payment_method');
    if (attach !== undefined) resolvePaymentMethod(attach, 'payment_method').customer = customer.id;
    if (defaultPaymentMethod)
      customer.invoice_settings.default_payment_method = defaultPaymentMethod;
    record('customer.created', customer);
    return applyExpand(clone(customer), params, false);
  });
  route('GET', /^\/v1\/customers$/, (_match, params) => {
    const email = text(params, 'email');
    return applyExpand(
      list(
        customers.values(),
        params,
        '/v1/customers',
        (customer) => email === undefined || customer.email === email,
      ),
      params,
      true,
    );
  });
  route('GET', /^\/v1\/customers\/([^/]+)$/, ([id], params) =>
    applyExpand(clone(customerOf(id!)), params, false),
  );
  route('POST', /^\/v1\/customers\/([^/]+)$/, ([id], params) => {
    const customer = customerOf(id!);
    const name = text(params, 'name');
    const email = text(params, 'email');
    const phone = text(params, 'phone');
    if (name !== undefined) customer.name = name || null;
    if (email !== undefined) customer.email = email || null;
    if (phone !== undefined) customer.phone = phone || null;
    const metadata = metadataOf(params);
    if (metadata) customer.metadata = { ...customer.metadata, ...metadata };
    const invoiceSettings = object(params, 'invoice_settings');
    const defaultPaymentMethod = invoiceSettings
      ? text(invoiceSettings, 'default_payment_method')
      : undefined;
    if (defaultPaymentMethod !== undefined) {
      if (defaultPaymentMethod !== '') {
        const paymentMethod = paymentMethods.get(defaultPaymentMethod);
        if (!paymentMethod)
          throw missing(
            'PaymentMethod',
            defaultPaymentMethod,
            'invoice_settings[default_payment_method]',
          );
        if (paymentMethod.customer !== customer.id) {
          throw invalid(
            `The customer does not have a payment method with the ID ${defaultPaymentMethod}. The payment method must be attached to the customer.`,
            'invoice_settings[default_payment_method]',
          );
        }
      }
      customer.invoice_settings.default_payment_method = defaultPaymentMethod || null;
    }
    record('customer.updated', customer);
    return applyExpand(clone(customer), params, false);
  });
  route('GET', /^\/v1\/customers\/([^/]+)\/payment_methods$/, ([id], params) => {
    customerOf(id!);
    return list(
      paymentMethods.values(),
      params,
      `/v1/customers/${id}/payment_methods`,
      (paymentMethod) => paymentMethod.customer === id,
    );
  });
  route('GET', /^\/v1\/payment_methods$/, (_match, params) => {
    const customer = text(params, 'customer');
    return list(paymentMethods.values(), params, '/v1/payment_methods', (paymentMethod) =>
      customer === undefined ? false : paymentMethod.customer === customer,
    );
  });
  route('GET', /^\/v1\/payment_methods\/([^/]+)$/, ([id], params) => {
    const paymentMethod = paymentMethods.get(id!);
    if (!paymentMethod) throw missing('PaymentMethod', id!);
    return applyExpand(clone(paymentMethod), params, false);
  });
  route('POST', /^\/v1\/payment_methods\/([^/]+)\/attach$/, ([id], params) => {
    const customerId = text(params, 'customer');
    if (!customerId) throw invalid('Missing required param: customer.', 'customer');
    customerOf(customerId);
    const paymentMethod = resolvePaymentMethod(id!, 'payment_method');
    if (paymentMethod.customer && paymentMethod.customer !== customerId) {
      throw invalid(
        'The payment method you provided has already been attached to a customer.',
        undefined,
        'payment_method_already_attached',
      );
    }
    paymentMethod.customer = customerId;
    record('payment_method.attached', paymentMethod);
    return clone(paymentMethod);
  });
  route('POST', /^\/v1\/payment_methods\/([^/]+)\/detach$/, ([id]) => {
    const paymentMethod = paymentMethods.get(id!);
    if (!paymentMethod) throw missing('PaymentMethod', id!);
    if (!paymentMethod.customer) {
      throw invalid(
        'The payment method you provided is not attached to a customer so detachment is impossible.',
        undefined,
        'payment_method_unexpected_state',
      );
    }
    const customer = customers.get(String(paymentMethod.customer));
    if (customer?.invoice_settings.default_payment_method === paymentMethod.id) {
      customer.invoice_settings.default_payment_method = null;
    }
    paymentMethod.customer = null;
    record('payment_method.detached', paymentMethod);
    return clone(paymentMethod);
  });
  route('POST', /^\/v1\/setup_intents$/, (_match, params) => {
    const customer = text(params, 'customer');
    if (customer !== undefined) customerOf(customer);
    const usage = text(params, 'usage') ?? 'off_session';
    if (usage !== 'off_session' && usage !== 'on_session') {
      throw invalid(`Invalid usage: must be one of off_session or on_session`, 'usage');
    }
    const allowed = strings(params.allowed_payment_method_types ?? params.payment_method_types);
    const setupIntent = remember(
      setupIntents,
      buildSetupIntent({
        id: stripeId('seti'),
        created: now(),
        customer: customer ?? null,
        usage,
        metadata: metadataOf(params) ?? {},
        allowedTypes: allowed.length > 0 ? allowed : ['card'],
      }),
    );
    const paymentMethod = text(params, 'payment_method');
    if (paymentMethod !== undefined) {
      setupIntent.payment_method = resolvePaymentMethod(paymentMethod, 'payment_method').id;
      setupIntent.status = 'requires_confirmation';
    }
    record('setup_intent.created', setupIntent);
    if (text(params, 'confirm') === 'true') confirmSetupIntent(setupIntent, params);
    return applyExpand(clone(setupIntent), params, false);
  });
  route('GET', /^\/v1\/setup_intents\/([^/]+)$/, ([id], params) => {
    const setupIntent = setupIntents.get(id!);
    if (!setupIntent) throw missing('setupintent', id!, 'intent');
    return applyExpand(clone(setupIntent), params, false);
  });
  route('POST', /^\/v1\/setup_intents\/([^/]+)\/confirm$/, ([id], params, request) => {
    const setupIntent = setupIntents.get(id!);
    if (!setupIntent) throw missing('setupintent', id!, 'intent');
    if (request.headers.authorization === `Bearer ${publishableKey}`) {
      if (text(params, 'client_secret') !== setupIntent.client_secret) {
        throw invalid(
          'The client_secret provided does not match the client_secret associated with the SetupIntent.',
          'client_secret',
        );
      }
    }
    confirmSetupIntent(setupIntent, params);
    return applyExpand(clone(setupIntent), params, false);
  });
  route('GET', /^\/v1\/subscriptions$/, (_match, params) => {
    const customer = text(params, 'customer');
    const status = text(params, 'status');
    return applyExpand(
      list(
        subscriptions.values(),
        params,
        '/v1/subscriptions',
        (subscription) =>
          (customer === undefined || subscription.customer === customer) &&
          (status === 'all' ||
            (status === undefined
              ? subscription.status !== 'canceled'
              : subscription.status === status)),
      ),
      params,
      true,
    );
  });
  route('GET', /^\/v1\/subscriptions\/([^/]+)$/, ([id], params) => {
    const subscription = subscriptions.get(id!);
    if (!subscription) throw missing('subscription', id!);
    return applyExpand(clone(subscription), params, false);
  });
  route('POST', /^\/v1\/subscriptions\/([^/]+)$/, ([id], params) => {
    const subscription = subscriptions.get(id!);
    if (!subscription) throw missing('subscription', id!);
    const defaultPaymentMethod = text(params, 'default_payment_method');
    if (defaultPaymentMethod !== undefined) {
      if (defaultPaymentMethod !== '') {
        const paymentMethod = paymentMethods.get(defaultPaymentMethod);
        if (!paymentMethod)
          throw missing('PaymentMethod', defaultPaymentMethod, 'default_payment_method');
        if (paymentMethod.customer !== subscription.customer) {
          throw invalid(
            `The customer does not have a payment method with the ID ${defaultPaymentMethod}. The payment method must be attached to the customer.`,
            'default_payment_method',
          );
        }
      }
      subscription.default_payment_method = defaultPaymentMethod || null;
    }
    const metadata = metadataOf(params);
    if (metadata) subscription.metadata = { ...subscription.metadata, ...metadata };
    record('customer.subscription.updated', subscription);
    return applyExpand(clone(subscription), params, false);
  });
  route('DELETE', /^\/v1\/subscriptions\/([^/]+)$/, ([id]) => {
    const subscription = subscriptions.get(id!);
    if (!subscription) throw missing('subscription', id!);
    subscription.status = 'canceled';
    subscription.canceled_at = now();
    subscription.ended_at = now();
    record('customer.subscription.deleted', subscription);
    return clone(subscription);
  });
  route('GET', /^\/v1\/invoices$/, (_match, params) => {
    const customer = text(params, 'customer');
    // Stripe refuses a filter on a customer it does not know (another account's, a typo).
    if (customer !== undefined && !customers.has(customer)) {
      throw new StripeApiFailure(400, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such customer: '${customer}'`,
        param: 'customer',
      });
    }
    const status = text(params, 'status');
    const subscription = text(params, 'subscription');
    const collection = text(params, 'collection_method');
    return applyExpand(
      list(
        invoices.values(),
        params,
        '/v1/invoices',
        (invoice) =>
          (customer === undefined || invoice.customer === customer) &&
          (status === undefined || invoice.status === status) &&
          (collection === undefined || invoice.collection_method === collection) &&
          (subscription === undefined ||
            invoice.parent?.subscription_details?.subscription === subscription),
      ),
      params,
      true,
    );
  });
  route('GET', /^\/v1\/invoices\/([^/]+)$/, ([id], params) => {
    const invoice = invoices.get(id!);
    if (!invoice) throw missing('invoice', id!);
    return applyExpand(clone(invoice), params, false);
  });
  route('POST', /^\/v1\/invoices\/([^/]+)\/pay$/, ([id], params) => {
    const invoice = invoices.get(id!);
    if (!invoice) throw missing('invoice', id!);
    if (invoice.status === 'paid')
      throw invalid('Invoice is already paid', undefined, 'invoice_not_open');
    if (invoice.status !== 'open') {
      throw invalid(
        `You can only pay an invoice that is open (this one is ${invoice.status}).`,
        undefined,
        'invoice_not_open',
      );
    }
    chargeInvoice(invoice, text(params, 'payment_method'));
    return applyExpand(clone(invoice), params, false);
  });

  // ---- the server ----

  const sendError = (
    context: EmulatorContext,
    status: number,
    body: StripeErrorBody,
    headers: Record<string, string> = {},
  ) => {
    const requestId = `req_${randomUUID().replaceAll('-', '').slice(0, 14)}`;
    sendJson(
      context.response,
      status,
      {
        error: {
          ...body,
          ...(body.code
            ? { doc_url: `https://stripe.com/docs/error-codes/${body.code.replaceAll('_', '-')}` }
            : {}),
          request_log_url: `https://dashboard.stripe.com/test/logs/${requestId}`,
        },
      },
      { 'request-id': requestId, 'stripe-version': STRIPE_EMULATOR_API_VERSION, ...headers },
    );
  };

  const sendStatusFault = (
    context: EmulatorContext,
    fault: Extract<EmulatorFault, { type: 'status' }>,
  ) => {
    const headers = retryHeaders(fault);
    if (fault.body !== undefined) {
      sendJson(context.response, fault.status, fault.body, headers);
    } else if (fault.status === 429) {
      sendError(
        context,
        429,
        {
          type: 'invalid_request_error',
          code: 'rate_limit',
          message:
            'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
        },
        headers,
      );
    } else if (fault.status >= 500) {
      sendError(
        context,
        fault.status,
        {
          type: 'api_error',
          message: 'An unknown error occurred',
        },
        headers,
      );
    } else {
      sendError(
        context,
        fault.status,
        { type: 'invalid_request_error', message: `Emulated error ${fault.status}.` },
        headers,
      );
    }
  };

  const server = await startEmulatorServer(state, (context) => {
    const { request } = context;
    const fault = state.takeFault(request.path);
    if (fault) {
      request.fault = fault;
      if (answerTransportFault(context, fault)) return;
      if (fault.type === 'status') {
        sendStatusFault(context, fault);
        return;
      }
    }
    const authorization = request.headers.authorization;
    if (!authorization) {
      sendError(context, 401, {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      });
      return;
    }
    const key = authorization.startsWith('Bearer ') ? authorization.slice(7) : '';
    const isConfirm = /^\/v1\/setup_intents\/[^/]+\/confirm$/.test(request.path);
    if (key !== secretKey && !(isConfirm && key === publishableKey)) {
      const masked = key.length > 8 ? `${key.slice(0, 8)}${'*'.repeat(12)}${key.slice(-4)}` : '***';
      sendError(context, 401, {
        type: 'invalid_request_error',
        message: `Invalid API Key provided: ${masked}`,
      });
      return;
    }
    const version = request.headers['stripe-version'];
    if (version !== undefined && !/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/.test(version)) {
      sendError(context, 400, {
        type: 'invalid_request_error',
        message: `Invalid Stripe API version: ${version}`,
      });
      return;
    }
    let params: StripeFormObject;
    try {
      params = parseStripeForm(
        request.method === 'GET' || request.method === 'DELETE'
          ? request.query.toString()
          : request.rawBody,
      );
    } catch (error) {
      sendError(context, 400, {
        type: 'invalid_request_error',
        message: error instanceof Error ? error.message : 'Invalid request body.',
      });
      return;
    }
    const idempotencyKey = request.headers['idempotency-key'];
    if (request.method === 'POST' && idempotencyKey !== undefined) {
      const earlier = idempotent.get(idempotencyKey);
      if (earlier) {
        if (
          earlier.method !== request.method ||
          earlier.path !== request.path ||
          earlier.body !== request.rawBody
        ) {
          sendError(context, 400, {
            type: 'idempotency_error',
            message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
          });
          return;
        }
        sendJson(context.response, earlier.status, earlier.response, {
          'idempotent-replayed': 'true',
          'idempotency-key': idempotencyKey,
          'request-id': `req_${randomUUID().replaceAll('-', '').slice(0, 14)}`,
          'stripe-version': STRIPE_EMULATOR_API_VERSION,
        });
        return;
      }
    }
    const found = routes.find(
      (candidate) => candidate.method === request.method && candidate.pattern.test(request.path),
    );
    if (!found) {
      sendError(context, 404, {
        type: 'invalid_request_error',
        message: `Unrecognized request URL (${request.method}: ${request.path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
      });
      return;
    }
    const match = found.pattern
      .exec(request.path)!
      .slice(1)
      .map((part) => decodeURIComponent(part));
    let status = 200;
    let response: unknown;
    try {
      response = found.handle(match, params, request);
    } catch (error) {
      if (!(error instanceof StripeApiFailure)) throw error;
      status = error.status;
      response = { error: error.body };
      // Stripe saves the result once an endpoint started executing (card errors included),
      // but not a request that failed validation.
      if (request.method === 'POST' && idempotencyKey !== undefined && error.status === 402) {
        idempotent.set(idempotencyKey, {
          method: request.method,
          path: request.path,
          body: request.rawBody,
          status,
          response,
        });
      }
      sendError(
        context,
        error.status,
        error.body,
        idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
      );
      return;
    }
    if (request.method === 'POST' && idempotencyKey !== undefined) {
      idempotent.set(idempotencyKey, {
        method: request.method,
        path: request.path,
        body: request.rawBody,
        status,
        response,
      });
    }
    // Done, but the answer is lost: the socket stays open without a word (close() ends it).
    if (fault?.type === 'lost-answer') return;
    sendJson(context.response, status, response, {
      'request-id': `req_${randomUUID().replaceAll('-', '').slice(0, 14)}`,
      'stripe-version': STRIPE_EMULATOR_API_VERSION,
      ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
    });
  });

  const port = Number(new URL(server.origin).port);

  // ---- state helpers ----

  const seedCustomer: StripeEmulator['seedCustomer'] = (seed = {}) => {
    const customer = remember(
      customers,
      buildCustomer({
        id: stripeId('cus'),
        created: seed.created ? Math.floor(seed.created.getTime() / 1000) : now(),
        name: seed.name ?? 'Jenny Rosen',
        email: seed.email ?? 'jenny.rosen@example.com',
        phone: seed.phone ?? null,
        metadata: seed.metadata ?? {},
        defaultPaymentMethod: null,
      }),
    );
    return customer.id;
  };

  const seedPaymentMethod: StripeEmulator['seedPaymentMethod'] = (seed) => {
    const card = cardByName(seed.card ?? 'visa');
    if (!card) throw new Error(`Unknown emulator test card: ${seed.card}`);
    if (seed.customer !== undefined && !customers.has(seed.customer)) {
      throw new Error(`Unknown emulator customer: ${seed.customer}`);
    }
    const paymentMethod = createPaymentMethod(
      card,
      seed.customer ?? null,
      seed.expMonth,
      seed.expYear,
    );
    if (seed.setAsCustomerDefault && seed.customer !== undefined) {
      customers.get(seed.customer)!.invoice_settings.default_payment_method = paymentMethod.id;
    }
    return paymentMethod.id;
  };

  const seedSubscription: StripeEmulator['seedSubscription'] = (seed) => {
    if (!customers.has(seed.customer))
      throw new Error(`Unknown emulator customer: ${seed.customer}`);
    const created = now();
    const price = buildPrice({
      id: stripeId('price'),
      created,
      unitAmount: seed.unitAmount,
      currency: seed.currency ?? 'usd',
      interval: seed.interval ?? 'month',
    });
    const subscription = remember(
      subscriptions,
      buildSubscription({
        id: stripeId('sub'),
        created,
        customer: seed.customer,
        price,
        quantity: seed.quantity ?? 1,
        status: seed.status ?? 'active',
        defaultPaymentMethod: seed.defaultPaymentMethod ?? null,
        currentPeriodStart: created,
        currentPeriodEnd: created + 30 * 86_400,
      }),
    );
    return subscription.id;
  };

  const seedInvoice: StripeEmulator['seedInvoice'] = (seed) => {
    const customer = customers.get(seed.customer);
    if (!customer) throw new Error(`Unknown emulator customer: ${seed.customer}`);
    const subscription =
      seed.subscription !== undefined ? subscriptions.get(seed.subscription) : undefined;
    if (seed.subscription !== undefined && !subscription) {
      throw new Error(`Unknown emulator subscription: ${seed.subscription}`);
    }
    const created = seed.created ? Math.floor(seed.created.getTime() / 1000) : now();
    const status = seed.status ?? 'open';
    let number: string | null = null;
    if (status !== 'draft') {
      const sequenceNumber = customer.next_invoice_sequence ?? 1;
      customer.next_invoice_sequence = sequenceNumber + 1;
      number = `${customer.invoice_prefix ?? 'EMU'}-${String(sequenceNumber).padStart(4, '0')}`;
    }
    const invoice = remember(
      invoices,
      buildInvoice({
        id: stripeId('in'),
        created,
        customer,
        subscription: subscription ?? null,
        amountDue: seed.amountDue,
        currency: seed.currency ?? subscription?.currency ?? 'usd',
        status,
        attemptCount: seed.attemptCount ?? (status === 'paid' ? 1 : 0),
        nextPaymentAttempt:
          seed.nextPaymentAttempt === null
            ? null
            : seed.nextPaymentAttempt
              ? Math.floor(seed.nextPaymentAttempt.getTime() / 1000)
              : status === 'open'
                ? created + 3 * 86_400
                : null,
        paidAt:
          status === 'paid'
            ? Math.floor((seed.paidAt ?? new Date(created * 1000)).getTime() / 1000)
            : null,
        periodStart: created - 30 * 86_400,
        periodEnd: created,
        number,
        ...(seed.dueDate
          ? {
              collectionMethod: 'send_invoice' as const,
              dueDate: Math.floor(seed.dueDate.getTime() / 1000),
            }
          : {}),
      }),
    );
    if (subscription) subscription.latest_invoice = invoice.id;
    if (subscription && status === 'open' && invoice.attempt_count > 0)
      subscription.status = 'past_due';
    return invoice.id;
  };

  const signature = (payload: string, timestamp: number, secret: string) =>
    `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${payload}`).digest('hex')}`;

  const buildWebhook: StripeEmulator['buildWebhook'] = (type, value, webhookOptions = {}) => {
    let data: unknown = value;
    if (typeof value === 'string') {
      const found = lookup(value);
      if (!found) throw new Error(`Unknown emulator object: ${value}`);
      data = clone(found);
    }
    const created = webhookOptions.created
      ? Math.floor(webhookOptions.created.getTime() / 1000)
      : now();
    const event = {
      id: stripeId('evt'),
      object: 'event',
      api_version: STRIPE_EMULATOR_API_VERSION,
      created,
      data: { object: data },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    const payload = JSON.stringify(event, null, 2);
    const timestamp = webhookOptions.timestamp ?? now();
    return {
      event,
      payload,
      signature: signature(payload, timestamp, webhookOptions.secret ?? webhookSecret),
    };
  };

  return {
    url: server.origin,
    host: '127.0.0.1',
    port,
    protocol: 'http',
    secretKey,
    publishableKey,
    webhookSecret,
    apiVersion: STRIPE_EMULATOR_API_VERSION,
    requests: state.requests,
    charges,
    events,
    queueFault: (fault, faultOptions) => state.queueFault(fault, faultOptions),
    clearFaults: () => state.clearFaults(),
    seedCustomer,
    seedPaymentMethod,
    seedSubscription,
    seedInvoice,
    seedFailedPayment(seed = {}) {
      const customerId = seedCustomer({
        ...(seed.name !== undefined ? { name: seed.name } : {}),
        ...(seed.email !== undefined ? { email: seed.email } : {}),
      });
      const onSubscription = seed.cardDefaultOn === 'subscription';
      const paymentMethodId = seedPaymentMethod({
        card: seed.card ?? 'chargeCustomerFail',
        customer: customerId,
        ...(seed.expMonth !== undefined ? { expMonth: seed.expMonth } : {}),
        ...(seed.expYear !== undefined ? { expYear: seed.expYear } : {}),
        setAsCustomerDefault: !onSubscription,
      });
      const subscriptionId = seedSubscription({
        customer: customerId,
        unitAmount: seed.unitAmount ?? 4900,
        ...(onSubscription ? { defaultPaymentMethod: paymentMethodId } : {}),
      });
      const invoiceId = seedInvoice({
        customer: customerId,
        subscription: subscriptionId,
        amountDue: seed.unitAmount ?? 4900,
        attemptCount: seed.attemptCount ?? 1,
        ...(seed.nextPaymentAttempt !== undefined
          ? { nextPaymentAttempt: seed.nextPaymentAttempt }
          : {}),
      });
      return { customerId, paymentMethodId, subscriptionId, invoiceId };
    },
    completeSetupIntentAction(setupIntentId, actionOptions = {}) {
      const setupIntent = setupIntents.get(setupIntentId);
      if (!setupIntent) throw new Error(`Unknown emulator SetupIntent: ${setupIntentId}`);
      if (setupIntent.status !== 'requires_action') {
        throw new Error(
          `SetupIntent ${setupIntentId} is ${setupIntent.status}, not requires_action.`,
        );
      }
      const paymentMethod = paymentMethods.get(String(setupIntent.payment_method));
      setupIntent.next_action = null;
      if ((actionOptions.succeed ?? true) && paymentMethod) {
        paymentMethod.customer =
          typeof setupIntent.customer === 'string' ? setupIntent.customer : null;
        // Authenticated once for off-session use: later charges of a 3155 card succeed.
        if (cardBehaviour.get(paymentMethod.id) === 'authenticate-on-setup') {
          cardBehaviour.set(paymentMethod.id, 'succeeds');
        }
        setupIntent.status = 'succeeded';
        record('setup_intent.succeeded', setupIntent);
        return;
      }
      setupIntent.status = 'requires_payment_method';
      setupIntent.payment_method = null;
      setupIntent.last_setup_error = {
        code: 'setup_intent_authentication_failure',
        doc_url: 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure',
        message:
          'We are unable to authenticate your payment method. Please choose a different payment method and try again.',
        type: 'invalid_request_error',
      };
      record('setup_intent.setup_failed', setupIntent);
    },
    getObject<T = Record<string, unknown>>(id: string): T {
      const found = lookup(id);
      if (!found) throw new Error(`Unknown emulator object: ${id}`);
      return clone(found) as T;
    },
    buildWebhook,
    async sendWebhook(type, value, webhookOptions = {}) {
      const url = webhookOptions.url ?? options.webhookUrl;
      if (!url)
        throw new Error(
          'No webhook URL: pass webhookUrl to startStripeEmulator or url to sendWebhook.',
        );
      const built = buildWebhook(type, value, webhookOptions);
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': built.signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: built.payload,
      });
      return { ...built, status: response.status, body: await response.text() };
    },
    close: () => server.close(),
  };
}
