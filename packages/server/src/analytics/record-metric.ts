import { randomUUID } from 'node:crypto';
import {
  type AnalyticsRecord,
  ChurnError,
  type StorageV1,
  type StorageV1Repositories,
} from '@churn/core';
import type { Insertable } from 'kysely';
import type { AnalyticsTable } from '../storage/database.js';
import { mapStorageError } from '../storage/map-storage-error.js';
import { kyselyOf } from './kysely-of.js';

/** A dimension value of a metric: text, a number or true/false. */
export type MetricDimensionValue = string | number | boolean;

/**
 * What {@link recordMetric} takes: one Analytics row (support seed's ANALYTICS).
 *
 * Conventional dimensions (docs/operations.md, "Analytics definitions"): `category`
 * (the question's class: `docs`, `billing`), `user_type` (`customer` verified, `visitor`
 * anonymous, `server`), `purpose` (`support`, `recovery`), `variant` and `ab_test` (the
 * A/B test id) when the user is in a running test, `reason` for escalations.
 */
export interface MetricEntry {
  tenantId: string;
  /** A slug: `response_time`, `confidence`, `revenue_retained`, ... */
  name: string;
  value: number;
  dimensions?: Record<string, MetricDimensionValue | undefined>;
  /** Default now. */
  recordedAt?: Date;
  /**
   * A stable id makes the row recorded once: recording the same id again is a no-op
   * (`deflection-<conversation id>`), so a sweep or a retried webhook never counts twice.
   */
  id?: string;
  /**
   * With `id`: replace the row's value and dimensions instead of keeping the first
   * (feedback that was changed). Needs the server's own storage; with another `StorageV1`
   * the first value stays.
   */
  replace?: boolean;
}

function definedDimensions(entry: MetricEntry): Record<string, MetricDimensionValue> {
  const dimensions: Record<string, MetricDimensionValue> = {};
  for (const [key, value] of Object.entries(entry.dimensions ?? {})) {
    if (value !== undefined) dimensions[key] = value;
  }
  return dimensions;
}

/**
 * The `analytics` rows of new metric entries (ids drawn when not given), for one
 * multi-row insert: {@link recordMetrics}, or a `with` clause beside another write (the
 * chat turn stores its reply and its metrics in one statement).
 */
export function metricRows(entries: readonly MetricEntry[]): Insertable<AnalyticsTable>[] {
  return entries.map((entry) => ({
    id: entry.id ?? randomUUID(),
    tenant_id: entry.tenantId,
    metric_name: entry.name,
    metric_value: entry.value,
    dimensions: JSON.stringify(definedDimensions(entry)),
    ...(entry.recordedAt ? { recorded_at: entry.recordedAt } : {}),
  }));
}

/**
 * Records several metric values at once: one multi-row insert on the server's own storage
 * (all or none), one `analytics.record` each on another `StorageV1`. For new rows: an
 * entry with an `id` that already exists fails the whole batch (use {@link recordMetric}
 * for rows recorded once, and for `replace`).
 */
export async function recordMetrics(
  storage: StorageV1 | StorageV1Repositories,
  entries: readonly MetricEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const db = kyselyOf(storage);
  if (!db) {
    for (const entry of entries) await recordMetric(storage, entry);
    return;
  }
  try {
    await db.insertInto('analytics').values(metricRows(entries)).execute();
  } catch (error) {
    throw mapStorageError(error);
  }
}

/**
 * Records one metric value for the tenant's analytics. Every feature records through
 * this function (chat turns, feedback, escalations, deflection, and the recovery
 * engineer's `interventions`, `resolutions`, `revenue_retained`), so one query charts
 * them side by side (`GET /api/analytics/series`).
 *
 * Dimensions left `undefined` are dropped. Answers the stored row, or `undefined` when a
 * row with the same `id` already existed.
 *
 * @example
 * await recordMetric(storage, {
 *   tenantId,
 *   name: 'revenue_retained',
 *   value: 49,
 *   dimensions: { purpose: 'recovery', variant: 'B', ab_test: testId },
 * });
 */
export async function recordMetric(
  storage: StorageV1 | StorageV1Repositories,
  entry: MetricEntry,
): Promise<AnalyticsRecord | undefined> {
  const dimensions = definedDimensions(entry);
  const db = entry.replace && entry.id !== undefined ? kyselyOf(storage) : undefined;
  if (db && entry.id !== undefined) {
    const values = { metric_value: entry.value, dimensions: JSON.stringify(dimensions) };
    const row = await db
      .insertInto('analytics')
      .values({
        id: entry.id,
        tenant_id: entry.tenantId,
        metric_name: entry.name,
        ...values,
        ...(entry.recordedAt ? { recorded_at: entry.recordedAt } : {}),
      })
      .onConflict((conflict) => conflict.column('id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    const stored: AnalyticsRecord = {
      id: row.id,
      tenantId: row.tenant_id,
      metricName: row.metric_name,
      metricValue: row.metric_value,
      dimensions: row.dimensions as AnalyticsRecord['dimensions'],
      recordedAt: row.recorded_at,
    };
    return stored;
  }
  try {
    return await storage.analytics.record({
      tenantId: entry.tenantId,
      metricName: entry.name,
      metricValue: entry.value,
      dimensions,
      ...(entry.recordedAt ? { recordedAt: entry.recordedAt } : {}),
      ...(entry.id ? { id: entry.id } : {}),
    });
  } catch (error) {
    if (entry.id !== undefined && ChurnError.isInstance(error) && error.code === 'conflict') {
      return undefined;
    }
    throw error;
  }
}
