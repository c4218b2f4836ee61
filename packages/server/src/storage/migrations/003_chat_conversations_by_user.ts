import { type Kysely, sql } from 'kysely';

/**
 * Migration 003: the chat API lists a verified customer's conversations across devices,
 * newest first (`GET /api/conversations`), by `user_id`. Without this index that query
 * walks every conversation of the tenant.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createIndex('idx_conversations_tenant_user_last_activity')
    .on('conversations')
    .columns(['tenant_id', 'user_id', 'last_activity desc'])
    .where(sql.ref('user_id'), 'is not', null)
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('idx_conversations_tenant_user_last_activity').execute();
}
