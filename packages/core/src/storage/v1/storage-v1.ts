import type { KnowledgeStoreV1 } from '../../knowledge-store/v1/knowledge-store-v1.js';
import type {
  ConversationRepository,
  MessageRepository,
  RetrievalRepository,
} from './conversation-repository.js';
import type { CustomerRepository, PaymentMethodRepository } from './customer-repository.js';
import type {
  AbTestRepository,
  AnalyticsRepository,
  ChurnMetricsRepository,
  EscalationRepository,
  FeedbackRepository,
  IntegrationRepository,
} from './engagement-repository.js';
import type {
  AdminUserRepository,
  ApiKeyRepository,
  TenantRepository,
} from './tenant-repository.js';
import type { WebhookEventRepository } from './webhook-event-repository.js';

/**
 * Contract version 1 of Churn's storage: every entity of both seeds, grouped in
 * repositories by area, plus transactions.
 *
 * Rules every implementation keeps (the storage conformance suite checks them):
 * - Tenant-scoped methods take a `tenantId` and never read, change or delete
 *   another tenant's rows, even when given their ids.
 * - `get`/`find*` answer `undefined` when nothing matches; `update*` and other
 *   changes of one row throw a `ChurnError` coded `not_found`; `delete` answers
 *   whether a row was deleted.
 * - Broken rules are `ChurnError`s, never a driver error: `validation_failed` (a
 *   value out of range, a missing field), `conflict` (a unique value already used),
 *   `not_found` (a referenced row does not exist in this tenant).
 * - Deleting a tenant deletes everything it owns.
 *
 * Implementations: `createPostgresStorage` / `createPGliteStorage` of `@churn/server`.
 */
export interface StorageV1 extends StorageV1Repositories {
  readonly specificationVersion: 'v1';
  /** Which implementation this is, for example `postgres` or `pglite`. */
  readonly provider: string;
  /** Releases connections (and flushes an embedded database to disk). Idempotent. */
  close(): Promise<void>;
}

/** The repositories of {@link StorageV1}, also what a transaction sees. */
export interface StorageV1Repositories {
  readonly tenants: TenantRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly adminUsers: AdminUserRepository;
  readonly customers: CustomerRepository;
  readonly paymentMethods: PaymentMethodRepository;
  readonly conversations: ConversationRepository;
  readonly messages: MessageRepository;
  readonly retrievals: RetrievalRepository;
  /** Documents and chunks, as a {@link KnowledgeStoreV1}. */
  readonly knowledge: KnowledgeStoreV1;
  readonly feedback: FeedbackRepository;
  readonly analytics: AnalyticsRepository;
  readonly escalations: EscalationRepository;
  readonly integrations: IntegrationRepository;
  readonly abTests: AbTestRepository;
  readonly churnMetrics: ChurnMetricsRepository;
  readonly webhookEvents: WebhookEventRepository;

  /**
   * Runs `run` in one transaction: every change it makes through the repositories
   * it is given is committed together when it resolves, and none is when it
   * throws (the error is rethrown). Inside a transaction, `transaction` runs `run`
   * in the same transaction. Use only the given repositories inside `run`: the
   * outer ones may wait for the transaction to finish (an embedded database has
   * one connection).
   */
  transaction<T>(run: (storage: StorageV1Repositories) => Promise<T>): Promise<T>;
}

/** Paging of a list: at most `limit` rows (default 100, at most 1000) after skipping `offset`. */
export interface PageOptions {
  limit?: number;
  offset?: number;
}

/** A JSON object as stored in a JSONB column. */
export type JsonObject = { [key: string]: JsonValue };

/** A JSON value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };
