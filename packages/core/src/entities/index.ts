export * from './ab-test.js';
export * from './admin-user.js';
export * from './analytics.js';
export * from './chat-message.js';
export * from './chat-session.js';
export * from './check-references.js';
export * from './chunk.js';
export * from './churn-prevention-metrics.js';
export * from './conversation.js';
export * from './customer.js';
export * from './document.js';
export * from './enums.js';
export * from './escalation.js';
export * from './feedback.js';
export {
  CosineSimilaritySchema,
  EmailSchema,
  HexColorSchema,
  HttpsUrlSchema,
  IdSchema,
  JsonObjectSchema,
  type JsonValue,
  JsonValueSchema,
  OriginSchema,
  PercentageSchema,
  SourceUrlSchema,
  TimestampSchema,
  UnitIntervalSchema,
  WebhookUrlSchema,
} from './fields.js';
export * from './integration.js';
export * from './message.js';
export * from './parse-entity.js';
export * from './payment-method.js';
export * from './retrieval.js';
export * from './tenant.js';
export * from './unique-ids.js';
