import { type Kysely, sql } from 'kysely';
import type { Database } from '../storage/database.js';

/**
 * Inserts `count` customers into a tenant in one statement (`generate_series`), for the
 * customer list's benchmark and paging tests. Deterministic and full of ties: a quarter
 * each of at-risk, active, resolved and churned; 50 distinct values; 1,000 distinct
 * `updated_at` instants; 5,000 distinct names. Ids are `<prefix><7-digit number>`.
 */
export async function seedCustomers(
  db: Kysely<Database>,
  options: { tenantId: string; count: number; prefix?: string },
): Promise<void> {
  const prefix = options.prefix ?? 'cust_';
  await sql`
    insert into customers (
      id, tenant_id, name, email, account_status, risk_category, risk_severity,
      account_value, currency, stripe_customer_id, created_at, updated_at
    )
    select
      ${prefix} || lpad(i::text, 7, '0'),
      ${options.tenantId},
      'Customer ' || (i % 5000),
      'customer' || i || '@example.com',
      (array['at-risk', 'active', 'resolved', 'churned'])[i % 4 + 1],
      case when i % 4 = 0 then (array['failed-payment', 'expiring-card'])[i % 8 / 4 + 1] end,
      case when i % 4 = 0 then (array['low', 'medium', 'high'])[i % 3 + 1] end,
      ((i % 50) + 1) * 10,
      'usd',
      'cus_' || ${prefix} || i,
      timestamptz '2026-01-01T00:00:00Z' + (i % 997) * interval '1 second',
      timestamptz '2026-02-01T00:00:00Z' + (i % 1000) * interval '1 minute'
    from generate_series(1, ${options.count}::int) as i
  `.execute(db);
  await sql`analyze customers`.execute(db);
}
