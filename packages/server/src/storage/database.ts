import type { ColumnType, Generated } from 'kysely';

/** A JSONB column: read as a parsed value, written as JSON text. */
export type Json<Value> = ColumnType<Value, string, string>;
/** A JSONB column with a database default. */
export type JsonWithDefault<Value> = ColumnType<Value, string | undefined, string>;
/** A `timestamptz` column. */
export type Timestamp = ColumnType<Date, Date, Date>;
/** A `timestamptz` column with a database default (`now()`). */
export type TimestampWithDefault = ColumnType<Date, Date | undefined, Date>;
/** A nullable `timestamptz` column. */
export type NullableTimestamp = ColumnType<Date | null, Date | null | undefined, Date | null>;
/** A `numeric` column: the drivers read it as text to keep its precision. */
export type Numeric = ColumnType<string | number, number, number>;
/** A JSON object as it comes out of a JSONB column. */
export type JsonObjectValue = { [key: string]: unknown };

/** `tenants`. */
export interface TenantsTable {
  id: string;
  name: string;
  usage_quota: Generated<number>;
  custom_branding: ColumnType<JsonObjectValue | null, string | null | undefined, string | null>;
  created_at: TimestampWithDefault;
  updated_at: TimestampWithDefault;
}

/** `api_keys`: the seed's `tenants.api_key`, hashed, several per tenant. */
export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  name: string | null;
  scope: string;
  prefix: string;
  key_hash: string;
  created_at: TimestampWithDefault;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

/** `admin_users`. */
export interface AdminUsersTable {
  id: string;
  tenant_id: string;
  name: string;
  email: string;
  role: string;
  password_hash: string | null;
  last_login_time: NullableTimestamp;
  created_at: TimestampWithDefault;
  updated_at: TimestampWithDefault;
}

/** `customers`. */
export interface CustomersTable {
  id: string;
  tenant_id: string;
  name: string;
  email: string;
  phone: string | null;
  account_status: string;
  risk_category: string | null;
  risk_severity: string | null;
  last_payment_date: NullableTimestamp;
  account_value: Numeric;
  currency: Generated<string>;
  customer_since: TimestampWithDefault;
  stripe_customer_id: string | null;
  external_id: string | null;
  metadata: JsonWithDefault<JsonObjectValue>;
  created_at: TimestampWithDefault;
  updated_at: TimestampWithDefault;
}

/** `payment_methods`. */
export interface PaymentMethodsTable {
  id: string;
  tenant_id: string;
  customer_id: string;
  card_type: string;
  last_four_digits: string;
  expiry_month: number;
  expiry_year: number;
  status: string;
  failure_count: Generated<number>;
  last_failure_date: NullableTimestamp;
  last_success_date: NullableTimestamp;
  stripe_payment_method_id: string | null;
  is_default: Generated<boolean>;
  created_at: TimestampWithDefault;
  updated_at: TimestampWithDefault;
}

/** `conversations`: one table for support chats and recovery sessions (`purpose`). */
export interface ConversationsTable {
  id: string;
  tenant_id: string;
  purpose: string;
  session_id: string;
  user_id: string | null;
  customer_id: string | null;
  status: string;
  started_at: TimestampWithDefault;
  last_activity: TimestampWithDefault;
  ended_at: NullableTimestamp;
  recovery_status: string | null;
  recovery_outcome: string | null;
  admin_user_id: string | null;
  payment_attempted: boolean | null;
  /** Generated from `started_at` and `ended_at` for recovery conversations. */
  resolution_time: ColumnType<number | null, never, never>;
  metadata: JsonWithDefault<JsonObjectValue>;
}

/** `messages`. */
export interface MessagesTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  role: string;
  content: string;
  timestamp: TimestampWithDefault;
  confidence_score: number | null;
  query_type: string | null;
  message_type: string | null;
  metadata: JsonWithDefault<JsonObjectValue>;
}

/** `documents`: primary key `(tenant_id, id)`, ids come from the ingest pipeline. */
export interface DocumentsTable {
  tenant_id: string;
  id: string;
  source_id: string;
  source_url: string;
  title: string;
  content: string;
  doc_type: string;
  category: string;
  content_hash: string;
  last_updated: Timestamp;
  scraped_at: Timestamp;
  created_at: TimestampWithDefault;
}

/** `chunks`: primary key `(tenant_id, id)`; `embedding` is `real[]` (no pgvector needed). */
export interface ChunksTable {
  tenant_id: string;
  id: string;
  document_id: string;
  position: number;
  content: string;
  token_count: number;
  metadata: Json<JsonObjectValue>;
  embedding: ColumnType<number[], number[], number[]>;
  created_at: TimestampWithDefault;
}

/** `retrievals`. */
export interface RetrievalsTable {
  id: string;
  tenant_id: string;
  message_id: string;
  chunk_id: string;
  similarity_score: number;
  rerank_score: number | null;
  rank_position: number;
}

/** `feedback`. */
export interface FeedbackTable {
  id: string;
  tenant_id: string;
  message_id: string;
  user_id: string | null;
  feedback_type: string;
  rating: number | null;
  comment: string | null;
  timestamp: TimestampWithDefault;
}

/** `analytics`. */
export interface AnalyticsTable {
  id: string;
  tenant_id: string;
  metric_name: string;
  metric_value: number;
  dimensions: JsonWithDefault<JsonObjectValue>;
  recorded_at: TimestampWithDefault;
}

/** `ab_tests`: a test and its variants. */
export interface AbTestsTable {
  id: string;
  tenant_id: string;
  test_name: string;
  variants: ColumnType<string[], string[], string[]>;
  status: string;
  started_at: NullableTimestamp;
  ended_at: NullableTimestamp;
  created_at: TimestampWithDefault;
}

/** `ab_test_assignments`: the seed's A_B_TEST rows (a user's variant). */
export interface AbTestAssignmentsTable {
  id: string;
  tenant_id: string;
  test_id: string;
  test_name: string;
  variant: string;
  user_id: string;
  assigned_at: TimestampWithDefault;
}

/** `escalations`. */
export interface EscalationsTable {
  id: string;
  tenant_id: string;
  conversation_id: string;
  reason: string;
  ticket_id: string | null;
  status: Generated<string>;
  escalated_at: TimestampWithDefault;
  resolved_at: NullableTimestamp;
}

/** `integrations`. */
export interface IntegrationsTable {
  id: string;
  tenant_id: string;
  platform: string;
  config: Json<JsonObjectValue>;
  webhook_url: string | null;
  enabled: Generated<boolean>;
  created_at: TimestampWithDefault;
  updated_at: TimestampWithDefault;
}

/** `churn_prevention_metrics`. */
export interface ChurnPreventionMetricsTable {
  id: string;
  tenant_id: string;
  period_start: Timestamp;
  period_end: Timestamp;
  variant: string | null;
  total_interventions: number;
  successful_resolutions: number;
  average_resolution_time: number;
  customer_retention_rate: number;
  revenue_retained: Numeric;
  created_at: TimestampWithDefault;
}

/** `webhook_events`: one row per provider event, for exactly-once handling. */
export interface WebhookEventsTable {
  id: string;
  tenant_id: string;
  provider: string;
  event_id: string;
  type: string;
  occurred_at: NullableTimestamp;
  payload: Json<JsonObjectValue>;
  received_at: TimestampWithDefault;
  processed_at: NullableTimestamp;
}

/** Every table of Churn's schema, for `Kysely<Database>`. */
export interface Database {
  tenants: TenantsTable;
  api_keys: ApiKeysTable;
  admin_users: AdminUsersTable;
  customers: CustomersTable;
  payment_methods: PaymentMethodsTable;
  conversations: ConversationsTable;
  messages: MessagesTable;
  documents: DocumentsTable;
  chunks: ChunksTable;
  retrievals: RetrievalsTable;
  feedback: FeedbackTable;
  analytics: AnalyticsTable;
  ab_tests: AbTestsTable;
  ab_test_assignments: AbTestAssignmentsTable;
  escalations: EscalationsTable;
  integrations: IntegrationsTable;
  churn_prevention_metrics: ChurnPreventionMetricsTable;
  webhook_events: WebhookEventsTable;
}
