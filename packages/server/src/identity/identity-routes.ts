import type { AdminRole, StorageV1 } from '@churn/core';
import { EmailSchema, IdSchema } from '@churn/core';
import { z } from 'zod';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route } from '../http/router.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import { toAdminUserView } from '../tenants/tenant-admin.js';
import {
  AdminRoleSchema,
  NameSchema,
  NewAdminUserSchema,
  PageQuerySchema,
  PasswordSchema,
} from '../tenants/tenant-schemas.js';
import { refreshAdminSession, signInAdmin, signOutAdmin } from './admin-session.js';
import { authenticateRoute, serverSecretOf } from './authenticate.js';
import { hashPassword } from './password-hash.js';
import { permissionsOf, requirePermission } from './permissions.js';

const noStore = { 'cache-control': 'no-store' } as const;

/** Body of `POST /api/auth/sign-in`. */
export const SignInSchema = z.strictObject({
  tenantId: IdSchema,
  email: EmailSchema,
  password: z.string({ error: 'must be text' }).min(1, { error: 'must not be empty' }).max(256, {
    error: 'must be at most 256 characters',
  }),
});

/** Body of `POST /api/auth/refresh` and `POST /api/auth/sign-out`. */
export const RefreshTokenSchema = z.strictObject({
  refreshToken: z
    .string({ error: 'must be the refreshToken from sign-in or the last refresh' })
    .min(1, { error: 'must not be empty' })
    .max(200, { error: 'must be at most 200 characters' }),
});

/** Body of `PATCH /api/admin-users/:id`. */
export const UpdateAdminUserSchema = z
  .strictObject({
    name: NameSchema.optional(),
    email: EmailSchema.optional(),
    role: AdminRoleSchema.optional(),
    /** A new password (signs the user out everywhere), or `null` to turn password sign-in off. */
    password: PasswordSchema.nullable().optional(),
  })
  .refine((changes) => Object.keys(changes).length > 0, {
    error: 'must change something: name, email, role or password',
  });

function userNotFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No admin user "${id}" in this tenant: list them with GET /api/admin-users.`,
  );
}

async function assertAnotherAdminRemains(
  storage: StorageV1,
  options: { tenantId: string; id: string; role: AdminRole; nextRole?: AdminRole | undefined },
): Promise<void> {
  if (options.role !== 'admin' || options.nextRole === 'admin') return;
  const users = await storage.adminUsers.list({ tenantId: options.tenantId, limit: 1000 });
  const otherAdmins = users.filter((user) => user.role === 'admin' && user.id !== options.id);
  if (otherAdmins.length === 0) {
    throw new HttpError(
      409,
      'conflict',
      'This is the last admin of the tenant: make another user admin first, so someone can still manage users.',
    );
  }
}

/**
 * The identity routes: admin sign-in (`POST /api/auth/sign-in`, `/refresh`, `/sign-out`),
 * `GET /api/auth/me`, and admin users (`/api/admin-users`, admin role or secret key only).
 */
export function identityRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/auth/sign-in',
      description:
        'Admin sign-in with tenantId, email and password: a 15-minute access token and a refresh token.',
      handler: async (context) => {
        const body = await readJsonBody(context.request, {
          schema: SignInSchema,
          subject: 'sign-in',
        });
        const { storage } = await context.state.services.load();
        const secret = await serverSecretOf(context.state);
        const tokens = await signInAdmin(storage, { ...body, secret });
        return jsonResponse(tokens, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/auth/refresh',
      description: 'Trade a refresh token for new tokens (the old refresh token stops working).',
      handler: async (context) => {
        const body = await readJsonBody(context.request, {
          schema: RefreshTokenSchema,
          subject: 'refresh',
        });
        const { storage } = await context.state.services.load();
        const secret = await serverSecretOf(context.state);
        const tokens = await refreshAdminSession(storage, { ...body, secret });
        return jsonResponse(tokens, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/auth/sign-out',
      description: 'End the session of a refresh token; its access tokens stop working too.',
      handler: async (context) => {
        const body = await readJsonBody(context.request, {
          schema: RefreshTokenSchema,
          subject: 'sign-out',
        });
        const { storage } = await context.state.services.load();
        await signOutAdmin(storage, body);
        return jsonResponse({ signedOut: true }, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/auth/me',
      description: 'Who the credentials belong to, and what they may do.',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        const { storage } = await context.state.services.load();
        const adminUser =
          principal.kind === 'admin'
            ? await storage.adminUsers.get({
                tenantId: principal.tenantId,
                id: principal.adminUserId,
              })
            : undefined;
        return jsonResponse(
          {
            principal,
            permissions: permissionsOf(principal),
            ...(adminUser ? { adminUser: toAdminUserView(adminUser) } : {}),
          },
          { headers: noStore },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/admin-users',
      description: 'Admin users of the tenant (admin role).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'admin-users:read');
        const page = readQuery(context.url, PageQuerySchema);
        const { storage } = await context.state.services.load();
        const users = await storage.adminUsers.list({ tenantId: principal.tenantId, ...page });
        return jsonResponse({ adminUsers: users.map(toAdminUserView) }, { headers: noStore });
      },
    },
    {
      method: 'POST',
      path: '/api/admin-users',
      description: 'Add an admin user with a role and a password (admin role).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'admin-users:write');
        const body = await readJsonBody(context.request, {
          schema: NewAdminUserSchema,
          subject: 'admin user',
        });
        const { storage } = await context.state.services.load();
        const passwordHash = body.password ? await hashPassword(body.password) : undefined;
        const user = await storage.adminUsers.create({
          tenantId: principal.tenantId,
          name: body.name,
          email: body.email,
          role: body.role,
          ...(passwordHash ? { passwordHash } : {}),
        });
        return jsonResponse(
          { adminUser: toAdminUserView(user) },
          { status: 201, headers: noStore },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/admin-users/:id',
      description: 'One admin user (admin role).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'admin-users:read');
        const { storage } = await context.state.services.load();
        const user = await storage.adminUsers.get({
          tenantId: principal.tenantId,
          id: context.params.id!,
        });
        if (!user) throw userNotFound(context.params.id!);
        return jsonResponse({ adminUser: toAdminUserView(user) }, { headers: noStore });
      },
    },
    {
      method: 'PATCH',
      path: '/api/admin-users/:id',
      description: 'Change name, email, role or password of an admin user (admin role).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'admin-users:write');
        const changes = await readJsonBody(context.request, {
          schema: UpdateAdminUserSchema,
          subject: 'admin user changes',
        });
        const { storage } = await context.state.services.load();
        const id = context.params.id!;
        const existing = await storage.adminUsers.get({ tenantId: principal.tenantId, id });
        if (!existing) throw userNotFound(id);
        await assertAnotherAdminRemains(storage, {
          tenantId: principal.tenantId,
          id,
          role: existing.role,
          nextRole: changes.role ?? existing.role,
        });
        const passwordHash =
          changes.password === undefined
            ? undefined
            : changes.password === null
              ? null
              : await hashPassword(changes.password);
        const user = await storage.adminUsers.update({
          tenantId: principal.tenantId,
          id,
          changes: {
            ...(changes.name === undefined ? {} : { name: changes.name }),
            ...(changes.email === undefined ? {} : { email: changes.email }),
            ...(changes.role === undefined ? {} : { role: changes.role }),
            ...(passwordHash === undefined ? {} : { passwordHash }),
          },
        });
        if (passwordHash !== undefined) {
          await tenantAccessStoreOf(storage).revokeAdminSessions({
            tenantId: principal.tenantId,
            adminUserId: id,
            at: new Date(),
          });
        }
        return jsonResponse({ adminUser: toAdminUserView(user) }, { headers: noStore });
      },
    },
    {
      method: 'DELETE',
      path: '/api/admin-users/:id',
      description: 'Remove an admin user and end their sessions (admin role).',
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'admin-users:write');
        const { storage } = await context.state.services.load();
        const id = context.params.id!;
        const existing = await storage.adminUsers.get({ tenantId: principal.tenantId, id });
        if (!existing) throw userNotFound(id);
        await assertAnotherAdminRemains(storage, {
          tenantId: principal.tenantId,
          id,
          role: existing.role,
        });
        await storage.adminUsers.delete({ tenantId: principal.tenantId, id });
        return jsonResponse({ deleted: true, id }, { headers: noStore });
      },
    },
  ];
}
