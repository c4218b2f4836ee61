/**
 * Stripe payment provider: `@churn/core/stripe`. Requires the optional peer dependency `stripe`.
 *
 * @module
 */
export {
  classifyStripeError,
  isStripeTimeout,
  mapStripeError,
  type StripeErrorContext,
} from './map-stripe-error.js';
export {
  createStripePaymentProvider,
  STRIPE_API_VERSION,
  type StripePaymentProviderSettings,
} from './stripe-payment-provider.js';
export { fromMinorUnits, toCardType, toPaymentEvent } from './to-payment-event.js';
