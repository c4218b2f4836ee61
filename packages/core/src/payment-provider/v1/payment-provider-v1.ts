import type { CardType, PaymentMethodStatus } from '../../entities/enums.js';
import type { RiskAssessment } from '../../risk/assess-risk.js';
import type { PaymentEvent } from './payment-event.js';
import type { PaymentFailure } from './payment-failure.js';

/**
 * A card as the provider knows it: brand, last four digits and expiry, never the number.
 * `cardType` is the brand mapped to the four the data model supports; it is undefined for
 * other brands (JCB, Diners, UnionPay...), whose raw name stays in `brand`.
 */
export interface PaymentCard {
  /** The provider's payment method id (`pm_...`). */
  providerPaymentMethodId: string;
  /** The provider's brand name, like `visa` or `jcb`. */
  brand: string;
  cardType?: CardType;
  lastFourDigits: string;
  /** 1 to 12. */
  expiryMonth: number;
  /** Four digits. */
  expiryYear: number;
}

/** An open invoice whose payment failed: what the customer owes and when the provider retries. */
export interface FailedInvoice {
  /** The provider's invoice id (`in_...`). */
  providerInvoiceId: string;
  /** The subscription the invoice bills, when it bills one. */
  providerSubscriptionId?: string;
  /** What is still due, in major units (49.5 = $49.50). */
  amountDue: number;
  /** ISO 4217 code in lowercase, like `usd`. */
  currency: string;
  /** How many times the provider tried to charge it. */
  attemptCount: number;
  /** When the provider retries next (Smart Retries), when it will. */
  nextRetryAt?: Date;
  createdAt: Date;
}

/**
 * One at-risk customer found by {@link PaymentProviderV1.doListAtRiskCustomers}: the fields of
 * the `Customer` and `PaymentMethod` entities the provider knows, with the provider's ids, so a
 * sync can create or update the stored rows (`stripeCustomerId`, `stripePaymentMethodId`).
 */
export interface AtRiskCustomer {
  customer: {
    /** The provider's customer id (`cus_...`). */
    providerCustomerId: string;
    name?: string;
    email?: string;
    phone?: string;
    /** Monthly value of the customer's live subscriptions, in major units; 0 when none. */
    accountValue: number;
    currency: string;
    customerSince: Date;
    /** The last invoice paid, when the provider lists one. */
    lastPaymentDate?: Date;
  };
  /** The card invoices are charged to (see {@link PaymentProviderV1.doSetDefaultPaymentMethod}), when there is one. */
  paymentMethod?: PaymentCard & {
    /** `expired` past its expiry, `failed` while an invoice charged to it is failing, else `active`. */
    status: PaymentMethodStatus;
    /** Failed attempts of the failing invoices (the highest `attempt_count`). */
    failureCount: number;
  };
  /** Open invoices whose payment failed, oldest first. */
  failedInvoices: FailedInvoice[];
  /** Whole days from `now` to the end of the card's expiry month; negative once expired. */
  daysToExpiry?: number;
  /** The category and severity from {@link assessRisk}. */
  risk: RiskAssessment;
}

/**
 * One of a customer's invoices, as the customer sees it on a statement. Never a card number.
 * Listed by {@link PaymentProviderV1.doListInvoices}.
 */
export interface InvoiceSummary {
  /** The provider's invoice id (`in_...`). */
  providerInvoiceId: string;
  /** The invoice number printed on it (Stripe's `number`, like `ACME-0001`), when it has one. */
  number?: string;
  status: 'open' | 'paid' | 'void' | 'uncollectible';
  /** Total of the invoice, major units (49.5 = $49.50). */
  total: number;
  /** What is still owed (Stripe's `amount_remaining`), major units. */
  amountDue: number;
  /** ISO 4217, lowercase. */
  currency: string;
  createdAt: Date;
  /** When it is due, for invoices sent for manual payment. */
  dueDate?: Date;
  /** When it was paid (Stripe's `status_transitions.paid_at`). */
  paidAt?: Date;
  /** The provider's page where the customer can see and download it (Stripe's `hosted_invoice_url`). */
  hostedInvoiceUrl?: string;
}

/** What {@link PaymentProviderV1.doCreateSetupIntent} returns: what the card form needs. */
export interface SetupIntentHandle {
  /** The provider's SetupIntent id (`seti_...`). */
  id: string;
  /**
   * Lets the browser confirm this SetupIntent (Stripe.js `confirmSetup`) and nothing else.
   * Send it only to the identified customer it belongs to.
   */
  clientSecret: string;
  /**
   * `live` and `test` are Stripe's modes (from the key); `sandbox` is the in-process provider,
   * whose card form is a clearly labelled demo form instead of the Payment Element.
   */
  mode: 'live' | 'test' | 'sandbox';
  /** The publishable key the Payment Element needs, when one is configured. */
  publishableKey?: string;
}

/** Statuses of a SetupIntent that did not (yet) produce a usable card. */
export type PendingSetupIntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'canceled';

/**
 * The server-side answer about a SetupIntent: `succeeded` with the new card, or another status
 * with, when the card was refused, why in plain words.
 */
export type SetupIntentVerification =
  | {
      status: 'succeeded';
      setupIntentId: string;
      customerId: string;
      paymentMethod: PaymentCard;
    }
  | {
      status: PendingSetupIntentStatus;
      setupIntentId: string;
      customerId: string;
      /** Why the last attempt failed, when it did (a declined card, a failed authentication). */
      failure?: PaymentFailure;
    };

/** Where {@link PaymentProviderV1.doSetDefaultPaymentMethod} put the new card. */
export interface DefaultPaymentMethodUpdate {
  paymentMethodId: string;
  /** Subscriptions that have their own default payment method, now pointing at the card. */
  updatedSubscriptionIds: string[];
  /** Whether the customer's `invoice_settings.default_payment_method` was set. */
  updatedCustomerDefault: boolean;
}

/** The outcome of paying one open invoice. */
export type InvoicePaymentResult =
  | {
      status: 'paid';
      invoiceId: string;
      /** Major units. */
      amountPaid: number;
      currency: string;
      paidAt: Date;
    }
  | {
      /** The card was refused; `failure.message` says so in plain words. */
      status: 'declined';
      invoiceId: string;
      amountDue: number;
      currency: string;
      failure: PaymentFailure;
    }
  | {
      /** The bank wants the customer to authenticate (3-D Secure) before it pays. */
      status: 'requires_action';
      invoiceId: string;
      amountDue: number;
      currency: string;
      failure: PaymentFailure;
    };

/**
 * Contract version 1 of a payment provider: the part of the billing system the recovery flow
 * needs (find at-risk customers, collect a new card, make it the default, pay what is open, read
 * webhooks). Implementations: Stripe (`@churn/core/stripe`) and the in-process sandbox.
 *
 * Every method throws a `ChurnError`: `not_found` for an unknown id, `forbidden` for an
 * object of another customer, `payment_failed` ({@link PaymentError}) for a card problem outside
 * a result, `unauthorized` for a rejected webhook signature, `rate_limited`, `timeout`,
 * `configuration` or `provider_error` for the provider's own failures.
 */
export interface PaymentProviderV1 {
  readonly specificationVersion: 'v1';
  /** Like `stripe` or `sandbox`. */
  readonly provider: string;

  /**
   * The sync: customers whose invoice card expires within `expiringWithinDays` of `now`, or
   * who have an open invoice whose payment failed. Expired cards count (negative days).
   */
  doListAtRiskCustomers(options: {
    expiringWithinDays: number;
    now: Date;
  }): Promise<{ customers: AtRiskCustomer[] }>;

  /** A SetupIntent (usage `off_session`) the card form confirms in the browser. */
  doCreateSetupIntent(options: {
    customerId: string;
    /** Replays the same SetupIntent when the same key is sent again. */
    idempotencyKey?: string;
  }): Promise<SetupIntentHandle>;

  /**
   * Reads the SetupIntent from the provider: never trust the browser's word that it succeeded.
   * @throws `forbidden` when it belongs to another customer, `not_found` when unknown.
   */
  doVerifySetupIntent(options: {
    setupIntentId: string;
    customerId: string;
  }): Promise<SetupIntentVerification>;

  /**
   * Makes the card the default where the failing charge looks for it: each subscription (the one
   * named, or every live one) that has its own `default_payment_method` gets the card there; the
   * customer's `invoice_settings.default_payment_method` is set when a subscription has none of
   * its own (or there is no subscription).
   * @throws `forbidden` when the card is not attached to this customer.
   */
  doSetDefaultPaymentMethod(options: {
    customerId: string;
    paymentMethodId: string;
    subscriptionId?: string;
  }): Promise<DefaultPaymentMethodUpdate>;

  /**
   * Pays every open invoice of the customer with its default card, oldest first. Each invoice is
   * paid under `${idempotencyKey}:${invoiceId}`, so a repeated call (a retry, a double click)
   * never charges twice. Declines are results, not errors.
   */
  doPayOpenInvoices(options: {
    customerId: string;
    idempotencyKey: string;
  }): Promise<{ results: InvoicePaymentResult[] }>;

  /**
   * The customer's invoices, newest first, drafts left out (a draft is not yet the customer's).
   * `limit` defaults to 10, at most 100. A customer of another account is `not_found`, as in the
   * other methods.
   *
   * Optional in v1, so providers written against the first v1 still compile; both built-in
   * providers (Stripe and the sandbox) implement it. Check for it before calling.
   * @throws `validation_failed` (`ValidationError`) for an empty `customerId` or a `limit` that
   * is not an integer from 1 to 100; `not_found` for an unknown customer.
   */
  doListInvoices?(options: { customerId: string; limit?: number }): Promise<InvoiceSummary[]>;

  /**
   * Verifies the signature of a webhook delivery (`t=...,v1=...`, HMAC-SHA256, 300 s tolerance
   * against `now`) and turns it into a {@link PaymentEvent}. Pass the raw body, exactly as received.
   * @throws `unauthorized` ({@link WebhookSignatureError}) when the signature does not verify.
   */
  doParseWebhook(options: {
    payload: string | Uint8Array;
    signature: string;
    now: Date;
  }): Promise<PaymentEvent>;
}
