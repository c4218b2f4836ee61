import type Stripe from 'stripe';
import type { CardType } from '../../entities/enums.js';
import type { PaymentEvent } from '../../payment-provider/v1/payment-event.js';
import { describePaymentFailure } from '../../payment-provider/v1/payment-failure.js';
import type { PaymentCard } from '../../payment-provider/v1/payment-provider-v1.js';

const zeroDecimalCurrencies = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const threeDecimalCurrencies = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Stripe amounts are in the currency's smallest unit: 4900 usd is 49, 4900 jpy is 4900. */
export function fromMinorUnits(amount: number, currency: string): number {
  const code = currency.toLowerCase();
  if (zeroDecimalCurrencies.has(code)) return amount;
  if (threeDecimalCurrencies.has(code)) return amount / 1000;
  return amount / 100;
}

/** Stripe's card brand (`visa`, or `Visa`/`American Express` on legacy card sources) as a {@link CardType}. */
export function toCardType(brand: string): CardType | undefined {
  const normalised = brand.toLowerCase().replace(/[\s_]/g, '');
  if (normalised === 'visa') return 'visa';
  if (normalised === 'mastercard') return 'mastercard';
  if (normalised === 'amex' || normalised === 'americanexpress') return 'amex';
  if (normalised === 'discover') return 'discover';
  return undefined;
}

/** A card of a PaymentMethod (or a legacy card source) as a {@link PaymentCard}. */
export function toPaymentCard(
  id: string,
  card: { brand: string; last4: string; exp_month: number; exp_year: number },
): PaymentCard {
  const cardType = toCardType(card.brand);
  return {
    providerPaymentMethodId: id,
    brand: card.brand.toLowerCase(),
    ...(cardType !== undefined ? { cardType } : {}),
    lastFourDigits: card.last4,
    expiryMonth: card.exp_month,
    expiryYear: card.exp_year,
  };
}

/** The id of an expandable field (`"cus_123"` or `{ id: "cus_123", ... }`). */
export function idOf(value: string | { id: string } | null | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  return typeof value === 'string' ? value : value.id;
}

/** The subscription an invoice bills (`parent.subscription_details.subscription` since 2025-03-31). */
export function subscriptionOfInvoice(invoice: Stripe.Invoice): string | undefined {
  return idOf(invoice.parent?.subscription_details?.subscription ?? null);
}

function fromUnix(seconds: number): Date {
  return new Date(seconds * 1000);
}

interface LegacyCardSource {
  id: string;
  object: string;
  customer?: string | { id: string } | null;
  brand?: string;
  last4?: string;
  exp_month?: number;
  exp_year?: number;
  card?: { brand: string; last4: string; exp_month: number; exp_year: number };
}

/**
 * Normalises a verified Stripe event into a {@link PaymentEvent}. Amounts become major units,
 * Unix seconds become dates, expandable fields become ids; types the recovery flow does not
 * read become `event-unhandled`.
 */
export function toPaymentEvent(event: Stripe.Event): PaymentEvent {
  const createdAt = fromUnix(event.created);
  const base = { id: event.id, providerEventType: event.type, createdAt };
  switch (event.type) {
    case 'invoice.payment_failed': {
      const invoice = event.data.object;
      const subscriptionId = subscriptionOfInvoice(invoice);
      const customerId = idOf(invoice.customer);
      return {
        ...base,
        type: 'invoice-payment-failed',
        ...(customerId !== undefined ? { customerId } : {}),
        invoiceId: invoice.id,
        ...(subscriptionId !== undefined ? { subscriptionId } : {}),
        amountDue: fromMinorUnits(invoice.amount_remaining, invoice.currency),
        currency: invoice.currency,
        attemptCount: invoice.attempt_count,
        ...(invoice.next_payment_attempt !== null
          ? { nextRetryAt: fromUnix(invoice.next_payment_attempt) }
          : {}),
        failedAt: createdAt,
      };
    }
    case 'invoice.paid': {
      const invoice = event.data.object;
      const subscriptionId = subscriptionOfInvoice(invoice);
      const customerId = idOf(invoice.customer);
      const paidAt = invoice.status_transitions.paid_at;
      return {
        ...base,
        type: 'invoice-paid',
        ...(customerId !== undefined ? { customerId } : {}),
        invoiceId: invoice.id,
        ...(subscriptionId !== undefined ? { subscriptionId } : {}),
        amountPaid: fromMinorUnits(invoice.amount_paid, invoice.currency),
        currency: invoice.currency,
        paidAt: paidAt !== null ? fromUnix(paidAt) : createdAt,
      };
    }
    case 'customer.source.expiring': {
      const source = event.data.object as unknown as LegacyCardSource;
      const card =
        source.card ??
        (source.brand !== undefined &&
        source.last4 !== undefined &&
        source.exp_month !== undefined &&
        source.exp_year !== undefined
          ? {
              brand: source.brand,
              last4: source.last4,
              exp_month: source.exp_month,
              exp_year: source.exp_year,
            }
          : undefined);
      const customerId = idOf(source.customer ?? null);
      if (card === undefined) {
        return { ...base, type: 'event-unhandled', ...(customerId ? { customerId } : {}) };
      }
      return {
        ...base,
        type: 'card-expiring',
        ...(customerId !== undefined ? { customerId } : {}),
        card: toPaymentCard(source.id, card),
      };
    }
    case 'payment_method.automatically_updated': {
      const paymentMethod = event.data.object;
      const customerId = idOf(paymentMethod.customer);
      if (!paymentMethod.card) {
        return { ...base, type: 'event-unhandled', ...(customerId ? { customerId } : {}) };
      }
      return {
        ...base,
        type: 'card-updated-automatically',
        ...(customerId !== undefined ? { customerId } : {}),
        card: toPaymentCard(paymentMethod.id, paymentMethod.card),
      };
    }
    case 'setup_intent.succeeded': {
      const setupIntent = event.data.object;
      const customerId = idOf(setupIntent.customer);
      const paymentMethodId = idOf(setupIntent.payment_method);
      return {
        ...base,
        type: 'setup-intent-succeeded',
        ...(customerId !== undefined ? { customerId } : {}),
        setupIntentId: setupIntent.id,
        ...(paymentMethodId !== undefined ? { paymentMethodId } : {}),
      };
    }
    case 'setup_intent.setup_failed': {
      const setupIntent = event.data.object;
      const customerId = idOf(setupIntent.customer);
      const error = setupIntent.last_setup_error;
      return {
        ...base,
        type: 'setup-intent-failed',
        ...(customerId !== undefined ? { customerId } : {}),
        setupIntentId: setupIntent.id,
        ...(error
          ? {
              failure: describePaymentFailure({
                code: error.code,
                declineCode: error.decline_code,
              }),
            }
          : {}),
      };
    }
    case 'customer.subscription.deleted': {
      const subscription = event.data.object;
      const customerId = idOf(subscription.customer);
      const endedAt = subscription.ended_at ?? subscription.canceled_at;
      return {
        ...base,
        type: 'subscription-cancelled',
        ...(customerId !== undefined ? { customerId } : {}),
        subscriptionId: subscription.id,
        cancelledAt: endedAt !== null ? fromUnix(endedAt) : createdAt,
      };
    }
    default: {
      const object = event.data.object as { customer?: unknown };
      const customerId = typeof object.customer === 'string' ? object.customer : undefined;
      return { ...base, type: 'event-unhandled', ...(customerId ? { customerId } : {}) };
    }
  }
}
