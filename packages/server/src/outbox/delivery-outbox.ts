import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database } from '../storage/database.js';
import {
  type DeliveryKind,
  type DeliveryStatus,
  type IntegrationDeliveriesTable,
  operationsDb,
} from './outbox-tables.js';

/** One delivery of the outbox, as the admin API shows it. */
export interface DeliveryRecord {
  /** Stable across retries: receivers use it (header `churn-delivery-id`) to drop duplicates. */
  id: string;
  tenantId: string;
  integrationId: string;
  escalationId?: string;
  kind: DeliveryKind;
  status: DeliveryStatus;
  attempts: number;
  maxAttempts: number;
  nextAttemptAt: Date;
  lastError?: string;
  lastStatusCode?: number;
  ticketId?: string;
  createdAt: Date;
  updatedAt: Date;
  deliveredAt?: Date;
}

/** A claimed delivery: the record plus what the sender needs. */
export interface ClaimedDelivery extends DeliveryRecord {
  payload: unknown;
}

function toDelivery(row: Selectable<IntegrationDeliveriesTable>): ClaimedDelivery {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    integrationId: row.integration_id,
    ...(row.escalation_id === null ? {} : { escalationId: row.escalation_id }),
    kind: row.kind as DeliveryKind,
    status: row.status as DeliveryStatus,
    attempts: row.attempts,
    maxAttempts: row.max_attempts,
    nextAttemptAt: row.next_attempt_at,
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.last_status_code === null ? {} : { lastStatusCode: row.last_status_code }),
    ...(row.ticket_id === null ? {} : { ticketId: row.ticket_id }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at === null ? {} : { deliveredAt: row.delivered_at }),
    payload: row.payload,
  };
}

/** The record without the payload (what the admin API answers). */
export function deliveryView(delivery: ClaimedDelivery): DeliveryRecord {
  const { payload: _payload, ...record } = delivery;
  return record;
}

/**
 * Adds a delivery to the outbox, due at once. An escalation is queued at most once per
 * integration: a second call answers `undefined` (the first row stands).
 */
export async function enqueueDelivery(
  db: Kysely<Database>,
  delivery: {
    tenantId: string;
    integrationId: string;
    kind: DeliveryKind;
    escalationId?: string;
    payload?: unknown;
    maxAttempts: number;
    now: Date;
  },
): Promise<ClaimedDelivery | undefined> {
  const row = await operationsDb(db)
    .insertInto('integration_deliveries')
    .values({
      id: `dlv_${randomUUID()}`,
      tenant_id: delivery.tenantId,
      integration_id: delivery.integrationId,
      escalation_id: delivery.escalationId ?? null,
      kind: delivery.kind,
      payload: delivery.payload === undefined ? null : JSON.stringify(delivery.payload),
      max_attempts: delivery.maxAttempts,
      next_attempt_at: delivery.now,
      created_at: delivery.now,
      updated_at: delivery.now,
    })
    .onConflict((conflict) =>
      conflict.constraint('integration_deliveries_escalation_key').doNothing(),
    )
    .returningAll()
    .executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/**
 * Queues every pending escalation of the last `windowMs` that an enabled integration has no
 * delivery for (an escalation created while the process died before notifying, or one
 * created by another instance): the outbox then holds every escalation, none lost.
 * Escalations older than the integration are left alone. Answers how many were queued.
 */
export async function queueMissedEscalations(
  db: Kysely<Database>,
  options: { now: Date; windowMs: number; maxAttempts: number; tenantId?: string },
): Promise<number> {
  const since = new Date(options.now.getTime() - options.windowMs);
  const result = await sql<{ id: string }>`
    insert into integration_deliveries
      (id, tenant_id, integration_id, escalation_id, kind, max_attempts, next_attempt_at, created_at, updated_at)
    select 'dlv_' || gen_random_uuid()::text, e.tenant_id, i.id, e.id, 'escalation',
      ${options.maxAttempts}, ${options.now}, ${options.now}, ${options.now}
    from escalations e
    join integrations i on i.tenant_id = e.tenant_id and i.enabled
    where e.status = 'pending' and e.escalated_at >= ${since} and e.escalated_at >= i.created_at
      ${options.tenantId === undefined ? sql`` : sql`and e.tenant_id = ${options.tenantId}`}
      and not exists (
        select 1 from integration_deliveries d
        where d.integration_id = i.id and d.escalation_id = e.id)
    on conflict do nothing
    returning id`.execute(db);
  return result.rows.length;
}

/**
 * Claims up to `limit` due deliveries for one attempt: pending ones whose time has come,
 * and ones left `processing` by a worker that died (their lease ran out). On PostgreSQL
 * concurrent workers skip each other's rows (`FOR UPDATE SKIP LOCKED`), so a delivery is
 * attempted by one worker at a time; PGlite has one connection, which serialises them.
 * Each claim counts an attempt.
 */
export async function claimDueDeliveries(
  db: Kysely<Database>,
  options: { now: Date; limit: number; leaseMs: number; ids?: readonly string[] },
): Promise<ClaimedDelivery[]> {
  const lockedUntil = new Date(options.now.getTime() + options.leaseMs);
  const only =
    options.ids === undefined
      ? sql``
      : options.ids.length === 0
        ? sql`and false`
        : sql`and id in (${sql.join([...options.ids])})`;
  const result = await sql<Selectable<IntegrationDeliveriesTable>>`
    update integration_deliveries set
      status = 'processing', attempts = attempts + 1, locked_until = ${lockedUntil},
      updated_at = ${options.now}
    where id in (
      select id from integration_deliveries
      where ((status = 'pending' and next_attempt_at <= ${options.now})
          or (status = 'processing' and locked_until < ${options.now}))
        ${only}
      order by next_attempt_at, id
      limit ${options.limit}
      for update skip locked)
    returning *`.execute(db);
  return result.rows
    .map(toDelivery)
    .sort((a, b) => a.nextAttemptAt.getTime() - b.nextAttemptAt.getTime());
}

/** Marks a claimed delivery delivered (only if this worker still holds it). */
export async function markDelivered(
  db: Kysely<Database>,
  delivery: ClaimedDelivery,
  outcome: { now: Date; statusCode: number; ticketId?: string },
): Promise<void> {
  await operationsDb(db)
    .updateTable('integration_deliveries')
    .set({
      status: 'delivered',
      locked_until: null,
      last_error: null,
      last_status_code: outcome.statusCode,
      ticket_id: outcome.ticketId ?? null,
      delivered_at: outcome.now,
      updated_at: outcome.now,
    })
    .where('id', '=', delivery.id)
    .where('attempts', '=', delivery.attempts)
    .execute();
}

/**
 * Records a failed attempt: the delivery is due again at `retryAt`, or dead (kept and
 * visible, never retried by itself) when it was the last attempt or the failure is
 * permanent. Answers the new status.
 */
export async function markFailed(
  db: Kysely<Database>,
  delivery: ClaimedDelivery,
  failure: { now: Date; error: string; statusCode?: number; permanent: boolean; retryAt: Date },
): Promise<DeliveryStatus> {
  const dead = failure.permanent || delivery.attempts >= delivery.maxAttempts;
  await operationsDb(db)
    .updateTable('integration_deliveries')
    .set({
      status: dead ? 'dead' : 'pending',
      locked_until: null,
      last_error: failure.error.slice(0, 1000),
      last_status_code: failure.statusCode ?? null,
      next_attempt_at: dead ? failure.now : failure.retryAt,
      updated_at: failure.now,
    })
    .where('id', '=', delivery.id)
    .where('attempts', '=', delivery.attempts)
    .execute();
  return dead ? 'dead' : 'pending';
}

/** One delivery of a tenant. */
export async function getDelivery(
  db: Kysely<Database>,
  options: { tenantId: string; id: string },
): Promise<ClaimedDelivery | undefined> {
  const row = await operationsDb(db)
    .selectFrom('integration_deliveries')
    .selectAll()
    .where('tenant_id', '=', options.tenantId)
    .where('id', '=', options.id)
    .executeTakeFirst();
  return row ? toDelivery(row) : undefined;
}

/** The delivery log of an integration, newest first. */
export async function listDeliveries(
  db: Kysely<Database>,
  options: {
    tenantId: string;
    integrationId: string;
    status?: DeliveryStatus;
    limit: number;
    offset: number;
  },
): Promise<DeliveryRecord[]> {
  let query = operationsDb(db)
    .selectFrom('integration_deliveries')
    .selectAll()
    .where('tenant_id', '=', options.tenantId)
    .where('integration_id', '=', options.integrationId);
  if (options.status) query = query.where('status', '=', options.status);
  const rows = await query
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(options.limit)
    .offset(options.offset)
    .execute();
  return rows.map((row) => deliveryView(toDelivery(row)));
}

/**
 * Sends a dead delivery again: back to `pending`, due now, with a fresh set of attempts.
 * Answers the delivery, or `undefined` when there is no dead delivery with that id.
 */
export async function requeueDelivery(
  db: Kysely<Database>,
  options: { tenantId: string; integrationId: string; id: string; now: Date },
): Promise<DeliveryRecord | undefined> {
  const row = await operationsDb(db)
    .updateTable('integration_deliveries')
    .set({
      status: 'pending',
      attempts: 0,
      next_attempt_at: options.now,
      updated_at: options.now,
    })
    .where('tenant_id', '=', options.tenantId)
    .where('integration_id', '=', options.integrationId)
    .where('id', '=', options.id)
    .where('status', '=', 'dead')
    .returningAll()
    .executeTakeFirst();
  return row ? deliveryView(toDelivery(row)) : undefined;
}
