import type { AdminRole } from '@churn/core';
import { HttpError } from '../http/http-error.js';
import type { Principal } from './principal.js';

/**
 * What an admin route may require. Named `<area>:<action>`; `read` never changes
 * anything, `write` creates, changes or deletes.
 */
export const permissions = [
  'tenant:read',
  'tenant:write',
  'keys:read',
  'keys:write',
  'identity-secret:rotate',
  'admin-users:read',
  'admin-users:write',
  'customers:read',
  'customers:write',
  'conversations:read',
  'conversations:write',
  'interventions:start',
  'escalations:write',
  'knowledge:read',
  'knowledge:write',
  'integrations:read',
  'integrations:write',
  'analytics:read',
  'retention:read',
  'retention:write',
] as const;

/** One permission of {@link permissions}. */
export type Permission = (typeof permissions)[number];

const everything: readonly Permission[] = permissions;

/**
 * The role → permission table (docs/security.md shows it):
 *
 * - `admin`: everything, including admin users.
 * - `supervisor`: runs the operation: customers, conversations, interventions,
 *   escalations, analytics; reads the docs, integrations and retention periods.
 * - `support-agent`: answers customers: conversations and escalations, reads customers
 *   and docs, starts interventions.
 * - `developer`: integrates: API keys, the identity secret, branding and origins, docs,
 *   integrations (Slack, Discord, webhooks), analytics; reads retention periods; no
 *   customer data.
 *
 * Only `admin` changes retention periods (`retention:write`): they decide what personal data
 * is deleted when.
 *
 * Every role reads the tenant's own settings (`tenant:read`). A tenant's secret key has
 * every permission, like `admin`.
 */
export const permissionsByRole: Readonly<Record<AdminRole, readonly Permission[]>> = {
  admin: everything,
  supervisor: [
    'tenant:read',
    'customers:read',
    'customers:write',
    'conversations:read',
    'conversations:write',
    'interventions:start',
    'escalations:write',
    'knowledge:read',
    'integrations:read',
    'analytics:read',
    'retention:read',
  ],
  'support-agent': [
    'tenant:read',
    'customers:read',
    'conversations:read',
    'conversations:write',
    'interventions:start',
    'escalations:write',
    'knowledge:read',
  ],
  developer: [
    'tenant:read',
    'tenant:write',
    'keys:read',
    'keys:write',
    'identity-secret:rotate',
    'knowledge:read',
    'knowledge:write',
    'integrations:read',
    'integrations:write',
    'analytics:read',
    'retention:read',
  ],
};

/** A principal that acts inside one tenant with admin rights: an admin user or a secret key. */
export type TenantAdminPrincipal = Extract<Principal, { kind: 'admin' | 'secret' }>;

/** The permissions of a principal: a role's, every one for a secret key, none otherwise. */
export function permissionsOf(principal: Principal): readonly Permission[] {
  if (principal.kind === 'secret') return everything;
  if (principal.kind === 'admin') return permissionsByRole[principal.role];
  return [];
}

/** Whether `principal` has `permission`. */
export function hasPermission(principal: Principal, permission: Permission): boolean {
  return permissionsOf(principal).includes(permission);
}

function refuseNonAdmin(principal: Principal): never {
  if (principal.kind === 'publishable') {
    throw new HttpError(
      403,
      'forbidden',
      'A publishable key only reaches the widget routes: call admin routes from your server with a secret key (sk_live_...) or from the console with an admin access token.',
    );
  }
  throw new HttpError(
    403,
    'forbidden',
    'The platform key manages tenants (/api/tenants) only: use the tenant secret key or an admin access token for tenant routes.',
  );
}

/**
 * Checks that `principal` may do what `permission` names, and narrows it to a tenant
 * admin (an admin user or a secret key).
 *
 * @throws HttpError 403 `forbidden` naming the permission and the roles that have it.
 */
export function requirePermission(
  principal: Principal,
  permission: Permission,
): asserts principal is TenantAdminPrincipal {
  if (principal.kind !== 'admin' && principal.kind !== 'secret') refuseNonAdmin(principal);
  if (hasPermission(principal, permission)) return;
  const roles = (Object.keys(permissionsByRole) as AdminRole[]).filter((role) =>
    permissionsByRole[role].includes(permission),
  );
  throw new HttpError(
    403,
    'forbidden',
    `This needs the "${permission}" permission, which the ${principal.kind === 'admin' ? `"${principal.role}"` : 'current'} role does not have; roles that have it: ${roles.join(', ')}. Ask an admin of the tenant.`,
  );
}

/**
 * Checks that `principal` is an admin user with one of `roles`, or a tenant secret key
 * (which counts as `admin`).
 *
 * @throws HttpError 403 `forbidden` naming the roles allowed.
 */
export function requireRole(
  principal: Principal,
  roles: readonly AdminRole[],
): asserts principal is TenantAdminPrincipal {
  if (principal.kind !== 'admin' && principal.kind !== 'secret') refuseNonAdmin(principal);
  const role: AdminRole = principal.kind === 'secret' ? 'admin' : principal.role;
  if (roles.includes(role)) return;
  throw new HttpError(
    403,
    'forbidden',
    `This needs one of the roles ${roles.join(', ')}; you are signed in as "${role}". Ask an admin of the tenant.`,
  );
}
