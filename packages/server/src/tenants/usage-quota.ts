import type { StorageV1 } from '@churn/core';
import { HttpError } from '../http/http-error.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';

/** A calendar month in UTC: when it starts and when the next one does. */
export interface UsagePeriod {
  start: Date;
  /** When the counter starts again from zero: the first instant of the next month (UTC). */
  resetsAt: Date;
}

/** The calendar month (UTC) that contains `now`. */
export function usagePeriodOf(now: Date): UsagePeriod {
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const resetsAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return { start, resetsAt };
}

/** A tenant's usage this month. */
export interface UsageReport {
  /** Chat turns counted this month. */
  used: number;
  /** The monthly quota (`usage_quota`). */
  quota: number;
  /** `quota - used`, never below 0. */
  remaining: number;
  periodStart: Date;
  resetsAt: Date;
}

/**
 * The 429 of a tenant over its monthly quota. Its JSON carries `resetsAt` and `quota`
 * beside `code` and `message`; the answer has `retry-after` (seconds to the reset).
 */
export class QuotaExceededError extends HttpError {
  readonly resetsAt: Date;
  readonly quota: number;

  constructor(options: { quota: number; resetsAt: Date; now: Date }) {
    const seconds = Math.max(
      1,
      Math.ceil((options.resetsAt.getTime() - options.now.getTime()) / 1000),
    );
    super(
      429,
      'quota_exceeded',
      `This tenant has used its monthly quota of ${options.quota} chat turns. It resets at ${options.resetsAt.toISOString()} (in ${seconds} seconds); to go on before then, raise the quota (PATCH /api/tenants/:tenantId {"usageQuota": ...} with the platform key, or \`churn tenants update --quota\`).`,
      { headers: { 'retry-after': String(seconds) } },
    );
    this.name = 'QuotaExceededError';
    this.resetsAt = options.resetsAt;
    this.quota = options.quota;
  }

  override toJSON(): ReturnType<HttpError['toJSON']> & { resetsAt: string; quota: number } {
    return { ...super.toJSON(), resetsAt: this.resetsAt.toISOString(), quota: this.quota };
  }
}

/**
 * Counts chat turns against the tenant's monthly quota (calendar month, UTC), atomically:
 * concurrent turns never push the count past the quota. Call it once per customer message
 * before answering it.
 *
 * @returns the usage after counting.
 * @throws QuotaExceededError (HTTP 429 `quota_exceeded`, `retry-after`, the reset time in
 *   the message and as `resetsAt`) when the quota is used up; nothing is counted then.
 * @throws HttpError 404 when the tenant does not exist.
 *
 * @example
 * const { storage } = await context.state.services.load();
 * await checkAndCountUsage({ storage, tenantId: principal.tenantId });
 */
export async function checkAndCountUsage(options: {
  storage: StorageV1;
  tenantId: string;
  /** Turns to count. Default 1. */
  turns?: number;
  now?: Date;
}): Promise<UsageReport> {
  const now = options.now ?? new Date();
  const turns = options.turns ?? 1;
  if (!Number.isInteger(turns) || turns < 1) {
    throw new RangeError(`turns must be a whole number, 1 or more, got ${turns}.`);
  }
  const period = usagePeriodOf(now);
  const counted = await tenantAccessStoreOf(options.storage).countUsage({
    tenantId: options.tenantId,
    periodStart: period.start,
    turns,
  });
  if (!counted) {
    throw new HttpError(404, 'not_found', `No tenant "${options.tenantId}": check the tenant id.`);
  }
  if (!counted.allowed) {
    throw new QuotaExceededError({ quota: counted.quota, resetsAt: period.resetsAt, now });
  }
  return {
    used: counted.used,
    quota: counted.quota,
    remaining: Math.max(0, counted.quota - counted.used),
    periodStart: period.start,
    resetsAt: period.resetsAt,
  };
}

/** A tenant's usage this month, without counting anything. */
export async function getUsage(options: {
  storage: StorageV1;
  tenantId: string;
  quota: number;
  now?: Date;
}): Promise<UsageReport> {
  const period = usagePeriodOf(options.now ?? new Date());
  const used = await tenantAccessStoreOf(options.storage).getUsage({
    tenantId: options.tenantId,
    periodStart: period.start,
  });
  return {
    used,
    quota: options.quota,
    remaining: Math.max(0, options.quota - used),
    periodStart: period.start,
    resetsAt: period.resetsAt,
  };
}
