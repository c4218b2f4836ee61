export { interventionRoutes } from '../interventions/intervention-routes.js';
export {
  type InterventionRules,
  InterventionRulesSchema,
  loadInterventionRules,
  matchInterventionRule,
  saveInterventionRules,
} from '../interventions/intervention-rules.js';
export { applyWebhookEvent, type WebhookEventResult } from '../webhooks/apply-webhook-event.js';
export { stripeWebhookRoutes } from '../webhooks/stripe-webhook-routes.js';
export {
  type RecoveryLinkClaims,
  signRecoveryLinkToken,
  verifyRecoveryLinkToken,
} from './recovery-link.js';
export { confirmRecoveryPayment, type PaymentConfirmationBody } from './recovery-payments.js';
export { paymentRecoveryRoutes } from './recovery-routes.js';
export {
  createRecoveryService,
  type RecoveryService,
  type RecoverySettings,
} from './recovery-service.js';
export {
  startRecoverySession,
  sweepAllRecoverySessions,
  sweepRecoverySession,
} from './recovery-sessions.js';
export { type StripeSyncReport, syncAtRiskCustomers } from './sync-at-risk-customers.js';
