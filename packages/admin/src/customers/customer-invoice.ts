import { formatDate, formatMoney, humanize } from '../elements/format.js';

/** One row of the customer page's Invoices table, ready to show. */
export interface CustomerInvoiceRow {
  /** React/Lit key: the invoice's id. */
  id: string;
  /** The printed number (`ACME-0001`), else the id. */
  number: string;
  /** The provider's page of the invoice: only an `https:` URL, else undefined. */
  hostedInvoiceUrl?: string | undefined;
  /** `Nov 3, 2026`, or `—`. */
  date: string;
  /** `$49.00`, or `—`. */
  total: string;
  /** `Paid`, `Void`, `Uncollectible`, `Open, $49.00 due`. */
  status: string;
}

type Raw = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value ? value : undefined;
const number = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const centsOf = (raw: Raw, cents: string, major: string): number | undefined => {
  const inCents = number(raw[cents]);
  if (inCents !== undefined) return inCents;
  const inMajor = number(raw[major]);
  return inMajor === undefined ? undefined : Math.round(inMajor * 100);
};

function httpsUrl(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Reads an invoice of `GET /api/customers/{id}` into a {@link CustomerInvoiceRow}: the number
 * (linked to the hosted page when there is an `https:` one), the date, the total and the status
 * in words, with what is still due for an open invoice. Older servers' shapes (`amountDueCents`
 * alone, major-unit `amountDue`, `createdAt`) read too. `currency` is the customer's, for
 * invoices that carry none.
 */
export function toCustomerInvoiceRow(value: unknown, currency = 'usd'): CustomerInvoiceRow {
  const raw: Raw = typeof value === 'object' && value !== null ? (value as Raw) : {};
  const id = text(raw.id) ?? text(raw.providerInvoiceId) ?? '';
  const invoiceCurrency = text(raw.currency) ?? currency;
  const due = centsOf(raw, 'amountDueCents', 'amountDue');
  const total = centsOf(raw, 'totalCents', 'total') ?? due;
  const status = text(raw.status) ?? '';
  return {
    id,
    number: text(raw.number) ?? id,
    hostedInvoiceUrl: httpsUrl(text(raw.hostedInvoiceUrl)),
    date: formatDate(text(raw.at) ?? text(raw.createdAt)),
    total: formatMoney(total, invoiceCurrency),
    status:
      status === 'open' && due !== undefined && due > 0
        ? `Open, ${formatMoney(due, invoiceCurrency)} due`
        : humanize(status),
  };
}
