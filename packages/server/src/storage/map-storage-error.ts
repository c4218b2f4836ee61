import { ChurnError, ValidationError, type ValidationIssue } from '@churn/core';

/** What a constraint protects, in the words of the storage contract. */
interface ConstraintDescription {
  /** The entity, as in `Invalid Customer: ...`. */
  subject: string;
  /** The field path reported in the issue. */
  path: string[];
  message: string;
}

function describe(subject: string, field: string, message: string): ConstraintDescription {
  return { subject, path: field === '' ? [] : field.split('.'), message };
}

/** Every named CHECK constraint of the schema, with the rule it enforces. */
const checkConstraints: Record<string, ConstraintDescription> = {
  tenants_name_check: describe('Tenant', 'name', 'must not be empty (at most 255 characters)'),
  tenants_usage_quota_check: describe('Tenant', 'usageQuota', 'must be a whole number, 0 or more'),
  tenants_custom_branding_check: describe('Tenant', 'customBranding', 'must be a JSON object'),
  api_keys_scope_check: describe('ApiKey', 'scope', 'must be secret or publishable'),
  api_keys_prefix_check: describe('ApiKey', 'prefix', 'must be 4 to 32 characters'),
  api_keys_key_hash_check: describe(
    'ApiKey',
    'keyHash',
    'must be a hash of the key (at least 32 characters), never the key itself',
  ),
  admin_users_name_check: describe(
    'AdminUser',
    'name',
    'must not be empty (at most 255 characters)',
  ),
  admin_users_email_check: describe(
    'AdminUser',
    'email',
    'must be an email address like name@example.com',
  ),
  admin_users_role_check: describe(
    'AdminUser',
    'role',
    'must be one of: admin, supervisor, support-agent, developer',
  ),
  customers_name_check: describe('Customer', 'name', 'must not be empty (at most 255 characters)'),
  customers_email_check: describe(
    'Customer',
    'email',
    'must be an email address like name@example.com',
  ),
  customers_account_status_check: describe(
    'Customer',
    'accountStatus',
    'must be one of: active, at-risk, resolved, churned',
  ),
  customers_risk_category_check: describe(
    'Customer',
    'riskCategory',
    'must be expiring-card or failed-payment',
  ),
  customers_risk_severity_check: describe(
    'Customer',
    'riskSeverity',
    'must be one of: low, medium, high',
  ),
  customers_at_risk_check: describe(
    'Customer',
    'riskCategory',
    'riskCategory and riskSeverity are required while accountStatus is at-risk',
  ),
  customers_account_value_check: describe(
    'Customer',
    'accountValue',
    'must be a positive number (the monthly value, like 49)',
  ),
  customers_currency_check: describe(
    'Customer',
    'currency',
    'must be a lowercase ISO 4217 code like usd',
  ),
  customers_metadata_check: describe('Customer', 'metadata', 'must be a JSON object'),
  payment_methods_card_type_check: describe(
    'PaymentMethod',
    'cardType',
    'must be one of: visa, mastercard, amex, discover',
  ),
  payment_methods_last_four_digits_check: describe(
    'PaymentMethod',
    'lastFourDigits',
    'must be exactly 4 digits, like 4242',
  ),
  payment_methods_expiry_month_check: describe(
    'PaymentMethod',
    'expiryMonth',
    'must be a month number from 1 to 12',
  ),
  payment_methods_expiry_year_check: describe(
    'PaymentMethod',
    'expiryYear',
    'must be a four-digit year between 2000 and 2200',
  ),
  payment_methods_status_check: describe(
    'PaymentMethod',
    'status',
    'must be one of: active, expired, failed, invalid',
  ),
  payment_methods_failure_count_check: describe(
    'PaymentMethod',
    'failureCount',
    'must be a whole number, 0 or more',
  ),
  conversations_purpose_check: describe('Conversation', 'purpose', 'must be recovery or support'),
  conversations_status_check: describe(
    'Conversation',
    'status',
    'must be one of: active, closed, escalated',
  ),
  conversations_recovery_status_check: describe(
    'Conversation',
    'recovery.status',
    'must be one of: initiated, in-progress, payment-requested, payment-processing, completed, abandoned',
  ),
  conversations_recovery_outcome_check: describe(
    'Conversation',
    'recovery.outcome',
    'must be one of: payment-updated, customer-declined, technical-failure, abandoned',
  ),
  conversations_recovery_fields_check: describe(
    'Conversation',
    'recovery',
    'a recovery conversation needs customerId and recovery details; a support conversation has neither recovery details nor an admin user',
  ),
  conversations_ended_at_check: describe('Conversation', 'endedAt', 'must be after startedAt'),
  conversations_last_activity_check: describe(
    'Conversation',
    'lastActivity',
    'must not be before startedAt',
  ),
  conversations_active_check: describe(
    'Conversation',
    'endedAt',
    'must be absent while status is active: close the conversation first',
  ),
  conversations_recovery_end_check: describe(
    'Conversation',
    'endedAt',
    'is required exactly when recovery.status is completed or abandoned',
  ),
  conversations_recovery_outcome_presence_check: describe(
    'Conversation',
    'recovery.outcome',
    'is required exactly when recovery.status is completed or abandoned',
  ),
  conversations_recovery_outcome_match_check: describe(
    'Conversation',
    'recovery.outcome',
    'must be abandoned when status is abandoned, and not abandoned when status is completed',
  ),
  conversations_payment_attempted_check: describe(
    'Conversation',
    'recovery.paymentAttempted',
    'must be true when outcome is payment-updated',
  ),
  conversations_metadata_check: describe('Conversation', 'metadata', 'must be a JSON object'),
  messages_role_check: describe('Message', 'role', 'must be one of: user, assistant, system'),
  messages_content_check: describe('Message', 'content', 'must not be empty'),
  messages_confidence_score_check: describe(
    'Message',
    'confidenceScore',
    'must be between 0 and 1, and only on assistant messages',
  ),
  messages_query_type_check: describe(
    'Message',
    'queryType',
    'must be a lowercase slug like billing (letters, digits, - or _)',
  ),
  messages_message_type_check: describe(
    'Message',
    'messageType',
    'must be one of: greeting, question, payment-request, confirmation, error',
  ),
  messages_metadata_check: describe('Message', 'metadata', 'must be a JSON object'),
  chunks_token_count_check: describe('Chunk', 'tokenCount', 'must be a whole number, 0 or more'),
  chunks_position_check: describe('Chunk', 'metadata.index', 'must be a whole number, 0 or more'),
  chunks_metadata_check: describe('Chunk', 'metadata', 'must be a JSON object'),
  chunks_embedding_check: describe('Chunk', 'embedding', 'must not be empty'),
  retrievals_similarity_score_check: describe(
    'Retrieval',
    'similarityScore',
    'must be between -1 and 1',
  ),
  retrievals_rerank_score_check: describe('Retrieval', 'rerankScore', 'must be between 0 and 1'),
  retrievals_rank_position_check: describe(
    'Retrieval',
    'rankPosition',
    'must be a whole number, 1 or more',
  ),
  feedback_feedback_type_check: describe(
    'Feedback',
    'feedbackType',
    'must be one of: thumbs_up, thumbs_down, comment',
  ),
  feedback_rating_check: describe('Feedback', 'rating', 'must be a whole number from 1 to 5'),
  feedback_comment_check: describe(
    'Feedback',
    'comment',
    'must not be empty (at most 2000 characters), and is required when feedbackType is comment',
  ),
  analytics_metric_name_check: describe(
    'Analytics',
    'metricName',
    'must be a lowercase slug like response_time (at most 100 characters)',
  ),
  analytics_metric_value_check: describe('Analytics', 'metricValue', 'must be a finite number'),
  analytics_dimensions_check: describe('Analytics', 'dimensions', 'must be a JSON object'),
  ab_tests_test_name_check: describe(
    'ABTest',
    'testName',
    'must not be empty (at most 100 characters)',
  ),
  ab_tests_variants_check: describe('ABTest', 'variants', 'must list at least two variants'),
  ab_tests_status_check: describe('ABTest', 'status', 'must be one of: draft, running, completed'),
  ab_tests_ended_at_check: describe('ABTest', 'endedAt', 'must be after startedAt'),
  ab_test_assignments_variant_check: describe(
    'ABTest',
    'variant',
    'must be a variant name like A: 1 to 10 characters, no spaces',
  ),
  escalations_reason_check: describe(
    'Escalation',
    'reason',
    'must be a lowercase slug like low_confidence (at most 100 characters)',
  ),
  escalations_ticket_id_check: describe(
    'Escalation',
    'ticketId',
    'must not be empty (at most 100 characters)',
  ),
  escalations_status_check: describe(
    'Escalation',
    'status',
    'must be one of: pending, resolved, closed',
  ),
  escalations_resolved_at_check: describe(
    'Escalation',
    'resolvedAt',
    'must not be before escalatedAt',
  ),
  integrations_platform_check: describe(
    'Integration',
    'platform',
    'must be one of: slack, discord, webhook',
  ),
  integrations_config_check: describe('Integration', 'config', 'must be a JSON object'),
  integrations_webhook_url_check: describe(
    'Integration',
    'webhookUrl',
    'must be an http(s) URL of at most 500 characters, and is required when platform is webhook',
  ),
  churn_prevention_metrics_period_check: describe(
    'ChurnPreventionMetrics',
    'periodEnd',
    'must be after periodStart',
  ),
  churn_prevention_metrics_counts_check: describe(
    'ChurnPreventionMetrics',
    'successfulResolutions',
    'counts must be 0 or more, and successfulResolutions must not exceed totalInterventions',
  ),
  churn_prevention_metrics_average_resolution_time_check: describe(
    'ChurnPreventionMetrics',
    'averageResolutionTime',
    'must be between 0 and 180 seconds',
  ),
  churn_prevention_metrics_retention_rate_check: describe(
    'ChurnPreventionMetrics',
    'customerRetentionRate',
    'must be a percentage between 0 and 100',
  ),
  churn_prevention_metrics_revenue_check: describe(
    'ChurnPreventionMetrics',
    'revenueRetained',
    'must be 0 or more',
  ),
  webhook_events_provider_check: describe(
    'WebhookEvent',
    'provider',
    'must be a lowercase name like stripe',
  ),
  webhook_events_event_id_check: describe('WebhookEvent', 'eventId', 'must not be empty'),
  webhook_events_type_check: describe('WebhookEvent', 'type', 'must not be empty'),
  webhook_events_payload_check: describe('WebhookEvent', 'payload', 'must be a JSON object'),
};

/** Unique constraints and what "already exists" means for each. */
const uniqueConstraints: Record<string, string> = {
  tenants_pkey: 'A tenant with this id already exists.',
  api_keys_key_hash_key: 'An API key with this hash already exists: generate a new key.',
  admin_users_tenant_email_key: 'An admin user with this email already exists in this tenant.',
  customers_stripe_customer_key:
    'A customer with this stripeCustomerId already exists in this tenant.',
  customers_external_id_key: 'A customer with this externalId already exists in this tenant.',
  payment_methods_stripe_payment_method_key:
    'A payment method with this stripePaymentMethodId already exists in this tenant.',
  payment_methods_one_default_key:
    'This customer already has a default payment method: use setDefault to switch it.',
  documents_pkey: 'A document with this id already exists in this tenant.',
  chunks_pkey:
    'A chunk with this id already exists in this tenant: chunk ids must be unique within a tenant.',
  retrievals_message_rank_key: 'This message already has a retrieval at this rank position.',
  feedback_message_user_key: 'This user has already given feedback on this message.',
  idx_ab_tests_tenant_test: 'An A/B test with this name already exists in this tenant.',
  ab_test_assignments_test_user_key: 'This user is already assigned a variant of this test.',
  churn_prevention_metrics_period_key:
    'Metrics for this period (and variant) already exist in this tenant.',
  webhook_events_provider_event_key: 'This webhook event was already recorded.',
};

/** Foreign keys, by constraint name: the field that points at a missing row, and what it names. */
const foreignKeys: Record<string, { field: string; entity: string }> = {
  payment_methods_customer_fkey: { field: 'customerId', entity: 'customer' },
  conversations_customer_fkey: { field: 'customerId', entity: 'customer' },
  conversations_admin_user_fkey: { field: 'recovery.adminUserId', entity: 'admin user' },
  messages_conversation_fkey: { field: 'conversationId', entity: 'conversation' },
  chunks_document_fkey: { field: 'documentId', entity: 'document' },
  retrievals_message_fkey: { field: 'messageId', entity: 'message' },
  retrievals_chunk_fkey: { field: 'chunkId', entity: 'chunk' },
  feedback_message_fkey: { field: 'messageId', entity: 'message' },
  ab_test_assignments_test_fkey: { field: 'testId', entity: 'A/B test' },
  escalations_conversation_fkey: { field: 'conversationId', entity: 'conversation' },
};

interface DatabaseErrorFields {
  code?: unknown;
  constraint?: unknown;
  table?: unknown;
  column?: unknown;
}

function fieldsOf(error: unknown): DatabaseErrorFields {
  return typeof error === 'object' && error !== null ? (error as DatabaseErrorFields) : {};
}

function camelCase(column: string): string {
  return column.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

const connectionCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EAI_AGAIN',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
]);

/** pg's own errors for a connection the server closed (they carry no SQLSTATE). */
const connectionLostMessage = /^Connection terminated|^Client has encountered a connection error/;

/**
 * True when `error` (or one of its causes) says the connection to the database was lost or
 * could not be made, rather than that a statement failed.
 */
export function isConnectionLost(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const { code } = fieldsOf(current);
    if (typeof code === 'string' && connectionCodes.has(code)) return true;
    if (current instanceof Error && connectionLostMessage.test(current.message)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Turns whatever the database driver threw (pg or PGlite) into a `ChurnError`
 * that says what was wrong in the contract's words, keeping the driver error as
 * `cause`. A `ChurnError` passes through unchanged. Driver messages, which can
 * quote stored values, never reach the message.
 */
export function mapStorageError(error: unknown): ChurnError {
  if (ChurnError.isInstance(error)) return error;
  const { code, constraint, table, column } = fieldsOf(error);
  const constraintName = typeof constraint === 'string' ? constraint : '';
  const tableName = typeof table === 'string' ? table : 'a table';
  const options = { cause: error };

  switch (code) {
    case '23514': {
      const description = checkConstraints[constraintName];
      const issue: ValidationIssue = description
        ? { path: description.path, message: description.message }
        : { path: [], message: `breaks the rule ${constraintName || 'of the table'}` };
      return new ValidationError(description?.subject ?? tableName, [issue], options);
    }
    case '23502': {
      const field = typeof column === 'string' ? camelCase(column) : 'a field';
      return new ValidationError(tableName, [{ path: [field], message: 'is required' }], options);
    }
    case '23505':
      return new ChurnError(
        'conflict',
        uniqueConstraints[constraintName] ??
          `A row with the same unique values already exists in ${tableName} (${constraintName}).`,
        options,
      );
    case '23503': {
      const foreignKey = foreignKeys[constraintName];
      return new ChurnError(
        'not_found',
        foreignKey
          ? `The ${foreignKey.entity} named by ${foreignKey.field} does not exist in this tenant.`
          : constraintName.endsWith('_tenant_fkey')
            ? 'The tenant does not exist: create it first.'
            : `A row referenced from ${tableName} does not exist in this tenant.`,
        options,
      );
    }
    case '22P02':
    case '22003':
    case '22001':
    case '22007':
    case '22008':
    case '22023':
    case '2202E':
    case '22P05':
    case '22021':
      return new ValidationError(
        tableName,
        [{ path: [], message: 'holds a value of the wrong type or out of range' }],
        options,
      );
    case '57014':
      return new ChurnError(
        'timeout',
        'The database query took longer than the statement timeout: retry, or raise statementTimeoutMs.',
        options,
      );
    case '40001':
    case '40P01':
    case '55P03':
      return new ChurnError(
        'conflict',
        'A concurrent change touched the same rows: retry the operation.',
        options,
      );
    default:
      break;
  }
  if (
    (typeof code === 'string' && connectionCodes.has(code)) ||
    (error instanceof Error && code === undefined && connectionLostMessage.test(error.message))
  ) {
    return new ChurnError(
      'provider_error',
      'The database is unreachable: check that PostgreSQL is running and that DATABASE_URL points at it.',
      options,
    );
  }
  if (error instanceof AggregateError) {
    return mapStorageError(error.errors[0]);
  }
  return new ChurnError('internal', 'The database failed unexpectedly.', options);
}
