export * from '../encryption/index.js';
export * from '../outbox/index.js';
export * from '../retention/index.js';
export type {
  DecryptedIntegration,
  IntegrationConfig,
  IntegrationView,
  IntegrationWithSecret,
} from './integration-service.js';
export {
  IntegrationsRuntime,
  type IntegrationsSettings,
  type OutboxRunReport,
} from './integrations-runtime.js';
export {
  assertPublicUrl,
  type HostResolver,
  type OutboundSettings,
  PrivateAddressError,
} from './outbound-request.js';
export {
  type Operations,
  type OperationsSettings,
  operationsOf,
  operationsRoutes,
  startOperations,
} from './support-operations.js';
export {
  computeSignature as computeWebhookSignature,
  deliveryIdHeader,
  eventHeader,
  generateSigningSecret,
  signatureHeader,
  signatureHeaderValue,
  verifySignature as verifyWebhookSignature,
} from './webhook-signature.js';
