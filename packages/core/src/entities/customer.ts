import { z } from 'zod';
import { accountStatuses, riskCategories, riskSeverities } from './enums.js';
import {
  alwaysRun,
  EmailSchema,
  expecting,
  IdSchema,
  nonEmptyText,
  TimestampSchema,
} from './fields.js';

/**
 * A phone number as people write it: an optional leading `+`, then 5 to 20 digits
 * with optional spaces, dots, dashes or brackets, like `+1 415-555-0100`.
 */
export const PhoneSchema = z
  .string({ error: expecting('must be a phone number like +1 415 555 0100') })
  .refine((value) => /^\+?[0-9 ().-]+$/.test(value) && /^(?:\D*\d){5,20}\D*$/.test(value), {
    error: 'must be a phone number like +1 415 555 0100 (5 to 20 digits)',
  });

/**
 * A customer of a tenant that the recovery flow watches (churn-prevention seed,
 * plus `tenantId`). `riskCategory` and `riskSeverity` are required while the
 * customer is `at-risk` and kept afterwards as history.
 */
export const CustomerSchema = z
  .object({
    id: IdSchema,
    tenantId: IdSchema,
    name: nonEmptyText(255),
    email: EmailSchema,
    phone: PhoneSchema.optional(),
    accountStatus: z.enum(accountStatuses, {
      error: expecting('must be one of: active, at-risk, resolved, churned'),
    }),
    riskCategory: z
      .enum(riskCategories, {
        error: expecting('must be expiring-card or failed-payment (the two supported scenarios)'),
      })
      .optional(),
    riskSeverity: z
      .enum(riskSeverities, { error: expecting('must be one of: low, medium, high') })
      .optional(),
    /** Last successful payment; absent when the customer has never paid (a first charge that failed). */
    lastPaymentDate: TimestampSchema.optional(),
    /** Monthly subscription value in major units of the tenant's currency (49.5 = $49.50). */
    accountValue: z
      .number({ error: expecting('must be a positive number (the monthly value, like 49)') })
      .positive({ error: 'must be a positive number (the monthly value, like 49)' }),
    customerSince: TimestampSchema,
  })
  .superRefine((customer, context) => {
    if (customer.accountStatus !== 'at-risk') return;
    if (customer.riskCategory === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['riskCategory'],
        message: 'is required while accountStatus is at-risk: expiring-card or failed-payment',
      });
    }
    if (customer.riskSeverity === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['riskSeverity'],
        message: 'is required while accountStatus is at-risk: low, medium or high',
      });
    }
  }, alwaysRun);

/** A validated customer. */
export type Customer = z.output<typeof CustomerSchema>;
/** What {@link CustomerSchema} accepts (dates as ISO strings or `Date`). */
export type CustomerInput = z.input<typeof CustomerSchema>;
