import {
  adminRoles,
  CustomBrandingSchema,
  EmailSchema,
  IdSchema,
  OriginSchema,
  ValidationError,
} from '@churn/core';
import { z } from 'zod';
import { limitParameter, offsetParameter } from '../http/page-query.js';
import { passwordLimits } from '../identity/password-hash.js';

/** A display name: 1 to 255 characters, not only spaces. */
export const NameSchema = z
  .string({ error: 'must be text' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(255, { error: 'must be at most 255 characters' });

/** A monthly usage quota: a whole number of chat turns, 0 or more. */
export const UsageQuotaSchema = z
  .number({ error: 'must be a whole number of chat turns per month, like 10000' })
  .int({ error: 'must be a whole number of chat turns per month, like 10000' })
  .min(0, { error: 'must be 0 or more' })
  .max(2_000_000_000, { error: 'must be at most 2000000000' });

/** Origins allowed to embed the widget, at most 100, each like `https://shop.example.com`. */
export const AllowedOriginsSchema = z
  .array(OriginSchema, { error: 'must be a list of origins like ["https://shop.example.com"]' })
  .max(100, { error: 'must hold at most 100 origins' })
  .transform((origins) => [...new Set(origins)]);

/** A password: 12 to 256 characters. */
export const PasswordSchema = z
  .string({ error: 'must be text' })
  .min(passwordLimits.min, { error: `must be at least ${passwordLimits.min} characters` })
  .max(passwordLimits.max, { error: `must be at most ${passwordLimits.max} characters` });

/** An admin role. */
export const AdminRoleSchema = z.enum(adminRoles, {
  error: 'must be one of: admin, supervisor, support-agent, developer',
});

/** A new admin user: name, email, role and (for password sign-in) a password. */
export const NewAdminUserSchema = z.strictObject({
  name: NameSchema,
  email: EmailSchema,
  role: AdminRoleSchema.default('admin'),
  password: PasswordSchema.optional(),
});

/** Body of `POST /api/tenants`. */
export const CreateTenantSchema = z.strictObject({
  id: IdSchema.optional(),
  name: NameSchema,
  usageQuota: UsageQuotaSchema.optional(),
  customBranding: CustomBrandingSchema.optional(),
  allowedOrigins: AllowedOriginsSchema.optional(),
  /** The tenant's first admin user, so someone can sign in to the console. */
  admin: NewAdminUserSchema.optional(),
});

/** What {@link CreateTenantSchema} gives. */
export type CreateTenantInput = z.output<typeof CreateTenantSchema>;

/** Body of `PATCH /api/tenants/:tenantId` (platform): every setting, quota included. */
export const UpdateTenantSchema = z
  .strictObject({
    name: NameSchema.optional(),
    usageQuota: UsageQuotaSchema.optional(),
    customBranding: CustomBrandingSchema.nullable().optional(),
    allowedOrigins: AllowedOriginsSchema.optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, {
    error: 'must change something: name, usageQuota, customBranding or allowedOrigins',
  });

/** What {@link UpdateTenantSchema} gives. */
export type UpdateTenantInput = z.output<typeof UpdateTenantSchema>;

/**
 * Body of `PATCH /api/tenant` (the tenant itself): name, branding and origins. The quota is
 * the platform's to set, so it is refused here with a message saying where to change it.
 */
export const UpdateOwnTenantSchema = z
  .strictObject({
    name: NameSchema.optional(),
    customBranding: CustomBrandingSchema.nullable().optional(),
    allowedOrigins: AllowedOriginsSchema.optional(),
    usageQuota: z
      .unknown()
      .refine(() => false, {
        error:
          'is set by the platform operator: PATCH /api/tenants/:tenantId with the platform key, or `churn tenants update --quota`',
      })
      .optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, {
    error: 'must change something: name, customBranding or allowedOrigins',
  });

/** Body of `POST /api/keys`. */
export const CreateApiKeySchema = z.strictObject({
  scope: z.enum(['secret', 'publishable'], {
    error: 'must be "secret" (servers) or "publishable" (the widget)',
  }),
  name: NameSchema.optional(),
});

/** Longest grace period of a key rotation: 7 days. */
export const maxGracePeriodSeconds = 7 * 24 * 60 * 60;

/** Body of `POST /api/keys/:id/rotate` (optional). */
export const RotateApiKeySchema = z.strictObject({
  gracePeriodSeconds: z
    .number({ error: 'must be a number of seconds' })
    .int({ error: 'must be a whole number of seconds' })
    .min(0, { error: 'must be 0 (revoke the old key at once) or more' })
    .max(maxGracePeriodSeconds, { error: 'must be at most 604800 (7 days)' })
    .default(0),
});

/** Paging query of list routes: `?limit=&offset=`. */
export const PageQuerySchema = z.object({
  limit: limitParameter(1000, 100),
  offset: offsetParameter,
});

function parseWith<TSchema extends z.ZodType>(
  schema: TSchema,
  value: unknown,
  subject: string,
): z.output<TSchema> {
  const result = schema.safeParse(value);
  if (!result.success) throw ValidationError.fromZod(subject, result.error);
  return result.data;
}

/** Validates a new tenant (what `POST /api/tenants` takes). @throws ValidationError listing every problem. */
export function parseCreateTenantInput(value: unknown): CreateTenantInput {
  return parseWith(CreateTenantSchema, value, 'tenant');
}

/** Validates tenant changes (what `PATCH /api/tenants/:tenantId` takes). @throws ValidationError listing every problem. */
export function parseUpdateTenantInput(value: unknown): UpdateTenantInput {
  return parseWith(UpdateTenantSchema, value, 'tenant changes');
}
