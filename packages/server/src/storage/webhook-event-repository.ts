import type { WebhookEventRecord, WebhookEventRepository } from '@churn/core';
import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookEventsTable } from './database.js';
import {
  compact,
  fromJson,
  guarded,
  newId,
  notFound,
  optional,
  toJson,
} from './storage-helpers.js';

function toWebhookEvent(row: Selectable<WebhookEventsTable>): WebhookEventRecord {
  return compact({
    id: row.id,
    tenantId: row.tenant_id,
    provider: row.provider,
    eventId: row.event_id,
    type: row.type,
    occurredAt: optional(row.occurred_at),
    payload: fromJson(row.payload),
    receivedAt: row.received_at,
    processedAt: optional(row.processed_at),
  });
}

/**
 * Webhook events over Kysely. `recordOnce` is one `insert ... on conflict do
 * nothing returning`: the database's unique index decides which of several
 * concurrent deliveries of one event is the first.
 */
export function createWebhookEventRepository(db: Kysely<Database>): WebhookEventRepository {
  const find = (tenantId: string, provider: string, eventId: string) =>
    db
      .selectFrom('webhook_events')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('provider', '=', provider)
      .where('event_id', '=', eventId)
      .executeTakeFirst();

  return guarded<WebhookEventRepository>({
    async recordOnce(event) {
      const inserted = await db
        .insertInto('webhook_events')
        .values({
          id: newId(),
          tenant_id: event.tenantId,
          provider: event.provider,
          event_id: event.eventId,
          type: event.type,
          occurred_at: event.occurredAt ?? null,
          payload: toJson(event.payload),
        })
        .onConflict((conflict) =>
          conflict.constraint('webhook_events_provider_event_key').doNothing(),
        )
        .returningAll()
        .executeTakeFirst();
      if (inserted) return { firstTime: true, event: toWebhookEvent(inserted) };
      const existing = await find(event.tenantId, event.provider, event.eventId);
      if (!existing) throw new Error('A recorded webhook event vanished before it could be read.');
      return { firstTime: false, event: toWebhookEvent(existing) };
    },
    async get({ tenantId, provider, eventId }) {
      const row = await find(tenantId, provider, eventId);
      return row ? toWebhookEvent(row) : undefined;
    },
    async markProcessed({ tenantId, provider, eventId, at }) {
      const row = await db
        .updateTable('webhook_events')
        .set({ processed_at: at ?? new Date() })
        .where('tenant_id', '=', tenantId)
        .where('provider', '=', provider)
        .where('event_id', '=', eventId)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound('webhook event', eventId);
      return toWebhookEvent(row);
    },
  });
}
