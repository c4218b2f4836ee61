/**
 * `@churn/testing`: local emulators of the vendors Churn talks to, for tests that use the
 * official SDKs with no network. The conformance suites live at `@churn/testing/conformance`.
 *
 * @module
 */
export * from './emulators/index.js';
export {
  parseStripeForm,
  STRIPE_EMULATOR_API_VERSION,
  type StripeEmulator,
  type StripeEmulatorCardName,
  type StripeEmulatorCharge,
  type StripeEmulatorDelivery,
  type StripeEmulatorOptions,
  type StripeFormObject,
  type StripeFormValue,
  startStripeEmulator,
} from './emulators/stripe-emulator.js';
