import { ChurnError, type CustomerRecord, type InvoiceSummary, type StorageV1 } from '@churn/core';
import type { ChurnLogger } from '../http/error-to-response.js';
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

/**
 * How long the customer page waits for the provider's invoices before showing Churn's own
 * (ms). The provider keeps its own timeout and retries; this only keeps the page quick.
 */
export const customerInvoicesWaitMs = 4_000;

const fallback = 'these are the invoices Churn knows of.';

/**
 * The customer's newest invoices from the tenant's payment provider (Stripe, or the sandbox),
 * or why they cannot be shown: a provider that cannot list invoices, a customer not linked to
 * it, a failed call or one slower than {@link customerInvoicesWaitMs} (each logged as a
 * warning). The note is for the operator: what happened and what to do. Never throws.
 */
export async function providerInvoicesOf(
  services: { storage: StorageV1; recovery: RecoveryService; logger: ChurnLogger },
  customer: CustomerRecord,
  options: { waitMs?: number } = {},
): Promise<ProviderInvoices> {
  const { recovery, logger } = services;
  const context = { tenantId: customer.tenantId, customerId: customer.id };
  let providerName = 'The payment provider';
  try {
    const provider = await recovery.providerFor(services.storage, customer.tenantId);
    providerName = displayName(provider.provider);
    if (!provider.doListInvoices) {
      logger.warn('The payment provider cannot list invoices: showing the ones Churn knows of.', {
        ...context,
        provider: provider.provider,
      });
      return {
        source: 'churn',
        note: `${providerName} cannot list invoices: ${fallback} Use a provider that does (Stripe) to see every invoice here.`,
      };
    }
    const customerId = recovery.providerCustomerId(provider, customer);
    const summaries = await withinMs(
      provider.doListInvoices({ customerId, limit: customerInvoicesShown }),
      options.waitMs ?? customerInvoicesWaitMs,
      providerName,
    );
    return { source: 'provider', invoices: summaries.map(toCustomerInvoice) };
  } catch (error) {
    logger.warn("Could not list a customer's invoices at the payment provider.", {
      ...context,
      error,
    });
    return { source: 'churn', note: noteFor(error, providerName) };
  }
}

/** An operator's words for why the provider's invoices are not shown, and what to do. */
function noteFor(error: unknown, providerName: string): string {
  const code = ChurnError.isInstance(error) ? error.code : undefined;
  switch (code) {
    case 'conflict':
      return `This customer is not linked to ${providerName}: run \`churn stripe sync\` (or set their stripeCustomerId) to see their ${providerName} invoices here. Meanwhile, ${fallback}`;
    case 'not_found':
      return `${providerName} has no customer with this customer's id: run \`churn stripe sync\` to link them again. Meanwhile, ${fallback}`;
    case 'configuration':
    case 'unauthorized':
    case 'forbidden':
      return `${providerName} refused Churn's API key: check the secret key in the server's settings. Meanwhile, ${fallback}`;
    default:
      return `${providerName} could not be reached just now: ${fallback} Reload the page to try again.`;
  }
}

function displayName(provider: string): string {
  if (provider === 'stripe') return 'Stripe';
  if (provider === 'sandbox') return 'The sandbox';
  return provider ? provider.charAt(0).toUpperCase() + provider.slice(1) : 'The payment provider';
}

/** The promise's value, or a `timeout` error after `ms` (the call itself is left to finish). */
async function withinMs<T>(promise: Promise<T>, ms: number, providerName: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ChurnError(
            'timeout',
            `${providerName} did not list the invoices within ${ms} ms: showing the ones Churn knows of.`,
          ),
        ),
      ms,
    );
    timer.unref?.();
  });
  // A late failure after the timeout is already handled: do not let it go unhandled.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const cents = (amount: number) => Math.round(amount * 100);

function httpsUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return new URL(value).protocol === 'https:' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** A provider's invoice as the customer page shows it. */
export function toCustomerInvoice(invoice: InvoiceSummary): CustomerInvoice {
  const hostedInvoiceUrl = httpsUrl(invoice.hostedInvoiceUrl);
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
