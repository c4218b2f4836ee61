import { z } from 'zod';
import {
  alwaysRun,
  expecting,
  HexColorSchema,
  HttpsUrlSchema,
  IdSchema,
  integerAtLeast,
  isValidDate,
  nonEmptyText,
  OriginSchema,
  TimestampSchema,
} from './fields.js';

/** Monthly usage quota a tenant gets when none is set (the seed's column default). */
export const defaultUsageQuota = 10_000;

/**
 * How the chat widget looks for a tenant. Every field is optional; unknown keys
 * are rejected so a typo (`primaryColour`) is reported rather than ignored.
 */
export const CustomBrandingSchema = z.strictObject(
  {
    /** Name shown in the chat header. */
    name: nonEmptyText(100).optional(),
    /** First line the assistant says. */
    greeting: nonEmptyText(500).optional(),
    /** Logo shown in the chat header; https only. */
    logoUrl: HttpsUrlSchema.optional(),
    primaryColor: HexColorSchema.optional(),
    backgroundColor: HexColorSchema.optional(),
    textColor: HexColorSchema.optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `has unknown keys (${issue.keys.join(', ')}): use name, greeting, logoUrl, primaryColor, backgroundColor, textColor`
        : 'must be an object like { "primaryColor": "#635bff" }',
  },
);

/** A tenant's validated branding. */
export type CustomBranding = z.output<typeof CustomBrandingSchema>;

/**
 * A company that uses Churn (support-agent seed). `apiKey` is what the seed names;
 * the server stores only a hash of it and never returns it after creation.
 */
export const TenantSchema = z
  .object({
    id: IdSchema,
    name: nonEmptyText(255),
    apiKey: z
      .string({ error: expecting('must be an API key (text)') })
      .min(16, { error: 'must be at least 16 characters' })
      .max(255, { error: 'must be at most 255 characters' })
      .regex(/^\S+$/, { error: 'must not contain spaces' }),
    /** Monthly usage limit (answered messages); defaults to 10000. */
    usageQuota: integerAtLeast(0).default(defaultUsageQuota),
    customBranding: CustomBrandingSchema.optional(),
    /** Origins allowed to embed the widget, like `https://shop.example.com`. */
    allowedOrigins: z
      .array(OriginSchema, { error: expecting('must be a list of origins') })
      .default([]),
    createdAt: TimestampSchema,
    updatedAt: TimestampSchema,
  })
  .superRefine((tenant, context) => {
    if (
      isValidDate(tenant.createdAt) &&
      isValidDate(tenant.updatedAt) &&
      tenant.updatedAt < tenant.createdAt
    ) {
      context.addIssue({
        code: 'custom',
        path: ['updatedAt'],
        message: 'must not be before createdAt',
      });
    }
  }, alwaysRun);

/** A validated tenant. */
export type Tenant = z.output<typeof TenantSchema>;
/** What {@link TenantSchema} accepts (`usageQuota` and `allowedOrigins` may be left out). */
export type TenantInput = z.input<typeof TenantSchema>;
