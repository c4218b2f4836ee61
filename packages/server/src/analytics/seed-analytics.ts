import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/database.js';

/**
 * Inserts `count` Analytics rows into a tenant in one statement (`generate_series`), for the
 * series benchmark: three metrics (`confidence`, `response_time`, `revenue_retained`) in turn,
 * spread over the 365 days before `now` (one a day per metric, then round again, at varying
 * times of day), a quarter tagged `variant: B` and a quarter `variant: A`.
 */
export async function seedAnalytics(
  db: Kysely<Database>,
  options: { tenantId: string; count: number; now: Date },
): Promise<void> {
  await sql`
    insert into analytics (id, tenant_id, metric_name, metric_value, dimensions, recorded_at)
    select
      md5(${options.tenantId} || n::text),
      ${options.tenantId},
      (array['confidence', 'response_time', 'revenue_retained'])[1 + n % 3],
      (n % 97) / 10.0,
      case
        when n % 4 = 0 then '{"variant":"B"}'::jsonb
        when n % 4 = 1 then '{"variant":"A"}'::jsonb
        else '{}'::jsonb
      end,
      ${options.now}::timestamptz - (n % 365) * interval '1 day' - (n % 86400) * interval '1 second'
    from generate_series(1, ${options.count}::int) as n
  `.execute(db);
  await sql`analyze analytics`.execute(db);
}
