export { invoicePageUrl } from './invoice-page-url.js';
export {
  PaymentError,
  WebhookSignatureError,
  type WebhookSignatureProblem,
} from './payment-error.js';
export {
  type PaymentEvent,
  type PaymentEventOfType,
  PaymentEventSchema,
} from './payment-event.js';
export {
  describePaymentFailure,
  type PaymentFailure,
  type PaymentFailureReason,
  paymentFailureMessages,
  paymentFailureReasons,
} from './payment-failure.js';
export type {
  AtRiskCustomer,
  DefaultPaymentMethodUpdate,
  FailedInvoice,
  InvoicePaymentResult,
  InvoiceSummary,
  PaymentCard,
  PaymentProviderV1,
  PendingSetupIntentStatus,
  SetupIntentHandle,
  SetupIntentVerification,
} from './payment-provider-v1.js';
