import { z } from 'zod';
import { ValidationError } from '../errors/validation-error.js';
import { adminRoles } from './enums.js';
import { EmailSchema, expecting, IdSchema, nonEmptyText, TimestampSchema } from './fields.js';
import { type Duplicate, duplicateIssues, findDuplicates } from './unique-ids.js';

/**
 * An operator of a tenant: the churn-prevention seed's AdminUser with one role set
 * for both seeds (admin, supervisor, support-agent, developer).
 */
export const AdminUserSchema = z.object({
  id: IdSchema,
  tenantId: IdSchema,
  name: nonEmptyText(255),
  email: EmailSchema,
  role: z.enum(adminRoles, {
    error: expecting('must be one of: admin, supervisor, support-agent, developer'),
  }),
  /** Most recent sign-in; absent until the first one. */
  lastLoginTime: TimestampSchema.optional(),
});

/** A validated admin user. */
export type AdminUser = z.output<typeof AdminUserSchema>;
/** What {@link AdminUserSchema} accepts. */
export type AdminUserInput = z.input<typeof AdminUserSchema>;

/**
 * Emails used by more than one admin user of the same tenant, compared without
 * regard to letter case. The value reported is `tenantId email` in lowercase.
 */
export function findDuplicateAdminEmails(
  adminUsers: readonly Pick<AdminUser, 'tenantId' | 'email'>[],
): Duplicate[] {
  return findDuplicates(adminUsers, (user) => `${user.tenantId} ${user.email.toLowerCase()}`);
}

/** Throws a {@link ValidationError} naming every admin user whose email is already taken in its tenant. */
export function assertUniqueAdminEmails(
  adminUsers: readonly Pick<AdminUser, 'tenantId' | 'email'>[],
): void {
  const issues = duplicateIssues(findDuplicateAdminEmails(adminUsers), 'email');
  if (issues.length > 0) throw new ValidationError('AdminUser list', issues);
}
