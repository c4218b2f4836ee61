/**
 * The card step, one lazily loaded chunk: the Stripe.js loader and Payment Element, the
 * sandbox demo form and its checks. Loaded only when a `data-payment` part arrives.
 */
export { CardStep, type CardStepHost } from './card-step.js';
export { isValidCvc, normaliseCardNumber, parseExpiry, passesLuhn } from './card-validation.js';
export {
  type CardErrors,
  type CardField,
  paymentStyles,
  readSandboxCard,
  renderSandboxForm,
  renderStripeForm,
  type SandboxFormView,
  type StripeFormView,
} from './render-payment-form.js';
export {
  defaultStripeJsUrl,
  loadStripeJs,
  type MountStripePaymentOptions,
  mountStripePayment,
  type StripeConfirmation,
  type StripeElement,
  type StripeElements,
  type StripeFactory,
  type StripeInstance,
  type StripePaymentSession,
} from './stripe-payment.js';
