/** A customer as the console shows it (from `GET /api/customers` and `/api/customers/{id}`). */
export interface CustomerRow {
  id: string;
  externalId?: string | undefined;
  name: string;
  email: string;
  riskCategory?: string | undefined;
  severity?: string | undefined;
  status: string;
  /** Monthly value in minor units (cents). */
  monthlyValueCents?: number | undefined;
  currency: string;
  card?:
    | {
        brand?: string | undefined;
        last4?: string | undefined;
        expMonth?: number | undefined;
        expYear?: number | undefined;
      }
    | undefined;
  lastInterventionAt?: string | undefined;
  updatedAt?: string | undefined;
}

type Raw = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value : undefined;
const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const record = (value: unknown): Raw | undefined =>
  typeof value === 'object' && value !== null ? (value as Raw) : undefined;

/**
 * Reads a customer of the API into a {@link CustomerRow}. Accepts the entity's own field
 * names too (`accountStatus`, `riskSeverity`, `accountValue` in major units), so the console
 * works with either shape the server answers.
 */
export function toCustomerRow(value: unknown): CustomerRow {
  const raw = record(value) ?? {};
  const card = record(raw.card) ?? record(raw.defaultPaymentMethod) ?? record(raw.paymentMethod);
  const cents =
    number(raw.monthlyValueCents) ??
    number(raw.monthlyValue) ??
    number(raw.valueCents) ??
    (number(raw.accountValue) !== undefined
      ? Math.round((number(raw.accountValue) as number) * 100)
      : undefined);
  return {
    id: text(raw.id) ?? '',
    externalId: text(raw.externalId) ?? text(raw.stripeCustomerId),
    name: text(raw.name) ?? '(no name)',
    email: text(raw.email) ?? '',
    riskCategory: text(raw.riskCategory),
    severity: text(raw.severity) ?? text(raw.riskSeverity),
    status: text(raw.status) ?? text(raw.accountStatus) ?? 'unknown',
    monthlyValueCents: cents,
    currency: text(raw.currency) ?? 'usd',
    card: card
      ? {
          brand: text(card.brand) ?? text(card.cardBrand),
          last4: text(card.last4) ?? text(card.lastFour),
          expMonth: number(card.expMonth) ?? number(card.expiryMonth),
          expYear: number(card.expYear) ?? number(card.expiryYear),
        }
      : text(raw.cardLast4)
        ? {
            brand: text(raw.cardBrand),
            last4: text(raw.cardLast4),
            expMonth: number(raw.cardExpMonth),
            expYear: number(raw.cardExpYear),
          }
        : undefined,
    lastInterventionAt: text(raw.lastInterventionAt),
    updatedAt: text(raw.updatedAt),
  };
}

/** `visa ···· 4242, 04/27`. */
export function describeCard(card: CustomerRow['card']): string {
  if (!card?.last4) return '—';
  const expiry =
    card.expMonth && card.expYear
      ? `, ${String(card.expMonth).padStart(2, '0')}/${String(card.expYear).slice(-2)}`
      : '';
  return `${card.brand ?? 'card'} ···· ${card.last4}${expiry}`;
}
