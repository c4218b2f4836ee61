import { ValidationError } from '../../errors/validation-error.js';

/** Default of `limit` in `PaymentProviderV1.doListInvoices`. */
export const DEFAULT_INVOICE_LIST_LIMIT = 10;
/** Largest `limit` of `PaymentProviderV1.doListInvoices` (Stripe's page size cap). */
export const MAX_INVOICE_LIST_LIMIT = 100;

/**
 * Checks the options of `doListInvoices` the same way in every provider, before any request:
 * `customerId` must be a non-empty string (an empty one would list every customer's invoices at
 * Stripe), `limit` an integer from 1 to 100 (default 10).
 * @throws {ValidationError} listing every problem found.
 */
export function validateListInvoicesOptions(options: { customerId: string; limit?: number }): {
  customerId: string;
  limit: number;
} {
  const issues: { path: string[]; message: string }[] = [];
  const { customerId, limit = DEFAULT_INVOICE_LIST_LIMIT } = options;
  if (typeof customerId !== 'string' || customerId.trim() === '') {
    issues.push({
      path: ['customerId'],
      message: "must be the provider's customer id (like cus_...), not empty",
    });
  }
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_INVOICE_LIST_LIMIT) {
    issues.push({
      path: ['limit'],
      message: `must be a whole number from 1 to ${MAX_INVOICE_LIST_LIMIT}, got ${String(limit)}: leave it out for the latest ${DEFAULT_INVOICE_LIST_LIMIT}`,
    });
  }
  if (issues.length > 0) throw new ValidationError('invoice listing', issues);
  return { customerId, limit };
}
