import { accountStatuses, riskCategories, riskSeverities } from '@churn/core';
import { type Compilable, type Kysely, type RawBuilder, sql } from 'kysely';
import { z } from 'zod';
import { cursorParameter, limitParameter } from '../http/page-query.js';
import type { Database } from '../storage/database.js';
import { type CustomerRow, toCustomerRows } from './customer-row.js';
import { decodeCursor, encodeCursor } from './keyset-cursor.js';

/** The sort fields of `GET /api/customers`, each backed by an index ending with `id` (migration 007). */
export const customerSortFields = ['updatedAt', 'createdAt', 'value', 'name', 'severity'] as const;
type CustomerSortField = (typeof customerSortFields)[number];

const sortColumns: Readonly<Record<CustomerSortField, { column: string; type: string }>> = {
  updatedAt: { column: 'updated_at', type: 'timestamptz' },
  createdAt: { column: 'created_at', type: 'timestamptz' },
  value: { column: 'account_value', type: 'numeric' },
  name: { column: 'name', type: 'text' },
  severity: { column: 'risk_severity_rank', type: 'smallint' },
};

const cents = z.coerce
  .number({ error: 'must be a number of cents' })
  .int({ error: 'must be a whole number of cents' })
  .min(0, { error: 'must be 0 or more' })
  .max(1e13, { error: 'must be at most 10000000000000' });

/** Query of `GET /api/customers`. */
export const CustomerListQuerySchema = z
  .object({
    riskCategory: z
      .enum(riskCategories, { error: `must be one of: ${riskCategories.join(', ')}` })
      .optional(),
    severity: z
      .enum(riskSeverities, { error: `must be one of: ${riskSeverities.join(', ')}` })
      .optional(),
    status: z
      .enum(accountStatuses, { error: `must be one of: ${accountStatuses.join(', ')}` })
      .optional(),
    minValue: cents.optional().describe('Smallest monthly value, in cents.'),
    maxValue: cents.optional().describe('Largest monthly value, in cents.'),
    q: z
      .string()
      .trim()
      .max(200, { error: 'must be at most 200 characters' })
      .optional()
      .describe('Text in the name, email, id, external id or Stripe customer id.'),
    sort: z
      .enum(customerSortFields, { error: `must be one of: ${customerSortFields.join(', ')}` })
      .default('updatedAt'),
    order: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
    limit: limitParameter(200, 50),
    cursor: cursorParameter,
  })
  .refine(
    (query) =>
      query.minValue === undefined ||
      query.maxValue === undefined ||
      query.minValue <= query.maxValue,
    { path: ['minValue'], error: 'must not be above maxValue' },
  );

/** A parsed {@link CustomerListQuerySchema}. */
export type CustomerListQuery = z.output<typeof CustomerListQuerySchema>;

/** A page of the customer list. */
export interface CustomerPage {
  customers: CustomerRow[];
  nextCursor: string | null;
  total: number;
  /** Set when `total` is the planner's estimate (more than {@link exactCountLimit} matches). */
  totalIsEstimate?: true;
}

/** Up to this many matches are counted exactly; above it `total` is an estimate. */
export const exactCountLimit = 10_000;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/**
 * One page of a tenant's customers: filtered, sorted by one indexed field then `id` (so ties
 * have a stable order), paged by keyset (the cursor is the last row's `(field, id)`), never
 * by offset: page 1000 costs what page 1 costs. The total is counted on the first page (up to
 * {@link exactCountLimit}, then the planner's estimate) and carried in the cursor.
 */
export async function listCustomers(
  db: Kysely<Database>,
  tenantId: string,
  query: CustomerListQuery,
): Promise<CustomerPage> {
  const sortKey = `${query.sort}:${query.order}`;
  const { column, type } = sortColumns[query.sort];
  const ref = sql.ref(`customers.${column}`);
  const direction = query.order === 'asc' ? sql`asc` : sql`desc`;

  let filtered = db.selectFrom('customers').where('customers.tenant_id', '=', tenantId);
  if (query.riskCategory) filtered = filtered.where('risk_category', '=', query.riskCategory);
  if (query.severity) filtered = filtered.where('risk_severity', '=', query.severity);
  if (query.status) filtered = filtered.where('account_status', '=', query.status);
  if (query.minValue !== undefined) {
    filtered = filtered.where('account_value', '>=', query.minValue / 100);
  }
  if (query.maxValue !== undefined) {
    filtered = filtered.where('account_value', '<=', query.maxValue / 100);
  }
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    filtered = filtered.where((where) =>
      where.or([
        where('customers.name', 'ilike', pattern),
        where('customers.email', 'ilike', pattern),
        where('customers.id', '=', query.q!),
        where('customers.external_id', '=', query.q!),
        where('customers.stripe_customer_id', '=', query.q!),
      ]),
    );
  }

  let page = filtered;
  const position = query.cursor ? decodeCursor(query.cursor, sortKey) : undefined;
  if (position) {
    const after: RawBuilder<boolean> =
      query.order === 'asc'
        ? sql`(${ref}, customers.id) > (cast(${String(position.value)} as ${sql.raw(type)}), ${position.id})`
        : sql`(${ref}, customers.id) < (cast(${String(position.value)} as ${sql.raw(type)}), ${position.id})`;
    page = page.where(after);
  }
  const rows = await page
    .selectAll('customers')
    .select(sql<string>`cast(${ref} as text)`.as('sort_value'))
    .orderBy(sql`${ref} ${direction}`)
    .orderBy(sql`customers.id ${direction}`)
    .limit(query.limit + 1)
    .execute();
  const more = rows.length > query.limit;
  const pageRows = rows.slice(0, query.limit);
  const last = pageRows.at(-1);

  // Counted on the first page; later pages carry that total in their cursor.
  let total = position?.total;
  let estimate = position?.estimate === true;
  if (total === undefined) {
    const counted = await db
      .selectFrom(
        filtered
          .select(sql`1`.as('one'))
          .limit(exactCountLimit + 1)
          .as('matches'),
      )
      .select((eb) => eb.fn.countAll<string | number>().as('count'))
      .executeTakeFirstOrThrow();
    total = Number(counted.count);
    if (total > exactCountLimit) {
      total = Math.max(total, await estimateRows(db, filtered.select('customers.id')));
      estimate = true;
    }
  }

  return {
    customers: await toCustomerRows(db, tenantId, pageRows),
    nextCursor:
      more && last
        ? encodeCursor({ sort: sortKey, value: last.sort_value, id: last.id, total, estimate })
        : null,
    total,
    ...(estimate ? { totalIsEstimate: true as const } : {}),
  };
}

/** The planner's row estimate of a query (`EXPLAIN`), for counts too big to count on each page. */
async function estimateRows(db: Kysely<Database>, query: Compilable): Promise<number> {
  const result = await sql<{ 'QUERY PLAN': unknown }>`explain (format json) ${query}`.execute(db);
  const plan = result.rows[0]?.['QUERY PLAN'];
  const parsed: unknown = typeof plan === 'string' ? JSON.parse(plan) : plan;
  const rows = (parsed as { Plan?: { 'Plan Rows'?: number } }[] | undefined)?.[0]?.Plan?.[
    'Plan Rows'
  ];
  return typeof rows === 'number' ? Math.round(rows) : 0;
}
