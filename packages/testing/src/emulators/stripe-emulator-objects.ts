import { createHash, randomBytes } from 'node:crypto';
import type Stripe from 'stripe';

/**
 * Builders of the Stripe objects the emulator keeps, shaped like Stripe's own examples
 * (`stripe/openapi` fixtures3.json) and checked against the `stripe` package's types with
 * `satisfies`, so a type change in the SDK breaks the build here, not a test at run time.
 */

/** Stripe-style random ids: a prefix and 24 base62 characters. */
export function stripeId(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const bytes = randomBytes(24);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}_${id}`;
}

/** What a test card does in the emulator (Stripe's test PaymentMethods). */
export type StripeEmulatorCardBehaviour =
  | 'succeeds'
  | 'charge-fails'
  | 'declined'
  | 'authenticate-on-setup'
  | 'authenticate-always';

/** A test card: `pm_card_*` token, brand, number's last four, behaviour. */
export interface StripeEmulatorTestCard {
  token: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  last4: string;
  behaviour: StripeEmulatorCardBehaviour;
}

/**
 * Stripe's test PaymentMethod tokens the emulator knows. `pm_card_authenticationRequiredOnSetup`
 * is 4000 0025 0000 3155 (authentication when saved, off-session charges succeed);
 * `pm_card_authenticationRequired` is 4000 0027 6000 3184 (authentication every time).
 */
export const stripeEmulatorTestCards: readonly StripeEmulatorTestCard[] = [
  { token: 'pm_card_visa', brand: 'visa', last4: '4242', behaviour: 'succeeds' },
  { token: 'pm_card_mastercard', brand: 'mastercard', last4: '4444', behaviour: 'succeeds' },
  { token: 'pm_card_amex', brand: 'amex', last4: '8431', behaviour: 'succeeds' },
  { token: 'pm_card_discover', brand: 'discover', last4: '1117', behaviour: 'succeeds' },
  { token: 'pm_card_chargeCustomerFail', brand: 'visa', last4: '0341', behaviour: 'charge-fails' },
  { token: 'pm_card_chargeDeclined', brand: 'visa', last4: '0002', behaviour: 'declined' },
  {
    token: 'pm_card_authenticationRequiredOnSetup',
    brand: 'visa',
    last4: '3155',
    behaviour: 'authenticate-on-setup',
  },
  {
    token: 'pm_card_authenticationRequired',
    brand: 'visa',
    last4: '3184',
    behaviour: 'authenticate-always',
  },
];

/**
 * Decimal fields travel as strings on the wire (`"2000"`); the SDK's types describe them as its
 * `Decimal` class because it converts them when it reads a response.
 */
function wireDecimal(value: string): Stripe.Decimal {
  return value as unknown as Stripe.Decimal;
}

const emptyAddress = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

export function buildCustomer(options: {
  id: string;
  created: number;
  name: string | null;
  email: string | null;
  phone: string | null;
  metadata: Record<string, string>;
  defaultPaymentMethod: string | null;
}): Stripe.Customer {
  return {
    id: options.id,
    object: 'customer',
    address: null,
    balance: 0,
    created: options.created,
    currency: 'usd',
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: options.email,
    invoice_prefix: options.id.slice(4, 11).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: options.defaultPaymentMethod,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: options.metadata,
    name: options.name,
    next_invoice_sequence: 1,
    phone: options.phone,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  } satisfies Stripe.Customer;
}

export function buildPaymentMethod(options: {
  id: string;
  created: number;
  card: StripeEmulatorTestCard;
  expMonth: number;
  expYear: number;
  customer: string | null;
}): Stripe.PaymentMethod {
  return {
    id: options.id,
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: { address: emptyAddress, email: null, name: null, phone: null, tax_id: null },
    card: {
      brand: options.card.brand,
      checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: 'pass' },
      country: 'US',
      display_brand: options.card.brand === 'amex' ? 'american_express' : options.card.brand,
      exp_month: options.expMonth,
      exp_year: options.expYear,
      fingerprint: createHash('sha256').update(options.card.token).digest('base64url').slice(0, 16),
      funding: 'credit',
      generated_from: null,
      last4: options.card.last4,
      networks: { available: [options.card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: options.created,
    customer: options.customer,
    customer_account: null,
    livemode: false,
    metadata: {},
    type: 'card',
  } satisfies Stripe.PaymentMethod;
}

export function buildSetupIntent(options: {
  id: string;
  created: number;
  customer: string | null;
  usage: string;
  metadata: Record<string, string>;
  allowedTypes: string[];
}): Stripe.SetupIntent {
  return {
    id: options.id,
    object: 'setup_intent',
    allowed_payment_method_types: options.allowedTypes,
    application: null,
    automatic_payment_methods: null,
    cancellation_reason: null,
    client_secret: `${options.id}_secret_${randomBytes(18).toString('base64url')}`,
    created: options.created,
    customer: options.customer,
    description: null,
    excluded_payment_method_types: null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: options.metadata,
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_configuration_details: null,
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: options.allowedTypes,
    single_use_mandate: null,
    status: 'requires_payment_method',
    usage: options.usage,
  } satisfies Stripe.SetupIntent;
}

export function buildPrice(options: {
  id: string;
  created: number;
  unitAmount: number;
  currency: string;
  interval: 'day' | 'week' | 'month' | 'year';
}): Stripe.Price {
  return {
    id: options.id,
    object: 'price',
    active: true,
    billing_scheme: 'per_unit',
    created: options.created,
    currency: options.currency,
    custom_unit_amount: null,
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: `prod_${options.id.slice(6)}`,
    recurring: {
      interval: options.interval,
      interval_count: 1,
      meter: null,
      trial_period_days: null,
      usage_type: 'licensed',
    },
    tax_behavior: 'unspecified',
    tiers_mode: null,
    transform_quantity: null,
    type: 'recurring',
    unit_amount: options.unitAmount,
    unit_amount_decimal: wireDecimal(String(options.unitAmount)),
  } satisfies Stripe.Price;
}

function buildPlan(price: Stripe.Price): Stripe.Plan {
  return {
    id: price.id,
    object: 'plan',
    active: true,
    amount: price.unit_amount,
    amount_decimal: price.unit_amount_decimal,
    billing_scheme: 'per_unit',
    created: price.created,
    currency: price.currency,
    interval: price.recurring?.interval ?? 'month',
    interval_count: price.recurring?.interval_count ?? 1,
    livemode: false,
    metadata: {},
    meter: null,
    nickname: null,
    product: price.product,
    tiers_mode: null,
    transform_usage: null,
    trial_period_days: null,
    usage_type: 'licensed',
  } satisfies Stripe.Plan;
}

export function buildSubscription(options: {
  id: string;
  created: number;
  customer: string;
  price: Stripe.Price;
  quantity: number;
  status: Stripe.Subscription.Status;
  defaultPaymentMethod: string | null;
  currentPeriodStart: number;
  currentPeriodEnd: number;
}): Stripe.Subscription {
  const itemId = `si_${options.id.slice(4)}`;
  return {
    id: options.id,
    object: 'subscription',
    application: null,
    application_fee_percent: null,
    automatic_tax: { disabled_reason: null, enabled: false, liability: null },
    billing_cycle_anchor: options.currentPeriodStart,
    billing_cycle_anchor_config: null,
    billing_mode: { flexible: null, type: 'classic' },
    billing_schedules: [],
    billing_thresholds: null,
    cancel_at: null,
    cancel_at_period_end: false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, feedback_option: null, reason: null },
    collection_method: 'charge_automatically',
    created: options.created,
    currency: options.price.currency,
    customer: options.customer,
    customer_account: null,
    days_until_due: null,
    default_payment_method: options.defaultPaymentMethod,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    ended_at: null,
    invoice_settings: {
      account_tax_ids: null,
      custom_fields: null,
      description: null,
      footer: null,
      issuer: { type: 'self' },
    },
    items: {
      object: 'list',
      data: [
        {
          id: itemId,
          object: 'subscription_item',
          billing_thresholds: null,
          created: options.created,
          current_trial: null,
          current_period_end: options.currentPeriodEnd,
          current_period_start: options.currentPeriodStart,
          discounts: [],
          metadata: {},
          plan: buildPlan(options.price),
          price: options.price,
          quantity: options.quantity,
          subscription: options.id,
          tax_rates: [],
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${options.id}`,
    },
    latest_invoice: null,
    livemode: false,
    managed_payments: null,
    metadata: {},
    next_pending_invoice_item_invoice: null,
    on_behalf_of: null,
    pause_collection: null,
    payment_settings: {
      payment_method_options: null,
      payment_method_types: null,
      save_default_payment_method: 'off',
    },
    pending_invoice_item_interval: null,
    pending_setup_intent: null,
    pending_update: null,
    schedule: null,
    start_date: options.created,
    status: options.status,
    test_clock: null,
    transfer_data: null,
    trial_end: null,
    trial_settings: {
      end_behavior: { billing_cycle_anchor: null, missing_payment_method: 'create_invoice' },
    },
    trial_start: null,
  } satisfies Stripe.Subscription;
}

export function buildInvoice(options: {
  id: string;
  created: number;
  customer: Stripe.Customer;
  subscription: Stripe.Subscription | null;
  amountDue: number;
  currency: string;
  status: 'draft' | 'open' | 'paid' | 'uncollectible' | 'void';
  attemptCount: number;
  nextPaymentAttempt: number | null;
  paidAt: number | null;
  periodStart: number;
  periodEnd: number;
  /**
   * The printed number (`<customer invoice_prefix>-0001`), given at finalization: `null` while
   * a draft, as Stripe leaves it.
   */
  number: string | null;
  /** `send_invoice` invoices have a `due_date`; `charge_automatically` ones (the default) none. */
  collectionMethod?: 'charge_automatically' | 'send_invoice';
  /** Unix seconds; only for `send_invoice`. */
  dueDate?: number | null;
}): Stripe.Invoice {
  const paid = options.status === 'paid';
  const draft = options.status === 'draft';
  const collectionMethod = options.collectionMethod ?? 'charge_automatically';
  const subscriptionId = options.subscription?.id ?? null;
  const lineId = `il_${options.id.slice(3)}`;
  return {
    id: options.id,
    object: 'invoice',
    account_country: 'US',
    account_name: 'Churn Emulator',
    account_tax_ids: null,
    amount_due: options.amountDue,
    amount_overpaid: 0,
    amount_paid: paid ? options.amountDue : 0,
    amount_remaining: paid ? 0 : options.amountDue,
    amount_shipping: 0,
    application: null,
    attempt_count: options.attemptCount,
    attempted: options.attemptCount > 0,
    auto_advance: !paid && collectionMethod === 'charge_automatically',
    automatic_tax: {
      disabled_reason: null,
      enabled: false,
      liability: null,
      provider: null,
      status: null,
    },
    automatically_finalizes_at: null,
    billing_reason: subscriptionId ? 'subscription_cycle' : 'manual',
    collection_method: collectionMethod,
    created: options.created,
    currency: options.currency,
    custom_fields: null,
    customer: options.customer.id,
    customer_account: null,
    customer_address: null,
    customer_email: options.customer.email ?? null,
    customer_name: options.customer.name ?? null,
    customer_phone: options.customer.phone ?? null,
    customer_shipping: null,
    customer_tax_exempt: 'none',
    customer_tax_ids: [],
    default_payment_method: null,
    default_source: null,
    default_tax_rates: [],
    description: null,
    discounts: [],
    due_date: collectionMethod === 'send_invoice' ? (options.dueDate ?? null) : null,
    effective_at: draft ? null : options.created,
    ending_balance: 0,
    footer: null,
    from_invoice: null,
    // Drafts have no hosted page and no PDF yet (fixtures3.json's draft invoice has null).
    hosted_invoice_url: draft ? null : `https://invoice.stripe.com/i/emulator/${options.id}`,
    invoice_pdf: draft ? null : `https://pay.stripe.com/invoice/emulator/${options.id}/pdf`,
    issuer: { type: 'self' },
    last_finalization_error: null,
    latest_revision: null,
    lines: {
      object: 'list',
      data: [
        {
          id: lineId,
          object: 'line_item',
          amount: options.amountDue,
          currency: options.currency,
          description: '1 × Churn emulator plan',
          discount_amounts: [],
          discountable: true,
          discounts: [],
          invoice: options.id,
          livemode: false,
          metadata: {},
          parent: subscriptionId
            ? {
                invoice_item_details: null,
                subscription_item_details: {
                  invoice_item: null,
                  proration: false,
                  proration_details: null,
                  subscription: subscriptionId,
                  subscription_item: `si_${subscriptionId.slice(4)}`,
                },
                type: 'subscription_item_details',
              }
            : null,
          period: { end: options.periodEnd, start: options.periodStart },
          pretax_credit_amounts: null,
          pricing: null,
          quantity: 1,
          quantity_decimal: wireDecimal('1'),
          subscription: subscriptionId,
          subtotal: options.amountDue,
          taxes: null,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${options.id}/lines`,
    },
    livemode: false,
    metadata: {},
    next_payment_attempt:
      paid || collectionMethod === 'send_invoice' ? null : options.nextPaymentAttempt,
    number: options.number,
    on_behalf_of: null,
    parent: subscriptionId
      ? {
          quote_details: null,
          subscription_details: { metadata: null, subscription: subscriptionId },
          type: 'subscription_details',
        }
      : null,
    payment_settings: {
      default_mandate: null,
      payment_method_options: null,
      payment_method_types: null,
    },
    period_end: options.periodEnd,
    period_start: options.periodStart,
    post_payment_credit_notes_amount: 0,
    pre_payment_credit_notes_amount: 0,
    receipt_number: null,
    rendering: null,
    shipping_cost: null,
    shipping_details: null,
    starting_balance: 0,
    statement_descriptor: null,
    status: options.status,
    status_transitions: {
      finalized_at: draft ? null : options.created,
      marked_uncollectible_at: null,
      paid_at: options.paidAt,
      voided_at: null,
    },
    subtotal: options.amountDue,
    subtotal_excluding_tax: options.amountDue,
    test_clock: null,
    total: options.amountDue,
    total_discount_amounts: [],
    total_excluding_tax: options.amountDue,
    total_pretax_credit_amounts: [],
    total_taxes: [],
    webhooks_delivered_at: options.created,
  } satisfies Stripe.Invoice;
}
