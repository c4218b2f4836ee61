export * from './v1/index.js';
export {
  DEFAULT_WEBHOOK_TOLERANCE_SECONDS,
  signWebhookPayload,
  verifyWebhookSignature,
} from './webhook-signature.js';
