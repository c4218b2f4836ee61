import type { Kysely, Selectable } from 'kysely';
import type { CustomersTable, Database } from '../storage/database.js';
import { toNumber } from '../storage/storage-helpers.js';

/** A customer as the console's list shows it (`GET /api/customers`). */
export interface CustomerRow {
  id: string;
  externalId: string | null;
  stripeCustomerId: string | null;
  name: string;
  email: string;
  riskCategory: string | null;
  severity: string | null;
  status: string;
  /** The monthly value in the smallest currency unit (cents). */
  monthlyValueCents: number;
  currency: string;
  /** The default payment method's card, when one is known. */
  card: { brand: string; last4: string; expMonth: number; expYear: number } | null;
  /** When the latest recovery conversation (intervention) started. */
  lastInterventionAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/**
 * The public rows of some customers of one tenant: their columns, the default card and the
 * latest intervention, read in two indexed queries for the whole page.
 */
export async function toCustomerRows(
  db: Kysely<Database>,
  tenantId: string,
  rows: readonly Selectable<CustomersTable>[],
): Promise<CustomerRow[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const cards = await db
    .selectFrom('payment_methods')
    .select(['customer_id', 'card_type', 'last_four_digits', 'expiry_month', 'expiry_year'])
    .where('tenant_id', '=', tenantId)
    .where('customer_id', 'in', ids)
    .where('is_default', '=', true)
    .execute();
  const cardOf = new Map(cards.map((card) => [card.customer_id, card]));
  const interventions = await db
    .selectFrom('conversations')
    .select(['customer_id'])
    .select((eb) => eb.fn.max('started_at').as('last'))
    .where('tenant_id', '=', tenantId)
    .where('purpose', '=', 'recovery')
    .where('customer_id', 'in', ids)
    .groupBy('customer_id')
    .execute();
  const lastOf = new Map(interventions.map((row) => [row.customer_id, row.last]));
  return rows.map((row) => {
    const card = cardOf.get(row.id);
    const last = lastOf.get(row.id);
    return {
      id: row.id,
      externalId: row.external_id,
      stripeCustomerId: row.stripe_customer_id,
      name: row.name,
      email: row.email,
      riskCategory: row.risk_category,
      severity: row.risk_severity,
      status: row.account_status,
      monthlyValueCents: Math.round(toNumber(row.account_value) * 100),
      currency: row.currency,
      card: card
        ? {
            brand: card.card_type,
            last4: card.last_four_digits,
            expMonth: card.expiry_month,
            expYear: card.expiry_year,
          }
        : null,
      lastInterventionAt: last ? new Date(last).toISOString() : null,
      createdAt: row.created_at.toISOString(),
      updatedAt: row.updated_at.toISOString(),
    };
  });
}
