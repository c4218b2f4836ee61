import { type CreateTableBuilder, type Kysely, sql } from 'kysely';

/**
 * Migration 001: every entity of both seeds in one schema. Constraint names are
 * part of the contract: `map-storage-error.ts` turns them into clear messages.
 */

type Table = CreateTableBuilder<string, string>;

const timestamptz = 'timestamptz';

function inList(column: string, values: readonly string[]) {
  return sql`${sql.ref(column)} in (${sql.join(values.map((value) => sql.lit(value)))})`;
}

function nonBlank(column: string) {
  return sql`length(btrim(${sql.ref(column)})) > 0`;
}

/** `id text primary key` and `tenant_id` with its cascading foreign key. */
function tenantScoped(table: Table, name: string): Table {
  return table
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addForeignKeyConstraint(
      `${name}_tenant_fkey`,
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addUniqueConstraint(`${name}_tenant_id_key`, ['tenant_id', 'id']);
}

function now() {
  return sql`now()`;
}

const slugPattern = '^[a-z0-9]+([-_][a-z0-9]+)*$';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('tenants')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('usage_quota', 'integer', (column) => column.notNull().defaultTo(10000))
    .addColumn('custom_branding', 'jsonb')
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('updated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint('tenants_name_check', sql`${nonBlank('name')} and length(name) <= 255`)
    .addCheckConstraint('tenants_usage_quota_check', sql`usage_quota >= 0`)
    .addCheckConstraint(
      'tenants_custom_branding_check',
      sql`custom_branding is null or jsonb_typeof(custom_branding) = 'object'`,
    )
    .execute();

  await tenantScoped(db.schema.createTable('api_keys'), 'api_keys')
    .addColumn('name', 'text')
    .addColumn('scope', 'text', (column) => column.notNull())
    .addColumn('prefix', 'text', (column) => column.notNull())
    .addColumn('key_hash', 'text', (column) => column.notNull())
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('last_used_at', timestamptz)
    .addColumn('revoked_at', timestamptz)
    .addCheckConstraint('api_keys_scope_check', inList('scope', ['secret', 'publishable']))
    .addCheckConstraint('api_keys_prefix_check', sql`length(prefix) between 4 and 32`)
    .addCheckConstraint('api_keys_key_hash_check', sql`length(key_hash) >= 32`)
    .addUniqueConstraint('api_keys_key_hash_key', ['key_hash'])
    .execute();
  await db.schema.createIndex('idx_api_keys_tenant').on('api_keys').column('tenant_id').execute();

  await tenantScoped(db.schema.createTable('admin_users'), 'admin_users')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('last_login_time', timestamptz)
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('updated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint('admin_users_name_check', sql`${nonBlank('name')} and length(name) <= 255`)
    .addCheckConstraint('admin_users_email_check', sql`email ~ '^[^@[:space:]]+@[^@[:space:]]+$'`)
    .addCheckConstraint(
      'admin_users_role_check',
      inList('role', ['admin', 'supervisor', 'support-agent', 'developer']),
    )
    .execute();
  await db.schema
    .createIndex('admin_users_tenant_email_key')
    .on('admin_users')
    .unique()
    .columns(['tenant_id'])
    .expression(sql`lower(email)`)
    .execute();

  await tenantScoped(db.schema.createTable('customers'), 'customers')
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('email', 'text', (column) => column.notNull())
    .addColumn('phone', 'text')
    .addColumn('account_status', 'text', (column) => column.notNull())
    .addColumn('risk_category', 'text')
    .addColumn('risk_severity', 'text')
    .addColumn('last_payment_date', timestamptz)
    .addColumn('account_value', 'numeric(12, 2)', (column) => column.notNull())
    .addColumn('currency', 'text', (column) => column.notNull().defaultTo('usd'))
    .addColumn('customer_since', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('stripe_customer_id', 'text')
    .addColumn('external_id', 'text')
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('updated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint('customers_name_check', sql`${nonBlank('name')} and length(name) <= 255`)
    .addCheckConstraint('customers_email_check', sql`email ~ '^[^@[:space:]]+@[^@[:space:]]+$'`)
    .addCheckConstraint(
      'customers_account_status_check',
      inList('account_status', ['active', 'at-risk', 'resolved', 'churned']),
    )
    .addCheckConstraint(
      'customers_risk_category_check',
      sql`risk_category is null or ${inList('risk_category', ['expiring-card', 'failed-payment'])}`,
    )
    .addCheckConstraint(
      'customers_risk_severity_check',
      sql`risk_severity is null or ${inList('risk_severity', ['low', 'medium', 'high'])}`,
    )
    .addCheckConstraint(
      'customers_at_risk_check',
      sql`account_status <> 'at-risk' or (risk_category is not null and risk_severity is not null)`,
    )
    .addCheckConstraint('customers_account_value_check', sql`account_value > 0`)
    .addCheckConstraint('customers_currency_check', sql`currency ~ '^[a-z]{3}$'`)
    .addCheckConstraint('customers_metadata_check', sql`jsonb_typeof(metadata) = 'object'`)
    .addUniqueConstraint('customers_stripe_customer_key', ['tenant_id', 'stripe_customer_id'])
    .addUniqueConstraint('customers_external_id_key', ['tenant_id', 'external_id'])
    .execute();
  await db.schema
    .createIndex('idx_customers_tenant_status_severity')
    .on('customers')
    .columns(['tenant_id', 'account_status', 'risk_severity'])
    .execute();

  await tenantScoped(db.schema.createTable('payment_methods'), 'payment_methods')
    .addColumn('customer_id', 'text', (column) => column.notNull())
    .addColumn('card_type', 'text', (column) => column.notNull())
    .addColumn('last_four_digits', 'text', (column) => column.notNull())
    .addColumn('expiry_month', 'integer', (column) => column.notNull())
    .addColumn('expiry_year', 'integer', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('failure_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_failure_date', timestamptz)
    .addColumn('last_success_date', timestamptz)
    .addColumn('stripe_payment_method_id', 'text')
    .addColumn('is_default', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('updated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addForeignKeyConstraint(
      'payment_methods_customer_fkey',
      ['tenant_id', 'customer_id'],
      'customers',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'payment_methods_card_type_check',
      inList('card_type', ['visa', 'mastercard', 'amex', 'discover']),
    )
    .addCheckConstraint(
      'payment_methods_last_four_digits_check',
      sql`last_four_digits ~ '^[0-9]{4}$'`,
    )
    .addCheckConstraint('payment_methods_expiry_month_check', sql`expiry_month between 1 and 12`)
    .addCheckConstraint('payment_methods_expiry_year_check', sql`expiry_year between 2000 and 2200`)
    .addCheckConstraint(
      'payment_methods_status_check',
      inList('status', ['active', 'expired', 'failed', 'invalid']),
    )
    .addCheckConstraint('payment_methods_failure_count_check', sql`failure_count >= 0`)
    .addUniqueConstraint('payment_methods_stripe_payment_method_key', [
      'tenant_id',
      'stripe_payment_method_id',
    ])
    .execute();
  await db.schema
    .createIndex('idx_payment_methods_customer')
    .on('payment_methods')
    .columns(['tenant_id', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('idx_payment_methods_expiry')
    .on('payment_methods')
    .columns(['tenant_id', 'expiry_year', 'expiry_month'])
    .execute();
  await db.schema
    .createIndex('payment_methods_one_default_key')
    .on('payment_methods')
    .unique()
    .column('customer_id')
    .where(sql.ref('is_default'), '=', true)
    .execute();

  await tenantScoped(db.schema.createTable('conversations'), 'conversations')
    .addColumn('purpose', 'text', (column) => column.notNull())
    .addColumn('session_id', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('customer_id', 'text')
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('active'))
    .addColumn('started_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('last_activity', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('ended_at', timestamptz)
    .addColumn('recovery_status', 'text')
    .addColumn('recovery_outcome', 'text')
    .addColumn('admin_user_id', 'text')
    .addColumn('payment_attempted', 'boolean')
    .addColumn('resolution_time', 'double precision', (column) =>
      column
        .generatedAlwaysAs(
          sql`case when purpose = 'recovery' and ended_at is not null then extract(epoch from (ended_at - started_at))::double precision end`,
        )
        .stored(),
    )
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addForeignKeyConstraint(
      'conversations_customer_fkey',
      ['tenant_id', 'customer_id'],
      'customers',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('conversations_purpose_check', inList('purpose', ['recovery', 'support']))
    .addCheckConstraint(
      'conversations_status_check',
      inList('status', ['active', 'closed', 'escalated']),
    )
    .addCheckConstraint(
      'conversations_recovery_status_check',
      sql`recovery_status is null or ${inList('recovery_status', [
        'initiated',
        'in-progress',
        'payment-requested',
        'payment-processing',
        'completed',
        'abandoned',
      ])}`,
    )
    .addCheckConstraint(
      'conversations_recovery_outcome_check',
      sql`recovery_outcome is null or ${inList('recovery_outcome', [
        'payment-updated',
        'customer-declined',
        'technical-failure',
        'abandoned',
      ])}`,
    )
    .addCheckConstraint(
      'conversations_recovery_fields_check',
      sql`(purpose = 'recovery' and customer_id is not null and recovery_status is not null and payment_attempted is not null)
        or (purpose = 'support' and recovery_status is null and recovery_outcome is null and admin_user_id is null and payment_attempted is null)`,
    )
    .addCheckConstraint(
      'conversations_ended_at_check',
      sql`ended_at is null or ended_at > started_at`,
    )
    .addCheckConstraint('conversations_last_activity_check', sql`last_activity >= started_at`)
    .addCheckConstraint('conversations_active_check', sql`status <> 'active' or ended_at is null`)
    .addCheckConstraint(
      'conversations_recovery_end_check',
      sql`recovery_status is null or ((recovery_status in ('completed', 'abandoned')) = (ended_at is not null))`,
    )
    .addCheckConstraint(
      'conversations_recovery_outcome_presence_check',
      sql`recovery_status is null or ((recovery_status in ('completed', 'abandoned')) = (recovery_outcome is not null))`,
    )
    .addCheckConstraint(
      'conversations_recovery_outcome_match_check',
      sql`(recovery_status is distinct from 'abandoned' or recovery_outcome = 'abandoned')
        and (recovery_status is distinct from 'completed' or recovery_outcome <> 'abandoned')`,
    )
    .addCheckConstraint(
      'conversations_payment_attempted_check',
      sql`recovery_outcome is distinct from 'payment-updated' or payment_attempted`,
    )
    .addCheckConstraint('conversations_metadata_check', sql`jsonb_typeof(metadata) = 'object'`)
    .execute();
  // Only the admin user's id is cleared when that admin is deleted (PostgreSQL 15+).
  await sql`alter table conversations add constraint conversations_admin_user_fkey
    foreign key (tenant_id, admin_user_id) references admin_users (tenant_id, id)
    on delete set null (admin_user_id)`.execute(db);
  await db.schema
    .createIndex('idx_conversations_tenant_session')
    .on('conversations')
    .columns(['tenant_id', 'session_id'])
    .execute();
  await db.schema
    .createIndex('idx_conversations_tenant_last_activity')
    .on('conversations')
    .columns(['tenant_id', 'last_activity desc'])
    .execute();
  await db.schema
    .createIndex('idx_conversations_status_last_activity')
    .on('conversations')
    .columns(['status', 'last_activity desc'])
    .execute();
  await db.schema
    .createIndex('idx_conversations_customer')
    .on('conversations')
    .columns(['tenant_id', 'customer_id'])
    .execute();
  await db.schema
    .createIndex('idx_conversations_admin_user')
    .on('conversations')
    .columns(['tenant_id', 'admin_user_id'])
    .execute();
  await db.schema
    .createIndex('idx_conversations_recovery_status')
    .on('conversations')
    .columns(['tenant_id', 'recovery_status', 'last_activity desc'])
    .where(sql.ref('purpose'), '=', 'recovery')
    .execute();

  await tenantScoped(db.schema.createTable('messages'), 'messages')
    .addColumn('conversation_id', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('timestamp', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('confidence_score', 'double precision')
    .addColumn('query_type', 'text')
    .addColumn('message_type', 'text')
    .addColumn('metadata', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addForeignKeyConstraint(
      'messages_conversation_fkey',
      ['tenant_id', 'conversation_id'],
      'conversations',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('messages_role_check', inList('role', ['user', 'assistant', 'system']))
    .addCheckConstraint('messages_content_check', nonBlank('content'))
    .addCheckConstraint(
      'messages_confidence_score_check',
      sql`confidence_score is null or (confidence_score between 0 and 1 and role = 'assistant')`,
    )
    .addCheckConstraint(
      'messages_query_type_check',
      sql`query_type is null or (query_type ~ ${sql.lit(slugPattern)} and length(query_type) <= 100)`,
    )
    .addCheckConstraint(
      'messages_message_type_check',
      sql`message_type is null or ${inList('message_type', [
        'greeting',
        'question',
        'payment-request',
        'confirmation',
        'error',
      ])}`,
    )
    .addCheckConstraint('messages_metadata_check', sql`jsonb_typeof(metadata) = 'object'`)
    .execute();
  await db.schema
    .createIndex('idx_messages_conversation')
    .on('messages')
    .columns(['conversation_id', 'timestamp'])
    .execute();
  await db.schema
    .createIndex('idx_messages_tenant_conversation')
    .on('messages')
    .columns(['tenant_id', 'conversation_id'])
    .execute();

  await db.schema
    .createTable('documents')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('source_id', 'text', (column) => column.notNull())
    .addColumn('source_url', 'text', (column) => column.notNull())
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('doc_type', 'text', (column) => column.notNull())
    .addColumn('category', 'text', (column) => column.notNull())
    .addColumn('content_hash', 'text', (column) => column.notNull())
    .addColumn('last_updated', timestamptz, (column) => column.notNull())
    .addColumn('scraped_at', timestamptz, (column) => column.notNull())
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addPrimaryKeyConstraint('documents_pkey', ['tenant_id', 'id'])
    .addForeignKeyConstraint(
      'documents_tenant_fkey',
      ['tenant_id'],
      'tenants',
      ['id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .execute();
  await db.schema
    .createIndex('idx_documents_tenant_doc_type')
    .on('documents')
    .columns(['tenant_id', 'doc_type'])
    .execute();
  await db.schema
    .createIndex('idx_documents_tenant_category')
    .on('documents')
    .columns(['tenant_id', 'category'])
    .execute();
  await db.schema
    .createIndex('idx_documents_scraped_at')
    .on('documents')
    .columns(['scraped_at desc'])
    .execute();
  await db.schema
    .createIndex('idx_documents_tenant_source')
    .on('documents')
    .columns(['tenant_id', 'source_id'])
    .execute();

  await db.schema
    .createTable('chunks')
    .addColumn('tenant_id', 'text', (column) => column.notNull())
    .addColumn('id', 'text', (column) => column.notNull())
    .addColumn('document_id', 'text', (column) => column.notNull())
    .addColumn('position', 'integer', (column) => column.notNull())
    .addColumn('content', 'text', (column) => column.notNull())
    .addColumn('token_count', 'integer', (column) => column.notNull())
    .addColumn('metadata', 'jsonb', (column) => column.notNull())
    .addColumn('embedding', sql`real[]`, (column) => column.notNull())
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addPrimaryKeyConstraint('chunks_pkey', ['tenant_id', 'id'])
    .addForeignKeyConstraint(
      'chunks_document_fkey',
      ['tenant_id', 'document_id'],
      'documents',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('chunks_token_count_check', sql`token_count >= 0`)
    .addCheckConstraint('chunks_position_check', sql`position >= 0`)
    .addCheckConstraint('chunks_metadata_check', sql`jsonb_typeof(metadata) = 'object'`)
    .addCheckConstraint('chunks_embedding_check', sql`cardinality(embedding) > 0`)
    .execute();
  await db.schema.createIndex('idx_chunks_document').on('chunks').column('document_id').execute();
  await db.schema
    .createIndex('idx_chunks_tenant_document')
    .on('chunks')
    .columns(['tenant_id', 'document_id', 'position'])
    .execute();

  await tenantScoped(db.schema.createTable('retrievals'), 'retrievals')
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('chunk_id', 'text', (column) => column.notNull())
    .addColumn('similarity_score', 'double precision', (column) => column.notNull())
    .addColumn('rerank_score', 'double precision')
    .addColumn('rank_position', 'integer', (column) => column.notNull())
    .addForeignKeyConstraint(
      'retrievals_message_fkey',
      ['tenant_id', 'message_id'],
      'messages',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'retrievals_chunk_fkey',
      ['tenant_id', 'chunk_id'],
      'chunks',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('retrievals_similarity_score_check', sql`similarity_score between -1 and 1`)
    .addCheckConstraint(
      'retrievals_rerank_score_check',
      sql`rerank_score is null or rerank_score between 0 and 1`,
    )
    .addCheckConstraint('retrievals_rank_position_check', sql`rank_position >= 1`)
    .addUniqueConstraint('retrievals_message_rank_key', ['message_id', 'rank_position'])
    .execute();
  await db.schema
    .createIndex('idx_retrievals_message')
    .on('retrievals')
    .column('message_id')
    .execute();
  await db.schema.createIndex('idx_retrievals_chunk').on('retrievals').column('chunk_id').execute();
  await db.schema
    .createIndex('idx_retrievals_tenant_chunk')
    .on('retrievals')
    .columns(['tenant_id', 'chunk_id'])
    .execute();

  await tenantScoped(db.schema.createTable('feedback'), 'feedback')
    .addColumn('message_id', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text')
    .addColumn('feedback_type', 'text', (column) => column.notNull())
    .addColumn('rating', 'integer')
    .addColumn('comment', 'text')
    .addColumn('timestamp', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addForeignKeyConstraint(
      'feedback_message_fkey',
      ['tenant_id', 'message_id'],
      'messages',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'feedback_feedback_type_check',
      inList('feedback_type', ['thumbs_up', 'thumbs_down', 'comment']),
    )
    .addCheckConstraint('feedback_rating_check', sql`rating is null or rating between 1 and 5`)
    .addCheckConstraint(
      'feedback_comment_check',
      sql`(comment is null or (${nonBlank('comment')} and length(comment) <= 2000))
        and (feedback_type <> 'comment' or comment is not null)`,
    )
    .addUniqueConstraint('feedback_message_user_key', ['message_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('idx_feedback_tenant_timestamp')
    .on('feedback')
    .columns(['tenant_id', 'timestamp desc'])
    .execute();

  await tenantScoped(db.schema.createTable('analytics'), 'analytics')
    .addColumn('metric_name', 'text', (column) => column.notNull())
    .addColumn('metric_value', 'double precision', (column) => column.notNull())
    .addColumn('dimensions', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('recorded_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint(
      'analytics_metric_name_check',
      sql`metric_name ~ ${sql.lit(slugPattern)} and length(metric_name) <= 100`,
    )
    .addCheckConstraint(
      'analytics_metric_value_check',
      sql`metric_value <> 'NaN'::double precision and metric_value <> 'Infinity'::double precision and metric_value <> '-Infinity'::double precision`,
    )
    .addCheckConstraint('analytics_dimensions_check', sql`jsonb_typeof(dimensions) = 'object'`)
    .execute();
  await db.schema
    .createIndex('idx_analytics_tenant_metric')
    .on('analytics')
    .columns(['tenant_id', 'metric_name'])
    .execute();
  await db.schema
    .createIndex('idx_analytics_recorded_at')
    .on('analytics')
    .column('recorded_at')
    .execute();

  await tenantScoped(db.schema.createTable('ab_tests'), 'ab_tests')
    .addColumn('test_name', 'text', (column) => column.notNull())
    .addColumn('variants', sql`text[]`, (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('running'))
    .addColumn('started_at', timestamptz)
    .addColumn('ended_at', timestamptz)
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint(
      'ab_tests_test_name_check',
      sql`${nonBlank('test_name')} and length(test_name) <= 100`,
    )
    .addCheckConstraint('ab_tests_variants_check', sql`cardinality(variants) >= 2`)
    .addCheckConstraint(
      'ab_tests_status_check',
      inList('status', ['draft', 'running', 'completed']),
    )
    .addCheckConstraint(
      'ab_tests_ended_at_check',
      sql`ended_at is null or started_at is null or ended_at > started_at`,
    )
    .execute();
  await db.schema
    .createIndex('idx_ab_tests_tenant_test')
    .on('ab_tests')
    .unique()
    .columns(['tenant_id', 'test_name'])
    .execute();

  await tenantScoped(db.schema.createTable('ab_test_assignments'), 'ab_test_assignments')
    .addColumn('test_id', 'text', (column) => column.notNull())
    .addColumn('test_name', 'text', (column) => column.notNull())
    .addColumn('variant', 'text', (column) => column.notNull())
    .addColumn('user_id', 'text', (column) => column.notNull())
    .addColumn('assigned_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addForeignKeyConstraint(
      'ab_test_assignments_test_fkey',
      ['tenant_id', 'test_id'],
      'ab_tests',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint('ab_test_assignments_variant_check', sql`variant ~ '^[^[:space:]]{1,10}$'`)
    .addUniqueConstraint('ab_test_assignments_test_user_key', ['test_id', 'user_id'])
    .execute();
  await db.schema
    .createIndex('idx_ab_tests_user')
    .on('ab_test_assignments')
    .columns(['user_id'])
    .execute();
  await db.schema
    .createIndex('idx_ab_test_assignments_tenant_test')
    .on('ab_test_assignments')
    .columns(['tenant_id', 'test_name'])
    .execute();

  await tenantScoped(db.schema.createTable('escalations'), 'escalations')
    .addColumn('conversation_id', 'text', (column) => column.notNull())
    .addColumn('reason', 'text', (column) => column.notNull())
    .addColumn('ticket_id', 'text')
    .addColumn('status', 'text', (column) => column.notNull().defaultTo('pending'))
    .addColumn('escalated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('resolved_at', timestamptz)
    .addForeignKeyConstraint(
      'escalations_conversation_fkey',
      ['tenant_id', 'conversation_id'],
      'conversations',
      ['tenant_id', 'id'],
      (constraint) => constraint.onDelete('cascade'),
    )
    .addCheckConstraint(
      'escalations_reason_check',
      sql`reason ~ ${sql.lit(slugPattern)} and length(reason) <= 100`,
    )
    .addCheckConstraint(
      'escalations_ticket_id_check',
      sql`ticket_id is null or (${nonBlank('ticket_id')} and length(ticket_id) <= 100)`,
    )
    .addCheckConstraint(
      'escalations_status_check',
      inList('status', ['pending', 'resolved', 'closed']),
    )
    .addCheckConstraint(
      'escalations_resolved_at_check',
      sql`resolved_at is null or resolved_at >= escalated_at`,
    )
    .execute();
  await db.schema
    .createIndex('idx_escalations_conversation')
    .on('escalations')
    .column('conversation_id')
    .execute();
  await db.schema
    .createIndex('idx_escalations_status')
    .on('escalations')
    .column('status')
    .execute();
  await db.schema
    .createIndex('idx_escalations_tenant_escalated_at')
    .on('escalations')
    .columns(['tenant_id', 'escalated_at desc'])
    .execute();

  await tenantScoped(db.schema.createTable('integrations'), 'integrations')
    .addColumn('platform', 'text', (column) => column.notNull())
    .addColumn('config', 'jsonb', (column) => column.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('enabled', 'boolean', (column) => column.notNull().defaultTo(true))
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('updated_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint(
      'integrations_platform_check',
      inList('platform', ['slack', 'discord', 'webhook']),
    )
    .addCheckConstraint('integrations_config_check', sql`jsonb_typeof(config) = 'object'`)
    .addCheckConstraint(
      'integrations_webhook_url_check',
      sql`(webhook_url is null or (webhook_url ~ '^https?://[^[:space:]]+$' and length(webhook_url) <= 500))
        and (platform <> 'webhook' or webhook_url is not null)`,
    )
    .execute();
  await db.schema
    .createIndex('idx_integrations_tenant_platform')
    .on('integrations')
    .columns(['tenant_id', 'platform'])
    .execute();

  await tenantScoped(db.schema.createTable('churn_prevention_metrics'), 'churn_prevention_metrics')
    .addColumn('period_start', timestamptz, (column) => column.notNull())
    .addColumn('period_end', timestamptz, (column) => column.notNull())
    .addColumn('variant', 'text')
    .addColumn('total_interventions', 'integer', (column) => column.notNull())
    .addColumn('successful_resolutions', 'integer', (column) => column.notNull())
    .addColumn('average_resolution_time', 'double precision', (column) => column.notNull())
    .addColumn('customer_retention_rate', 'double precision', (column) => column.notNull())
    .addColumn('revenue_retained', 'numeric(14, 2)', (column) => column.notNull())
    .addColumn('created_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addCheckConstraint('churn_prevention_metrics_period_check', sql`period_end > period_start`)
    .addCheckConstraint(
      'churn_prevention_metrics_counts_check',
      sql`total_interventions >= 0 and successful_resolutions >= 0 and successful_resolutions <= total_interventions`,
    )
    .addCheckConstraint(
      'churn_prevention_metrics_average_resolution_time_check',
      sql`average_resolution_time between 0 and 180`,
    )
    .addCheckConstraint(
      'churn_prevention_metrics_retention_rate_check',
      sql`customer_retention_rate between 0 and 100`,
    )
    .addCheckConstraint('churn_prevention_metrics_revenue_check', sql`revenue_retained >= 0`)
    .addUniqueConstraint(
      'churn_prevention_metrics_period_key',
      ['tenant_id', 'period_start', 'period_end', 'variant'],
      (constraint) => constraint.nullsNotDistinct(),
    )
    .execute();
  await db.schema
    .createIndex('idx_churn_prevention_metrics_tenant_period')
    .on('churn_prevention_metrics')
    .columns(['tenant_id', 'period_start desc'])
    .execute();

  await tenantScoped(db.schema.createTable('webhook_events'), 'webhook_events')
    .addColumn('provider', 'text', (column) => column.notNull())
    .addColumn('event_id', 'text', (column) => column.notNull())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('occurred_at', timestamptz)
    .addColumn('payload', 'jsonb', (column) => column.notNull())
    .addColumn('received_at', timestamptz, (column) => column.notNull().defaultTo(now()))
    .addColumn('processed_at', timestamptz)
    .addCheckConstraint('webhook_events_provider_check', sql`provider ~ '^[a-z0-9_-]{1,50}$'`)
    .addCheckConstraint('webhook_events_event_id_check', nonBlank('event_id'))
    .addCheckConstraint('webhook_events_type_check', nonBlank('type'))
    .addCheckConstraint('webhook_events_payload_check', sql`jsonb_typeof(payload) = 'object'`)
    .addUniqueConstraint('webhook_events_provider_event_key', ['tenant_id', 'provider', 'event_id'])
    .execute();
  await db.schema
    .createIndex('idx_webhook_events_tenant_received_at')
    .on('webhook_events')
    .columns(['tenant_id', 'received_at desc'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'webhook_events',
    'churn_prevention_metrics',
    'integrations',
    'escalations',
    'ab_test_assignments',
    'ab_tests',
    'analytics',
    'feedback',
    'retrievals',
    'chunks',
    'documents',
    'messages',
    'conversations',
    'payment_methods',
    'customers',
    'admin_users',
    'api_keys',
    'tenants',
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
