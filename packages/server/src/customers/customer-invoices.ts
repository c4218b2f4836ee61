import {
  type CustomerRecord,
  type InvoiceSummary,
  invoicePageUrl,
  type StorageV1,
} from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';
import {
  listProviderInvoices,
  type ProviderInvoicesFailure,
} from '../recovery/provider-invoices.js';
import type { RecoveryService } from '../recovery/recovery-service.js';

/** One invoice of the console's customer page (`GET /api/customers/:id`, `invoices`). Amounts in cents. */
export interface CustomerInvoice {
  /** The provider's invoice id (`in_...`, `SBX-...`'s id), or Churn's own id for a reconstructed one. */
  id: string;
  /** The number printed on the invoice (`ACME-0001`), when the provider gave it one. */
  number?: string;
  status: 'open' | 'paid' | 'void' | 'uncollectible';
  /** The invoice's total, cents. */
  totalCents: number;
  /** What is still owed, cents (0 once paid). */
  amountDueCents: number;
  /** ISO 4217, lowercase. */
  currency: string;
  /** When the invoice was created (provider) or when Churn saw it (failure, recovery); ISO 8601. */
  at: string | null;
  /** When it is due, for invoices sent for manual payment; ISO 8601. */
  dueAt?: string;
  /** When it was paid; ISO 8601. */
  paidAt?: string;
  /** The provider's page of the invoice; only ever an `https:` URL. */
  hostedInvoiceUrl?: string;
}

/** Where the customer page's invoices came from: the provider's, or why Churn's own are shown. */
export type ProviderInvoices =
  | { source: 'provider'; invoices: CustomerInvoice[] }
  | { source: 'churn'; note: string };

/** How many of the provider's newest invoices the customer page shows. */
export const customerInvoicesShown = 10;

const fallback = 'these are the invoices Churn knows of.';

/**
 * The customer's newest invoices from the tenant's payment provider (Stripe, or the sandbox),
 * or why they cannot be shown: a provider that cannot list invoices, a customer not linked to
 * it, a failed call or one slower than `waitMs` (default 4 s; each logged as a warning). The
 * note is for the operator: what happened and what to do. Never throws.
 */
export async function providerInvoicesOf(
  services: { storage: StorageV1; recovery: RecoveryService; logger: ChurnLogger },
  customer: CustomerRecord,
  options: { waitMs?: number } = {},
): Promise<ProviderInvoices> {
  const result = await listProviderInvoices(services.recovery, services.storage, customer, {
    limit: customerInvoicesShown,
    ...(options.waitMs === undefined ? {} : { waitMs: options.waitMs }),
  });
  if (result.ok) return { source: 'provider', invoices: result.invoices.map(toCustomerInvoice) };
  services.logger.warn("Could not list a customer's invoices at the payment provider.", {
    tenantId: customer.tenantId,
    customerId: customer.id,
    failure: result.failure,
    error: result.error,
  });
  return { source: 'churn', note: noteFor(result.failure, result.providerName) };
}

/** An operator's words for why the provider's invoices are not shown, and what to do. */
function noteFor(failure: ProviderInvoicesFailure, providerName: string): string {
  switch (failure) {
    case 'unsupported':
      return `${providerName} cannot list invoices: ${fallback} Use a provider that does (Stripe) to see every invoice here.`;
    case 'not-linked':
      return `This customer is not linked to ${providerName}: run \`churn stripe sync\` (or set their stripeCustomerId) to see their ${providerName} invoices here. Meanwhile, ${fallback}`;
    case 'unknown-customer':
      return `${providerName} has no customer with this customer's id: run \`churn stripe sync\` to link them again. Meanwhile, ${fallback}`;
    case 'refused':
      return `${providerName} refused Churn's API key: check the secret key in the server's settings. Meanwhile, ${fallback}`;
    case 'unreachable':
      return `${providerName} could not be reached just now: ${fallback} Reload the page to try again.`;
  }
}

const cents = (amount: number) => Math.round(amount * 100);

/** A provider's invoice as the customer page shows it. */
export function toCustomerInvoice(invoice: InvoiceSummary): CustomerInvoice {
  const hostedInvoiceUrl = invoicePageUrl(invoice.hostedInvoiceUrl);
  return {
    id: invoice.providerInvoiceId,
    ...(invoice.number ? { number: invoice.number } : {}),
    status: invoice.status,
    totalCents: cents(invoice.total),
    amountDueCents: cents(invoice.amountDue),
    currency: invoice.currency,
    at: invoice.createdAt.toISOString(),
    ...(invoice.dueDate ? { dueAt: invoice.dueDate.toISOString() } : {}),
    ...(invoice.paidAt ? { paidAt: invoice.paidAt.toISOString() } : {}),
    ...(hostedInvoiceUrl ? { hostedInvoiceUrl } : {}),
  };
}
