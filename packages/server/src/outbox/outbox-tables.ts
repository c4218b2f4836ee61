import type { Generated, Kysely } from 'kysely';
import type { Database } from '../storage/database.js';

/** Where a delivery stands: waiting (or retrying), being sent, delivered, or given up (dead letter). */
export type DeliveryStatus = 'pending' | 'processing' | 'delivered' | 'dead';

/** What a delivery carries: an escalation, or the "send test" action. */
export type DeliveryKind = 'escalation' | 'test';

/** `integration_deliveries` (migration 005): the durable outbox. */
export interface IntegrationDeliveriesTable {
  id: string;
  tenant_id: string;
  integration_id: string;
  escalation_id: string | null;
  kind: string;
  payload: unknown;
  status: Generated<string>;
  attempts: Generated<number>;
  max_attempts: number;
  next_attempt_at: Date;
  locked_until: Date | null;
  last_error: string | null;
  last_status_code: number | null;
  ticket_id: string | null;
  created_at: Date;
  updated_at: Date;
  delivered_at: Date | null;
}

/** `retention_policies` (migration 005). */
export interface RetentionPoliciesTable {
  tenant_id: string;
  active_conversation_days: number;
  closed_conversation_days: number;
  analytics_days: number;
  feedback_days: number;
  ab_test_days: number;
  delivery_log_days: number;
  updated_at: Generated<Date>;
}

/** The columns migration 005 adds to `integrations`. */
export interface IntegrationExtraColumns {
  name: string | null;
  signing_secret: string | null;
}

/** The schema with migration 005's tables and columns. */
export type OperationsDatabase = Omit<Database, 'integrations'> & {
  integrations: Database['integrations'] & IntegrationExtraColumns;
  integration_deliveries: IntegrationDeliveriesTable;
  retention_policies: RetentionPoliciesTable;
};

/** `db` typed with migration 005's tables (the same connection, only the types change). */
export function operationsDb(db: Kysely<Database>): Kysely<OperationsDatabase> {
  return db as unknown as Kysely<OperationsDatabase>;
}
