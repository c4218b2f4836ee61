import type { JsonObject } from './storage-v1.js';

/** A webhook event received from a provider (Stripe), kept so each is applied once. */
export interface WebhookEventRecord {
  id: string;
  tenantId: string;
  /** Like `stripe`. */
  provider: string;
  /** The provider's event id (`evt_...`), unique per tenant and provider. */
  eventId: string;
  /** Like `invoice.payment_failed`. */
  type: string;
  /** When the provider created the event: lets handlers ignore events older than the state they hold. */
  occurredAt?: Date;
  payload: JsonObject;
  receivedAt: Date;
  /** When it was applied; absent while pending or after a failure. */
  processedAt?: Date;
}

/** What {@link WebhookEventRepository.recordOnce} takes. */
export interface NewWebhookEvent {
  tenantId: string;
  provider: string;
  eventId: string;
  type: string;
  occurredAt?: Date;
  payload: JsonObject;
}

/** Received webhook events: the exactly-once gate. */
export interface WebhookEventRepository {
  /**
   * Records the event unless it was recorded before. `firstTime` is true for
   * exactly one of any number of concurrent calls with the same event.
   */
  recordOnce(event: NewWebhookEvent): Promise<{ firstTime: boolean; event: WebhookEventRecord }>;
  get(options: {
    tenantId: string;
    provider: string;
    eventId: string;
  }): Promise<WebhookEventRecord | undefined>;
  /** Marks the event applied (`at` defaults to now). */
  markProcessed(options: {
    tenantId: string;
    provider: string;
    eventId: string;
    at?: Date;
  }): Promise<WebhookEventRecord>;
}
