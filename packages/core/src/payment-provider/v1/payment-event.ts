import { z } from 'zod';
import { paymentFailureReasons } from './payment-failure.js';

const failureSchema = z.object({
  reason: z.enum(paymentFailureReasons),
  code: z.string().optional(),
  declineCode: z.string().optional(),
  message: z.string(),
});

const cardSchema = z.object({
  providerPaymentMethodId: z.string().min(1),
  brand: z.string(),
  cardType: z.enum(['visa', 'mastercard', 'amex', 'discover']).optional(),
  lastFourDigits: z.string().regex(/^[0-9]{4}$/),
  expiryMonth: z.number().int().min(1).max(12),
  expiryYear: z.number().int().min(1000).max(9999),
});

const base = {
  /** The provider's event id (`evt_...`): the server's exactly-once table keys on it. */
  id: z.string().min(1),
  /** The provider's own event type, like `invoice.payment_failed`. */
  providerEventType: z.string().min(1),
  /** When the provider created the event (Stripe's `created`). */
  createdAt: z.coerce.date(),
  /** The provider's customer id (`cus_...`), when the object names one. */
  customerId: z.string().min(1).optional(),
};

/**
 * The schema of {@link PaymentEvent}: what the sandbox's webhooks carry, and what a stored event
 * is checked against when it is read back. Dates are accepted as ISO strings.
 */
export const PaymentEventSchema = z.discriminatedUnion('type', [
  z.object({
    ...base,
    /** `invoice.payment_failed`: an attempt to charge an invoice failed. */
    type: z.literal('invoice-payment-failed'),
    invoiceId: z.string().min(1),
    subscriptionId: z.string().min(1).optional(),
    /** Major units. */
    amountDue: z.number().nonnegative(),
    currency: z.string(),
    attemptCount: z.number().int().nonnegative(),
    /** When the provider retries next; absent when it will not retry. */
    nextRetryAt: z.coerce.date().optional(),
    /** When the failed attempt happened: the event's own time (Stripe's invoice has no attempt time). */
    failedAt: z.coerce.date(),
    failure: failureSchema.optional(),
  }),
  z.object({
    ...base,
    /** `invoice.paid`: an invoice was paid (by a retry, by us, or outside Stripe). */
    type: z.literal('invoice-paid'),
    invoiceId: z.string().min(1),
    subscriptionId: z.string().min(1).optional(),
    amountPaid: z.number().nonnegative(),
    currency: z.string(),
    /** The invoice's own `status_transitions.paid_at`, else the event's time. */
    paidAt: z.coerce.date(),
  }),
  z.object({
    ...base,
    /** `customer.source.expiring`: a card expires at the end of next month. */
    type: z.literal('card-expiring'),
    card: cardSchema,
  }),
  z.object({
    ...base,
    /** `payment_method.automatically_updated`: the card network sent new details (card updater). */
    type: z.literal('card-updated-automatically'),
    card: cardSchema,
  }),
  z.object({
    ...base,
    /** `setup_intent.succeeded`: a new card was saved. */
    type: z.literal('setup-intent-succeeded'),
    setupIntentId: z.string().min(1),
    paymentMethodId: z.string().min(1).optional(),
  }),
  z.object({
    ...base,
    /** `setup_intent.setup_failed`: saving a card failed (declined, authentication failed). */
    type: z.literal('setup-intent-failed'),
    setupIntentId: z.string().min(1),
    failure: failureSchema.optional(),
  }),
  z.object({
    ...base,
    /** `customer.subscription.deleted`: the subscription ended (cancelled, or dunning gave up). */
    type: z.literal('subscription-cancelled'),
    subscriptionId: z.string().min(1),
    /** The subscription's own `ended_at` / `canceled_at`, else the event's time. */
    cancelledAt: z.coerce.date(),
  }),
  z.object({
    ...base,
    /** Any other event type: acknowledge it, record it, change nothing. */
    type: z.literal('event-unhandled'),
  }),
]);

/**
 * A provider's webhook event, normalised: one member per event the recovery flow reads, plus
 * `event-unhandled` for the rest. Feed it to `applyPaymentEvent`.
 *
 * | Stripe event | type |
 * | --- | --- |
 * | `invoice.payment_failed` | `invoice-payment-failed` |
 * | `invoice.paid` | `invoice-paid` |
 * | `customer.source.expiring` | `card-expiring` |
 * | `payment_method.automatically_updated` | `card-updated-automatically` |
 * | `setup_intent.succeeded` | `setup-intent-succeeded` |
 * | `setup_intent.setup_failed` | `setup-intent-failed` |
 * | `customer.subscription.deleted` | `subscription-cancelled` |
 * | anything else | `event-unhandled` |
 */
export type PaymentEvent = z.output<typeof PaymentEventSchema>;

/** One member of {@link PaymentEvent}, by its `type`. */
export type PaymentEventOfType<Type extends PaymentEvent['type']> = Extract<
  PaymentEvent,
  { type: Type }
>;
