import {
  type CustomerRecord,
  daysUntilCardExpiry,
  type PaymentMethodRecord,
  type StorageV1,
} from '@churn/core';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../storage/database.js';

/**
 * The rules a tenant configures to start a recovery conversation on their own when a webhook
 * or the sync marks a customer at-risk. Every rule is off until the tenant turns it on.
 */
export const InterventionRulesSchema = z.strictObject({
  /** A failed payment of a customer worth at least `minAccountValue` a month. */
  failedPayment: z
    .strictObject({
      enabled: z.boolean({ error: 'must be true or false' }),
      minAccountValue: z
        .number({ error: 'must be a number (monthly value, major units)' })
        .min(0, { error: 'must be 0 or more' })
        .default(0),
    })
    .default({ enabled: false, minAccountValue: 0 }),
  /** A card that expires within `withinDays` (expired cards count). */
  expiringCard: z
    .strictObject({
      enabled: z.boolean({ error: 'must be true or false' }),
      withinDays: z
        .number({ error: 'must be a number of days' })
        .int({ error: 'must be a whole number of days' })
        .min(0, { error: 'must be 0 or more' })
        .max(365, { error: 'must be at most 365' })
        .default(30),
      /**
       * Skip cards the networks' account updater will likely refresh (Visa and Mastercard that
       * have not expired yet): Stripe updates them without the customer.
       */
      skipLikelyAutoUpdated: z.boolean({ error: 'must be true or false' }).default(true),
    })
    .default({ enabled: false, withinDays: 30, skipLikelyAutoUpdated: true }),
  /**
   * The publishable key (`pk_...`) the hosted recovery page embeds the widget with. Publishable
   * keys are public by design; without one, signed links cannot open the chat.
   */
  linkPublishableKey: z
    .string({ error: 'must be a string' })
    .regex(/^pk_[A-Za-z0-9_-]{8,200}$/, { error: 'must be a publishable key (pk_...)' })
    .optional(),
});

/** A tenant's intervention rules. */
export type InterventionRules = z.output<typeof InterventionRulesSchema>;

/** The rules of a tenant that configured none: nothing starts on its own. */
export const defaultInterventionRules: InterventionRules = InterventionRulesSchema.parse({});

function kyselyOf(storage: StorageV1): Kysely<Database> | undefined {
  const db = (storage as { db?: unknown }).db;
  return typeof db === 'object' && db !== null && 'selectFrom' in db
    ? (db as Kysely<Database>)
    : undefined;
}

const memoryRules = new WeakMap<StorageV1, Map<string, InterventionRules>>();

/** Reads a tenant's rules (migration 006's `recovery_intervention_rules`), or the defaults. */
export async function loadInterventionRules(
  storage: StorageV1,
  tenantId: string,
): Promise<InterventionRules> {
  const db = kyselyOf(storage);
  if (!db) return memoryRules.get(storage)?.get(tenantId) ?? defaultInterventionRules;
  const result = await sql<{ rules: unknown }>`
    select rules from recovery_intervention_rules where tenant_id = ${tenantId}`.execute(db);
  const row = result.rows[0];
  if (!row) return defaultInterventionRules;
  const parsed = InterventionRulesSchema.safeParse(row.rules);
  return parsed.success ? parsed.data : defaultInterventionRules;
}

/** Replaces a tenant's rules. */
export async function saveInterventionRules(
  storage: StorageV1,
  tenantId: string,
  rules: InterventionRules,
): Promise<InterventionRules> {
  const db = kyselyOf(storage);
  if (!db) {
    const map = memoryRules.get(storage) ?? new Map<string, InterventionRules>();
    memoryRules.set(storage, map);
    map.set(tenantId, rules);
    return rules;
  }
  const json = JSON.stringify(rules);
  await sql`
    insert into recovery_intervention_rules (tenant_id, rules, updated_at)
    values (${tenantId}, ${json}::jsonb, now())
    on conflict (tenant_id) do update set rules = excluded.rules, updated_at = now()`.execute(db);
  return rules;
}

/** Whether the card networks will likely refresh this card without the customer. */
export function isLikelyAutoUpdated(card: PaymentMethodRecord, now: Date): boolean {
  return (
    (card.cardType === 'visa' || card.cardType === 'mastercard') &&
    daysUntilCardExpiry(card, now) >= 0
  );
}

/**
 * Which rule (if any) starts an intervention for this at-risk customer: `failed-payment` when
 * the payment failed and the account is worth at least the minimum, `expiring-card` when the
 * default card expires within N days and will likely not be updated by the networks.
 */
export function matchInterventionRule(
  rules: InterventionRules,
  customer: CustomerRecord,
  paymentMethods: readonly PaymentMethodRecord[],
  now: Date,
): 'failed-payment' | 'expiring-card' | undefined {
  if (customer.accountStatus !== 'at-risk') return undefined;
  if (customer.riskCategory === 'failed-payment') {
    return rules.failedPayment.enabled &&
      customer.accountValue >= rules.failedPayment.minAccountValue
      ? 'failed-payment'
      : undefined;
  }
  if (customer.riskCategory === 'expiring-card' && rules.expiringCard.enabled) {
    const card = paymentMethods.find((method) => method.isDefault) ?? paymentMethods[0];
    if (!card) return undefined;
    if (daysUntilCardExpiry(card, now) > rules.expiringCard.withinDays) return undefined;
    if (rules.expiringCard.skipLikelyAutoUpdated && isLikelyAutoUpdated(card, now)) {
      return undefined;
    }
    return 'expiring-card';
  }
  return undefined;
}
