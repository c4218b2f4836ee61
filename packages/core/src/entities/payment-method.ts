import { z } from 'zod';
import { type Clock, systemClock } from '../clock.js';
import { cardTypes, paymentMethodStatuses } from './enums.js';
import { expecting, IdSchema, integerAtLeast, TimestampSchema } from './fields.js';

/** Settings of {@link createPaymentMethodSchema}. */
export interface PaymentMethodSchemaSettings {
  /** Where "now" comes from for the expiry-year rule. Defaults to the system clock. */
  clock?: Clock;
}

/**
 * Builds the payment-method schema. The expiry year must be the current year or
 * later, where "current" is the UTC year of `clock()` read at parse time (so one
 * schema stays right across a new year).
 */
export function createPaymentMethodSchema(settings: PaymentMethodSchemaSettings = {}) {
  const clock = settings.clock ?? systemClock;
  return z.object({
    id: IdSchema,
    tenantId: IdSchema,
    customerId: IdSchema,
    cardType: z.enum(cardTypes, {
      error: expecting('must be one of: visa, mastercard, amex, discover'),
    }),
    lastFourDigits: z
      .string({ error: expecting('must be exactly 4 digits, like 4242') })
      .regex(/^[0-9]{4}$/, { error: 'must be exactly 4 digits, like 4242' }),
    expiryMonth: z
      .number({ error: expecting('must be a month number from 1 to 12') })
      .int({ error: 'must be a month number from 1 to 12' })
      .min(1, { error: 'must be a month number from 1 to 12' })
      .max(12, { error: 'must be a month number from 1 to 12' }),
    expiryYear: z
      .number({ error: expecting('must be a four-digit year, this year or later') })
      .int({ error: 'must be a four-digit year, this year or later' })
      .superRefine((year, context) => {
        const currentYear = clock().getUTCFullYear();
        if (year < currentYear) {
          context.addIssue({
            code: 'custom',
            message: `must be ${currentYear} or later: the card has already expired`,
          });
        }
      }),
    status: z.enum(paymentMethodStatuses, {
      error: expecting('must be one of: active, expired, failed, invalid'),
    }),
    failureCount: integerAtLeast(0),
    lastFailureDate: TimestampSchema.optional(),
    /** Last successful charge; absent for a card that was never charged. */
    lastSuccessDate: TimestampSchema.optional(),
  });
}

/** The payment-method schema against the system clock (read at parse time). */
export const PaymentMethodSchema = createPaymentMethodSchema();

/** A validated payment method: a card's brand, last four digits and expiry, never its number. */
export type PaymentMethod = z.output<typeof PaymentMethodSchema>;
/** What {@link PaymentMethodSchema} accepts. */
export type PaymentMethodInput = z.input<typeof PaymentMethodSchema>;
