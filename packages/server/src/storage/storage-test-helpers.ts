import type { KnowledgeStoreV1 } from '@churn/core';
import { sql } from 'kysely';
import type { PostgresStorage } from './postgres-storage.js';

/** The index names the seeds ask for (support seed's PostgreSQL and MongoDB indexes). */
export const seedIndexNames = [
  'idx_analytics_tenant_metric',
  'idx_analytics_recorded_at',
  'idx_ab_tests_tenant_test',
  'idx_ab_tests_user',
  'idx_escalations_conversation',
  'idx_escalations_status',
  'idx_conversations_tenant_session',
  'idx_conversations_tenant_last_activity',
  'idx_conversations_status_last_activity',
  'idx_documents_tenant_doc_type',
  'idx_documents_tenant_category',
  'idx_documents_scraped_at',
  'idx_chunks_document',
  'idx_retrievals_message',
  'idx_retrievals_chunk',
  'idx_customers_tenant_status_severity',
];

/** Index names of the storage's schema, from `pg_indexes`. */
export async function listIndexNames(storage: PostgresStorage): Promise<string[]> {
  const result = await sql<{ indexname: string }>`
    select indexname from pg_indexes where schemaname = ${storage.schema}`.execute(storage.db);
  return result.rows.map((row) => row.indexname);
}

/**
 * The storage's knowledge store, creating each tenant on first use: the
 * knowledge-store suite invents tenant ids, while this storage requires tenants
 * to exist (documents reference them and go when they go).
 */
export function knowledgeStoreWithTenants(storage: PostgresStorage): KnowledgeStoreV1 {
  const knowledge = storage.knowledge;
  return {
    ...knowledge,
    async replaceDocument(options) {
      await storage.db
        .insertInto('tenants')
        .values({ id: options.document.tenantId, name: options.document.tenantId })
        .onConflict((conflict) => conflict.column('id').doNothing())
        .execute();
      return knowledge.replaceDocument(options);
    },
  };
}
