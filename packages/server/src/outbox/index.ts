export { type BackoffSettings, retryDelay } from './backoff.js';
export type { DeliveryRecord } from './delivery-outbox.js';
export { createIntervalJob, type IntervalJob } from './interval-job.js';
export type { DeliveryKind, DeliveryStatus } from './outbox-tables.js';
