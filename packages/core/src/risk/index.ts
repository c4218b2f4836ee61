export {
  applyPaymentEvent,
  type PaymentEventApplication,
  type PaymentRiskState,
} from './apply-payment-event.js';
export {
  assessRisk,
  daysUntilCardExpiry,
  type RiskAssessment,
  type RiskInput,
  type RiskReason,
  riskRule,
} from './assess-risk.js';
