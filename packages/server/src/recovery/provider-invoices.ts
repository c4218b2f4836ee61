import { ChurnError, type CustomerRecord, type InvoiceSummary, type StorageV1 } from '@churn/core';
import type { RecoveryService } from './recovery-service.js';

/**
 * How long a reader waits for the provider's invoices (ms) before it answers without them.
 * The provider keeps its own timeout and retries (Stripe: 30 s an attempt); this keeps the
 * chat and the console quick when it is slow.
 */
export const providerInvoicesWaitMs = 4_000;

/** Why the provider's invoices could not be read. */
export type ProviderInvoicesFailure =
  /** The provider has no `doListInvoices`. */
  | 'unsupported'
  /** The customer is not linked to the provider (no `stripeCustomerId`). */
  | 'not-linked'
  /** The provider knows no customer with the linked id. */
  | 'unknown-customer'
  /** The provider refused Churn's key. */
  | 'refused'
  /** Anything else: down, slow (past the wait), a bad answer. */
  | 'unreachable';

/** What {@link listProviderInvoices} found. `providerName` is for people: `Stripe`, `The sandbox`. */
export type ProviderInvoicesResult =
  | { ok: true; providerName: string; invoices: InvoiceSummary[] }
  | { ok: false; providerName: string; failure: ProviderInvoicesFailure; error?: unknown };

/**
 * A customer's newest invoices at the tenant's payment provider (Stripe, or the sandbox,
 * which adds the customer on first use), waiting at most `waitMs` (default
 * {@link providerInvoicesWaitMs}; a slower call is left to finish, its outcome ignored).
 * Never throws: a failure says why, for the caller's words (the chat's answer, the console's
 * note) and log.
 */
export async function listProviderInvoices(
  recovery: RecoveryService,
  storage: StorageV1,
  customer: CustomerRecord,
  options: { limit: number; waitMs?: number },
): Promise<ProviderInvoicesResult> {
  let providerName = 'The payment provider';
  try {
    const provider = await recovery.providerFor(storage, customer.tenantId);
    providerName = displayName(provider.provider);
    if (!provider.doListInvoices) return { ok: false, providerName, failure: 'unsupported' };
    const customerId = recovery.providerCustomerId(provider, customer);
    const invoices = await withinMs(
      provider.doListInvoices({ customerId, limit: options.limit }),
      options.waitMs ?? providerInvoicesWaitMs,
    );
    return { ok: true, providerName, invoices };
  } catch (error) {
    return { ok: false, providerName, failure: failureOf(error), error };
  }
}

function failureOf(error: unknown): ProviderInvoicesFailure {
  switch (ChurnError.isInstance(error) ? error.code : undefined) {
    case 'conflict':
      return 'not-linked';
    case 'not_found':
      return 'unknown-customer';
    case 'configuration':
    case 'unauthorized':
    case 'forbidden':
      return 'refused';
    default:
      return 'unreachable';
  }
}

function displayName(provider: string): string {
  if (provider === 'stripe') return 'Stripe';
  if (provider === 'sandbox') return 'The sandbox';
  return provider ? provider.charAt(0).toUpperCase() + provider.slice(1) : 'The payment provider';
}

/** The promise's value, or a `timeout` error after `ms` (the call itself is left to finish). */
async function withinMs<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new ChurnError('timeout', `The invoices were not listed within ${ms} ms.`)),
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
