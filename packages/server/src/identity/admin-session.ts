import { randomBytes } from 'node:crypto';
import type { StorageV1 } from '@churn/core';
import { HttpError } from '../http/http-error.js';
import { tenantAccessStoreOf } from '../storage/tenant-access-repositories.js';
import { type AdminUserView, toAdminUserView } from '../tenants/tenant-admin.js';
import { adminAccessTokenSeconds, signAdminAccessToken } from './admin-token.js';
import { verifyDummyPassword, verifyPassword } from './password-hash.js';
import { sha256Hex } from './secret-compare.js';

/** Lifetime of a refresh token: 7 days. Each refresh replaces it. */
export const adminRefreshTokenSeconds = 7 * 24 * 60 * 60;

/** What sign-in and refresh answer. */
export interface AdminSessionTokens {
  /** A JWT for `Authorization: Bearer`, valid 15 minutes. */
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token is valid for. */
  expiresIn: number;
  expiresAt: string;
  /** Opaque, single use: trade it for new tokens at `POST /api/auth/refresh`. */
  refreshToken: string;
  refreshExpiresAt: string;
  adminUser: AdminUserView;
}

const wrongCredentials =
  'The tenant, email or password is wrong. Check all three and try again (passwords are case-sensitive).';

function refreshTokenHash(refreshToken: string): string {
  return sha256Hex(refreshToken);
}

async function issue(
  storage: StorageV1,
  options: {
    secret: string;
    tenantId: string;
    adminUserId: string;
    role: AdminUserView['role'];
    now: Date;
    adminUser: AdminUserView;
  },
): Promise<AdminSessionTokens> {
  const refreshToken = `crt_${randomBytes(32).toString('base64url')}`;
  const refreshExpiresAt = new Date(options.now.getTime() + adminRefreshTokenSeconds * 1000);
  const session = await tenantAccessStoreOf(storage).createAdminSession({
    tenantId: options.tenantId,
    adminUserId: options.adminUserId,
    tokenHash: refreshTokenHash(refreshToken),
    expiresAt: refreshExpiresAt,
  });
  const { token, expiresAt } = await signAdminAccessToken({
    secret: options.secret,
    tenantId: options.tenantId,
    adminUserId: options.adminUserId,
    role: options.role,
    sessionId: session.id,
    now: options.now,
  });
  return {
    accessToken: token,
    tokenType: 'Bearer',
    expiresIn: adminAccessTokenSeconds,
    expiresAt: expiresAt.toISOString(),
    refreshToken,
    refreshExpiresAt: refreshExpiresAt.toISOString(),
    adminUser: options.adminUser,
  };
}

/**
 * Signs an admin user in with tenant, email and password (scrypt, constant-time compare).
 * Any wrong part answers the same 401 in about the same time, so a caller cannot learn
 * which tenants or emails exist.
 */
export async function signInAdmin(
  storage: StorageV1,
  options: { tenantId: string; email: string; password: string; secret: string; now?: Date },
): Promise<AdminSessionTokens> {
  const now = options.now ?? new Date();
  const user = await storage.adminUsers.findByEmail({
    tenantId: options.tenantId,
    email: options.email,
  });
  const valid = user?.passwordHash
    ? await verifyPassword(options.password, user.passwordHash)
    : await verifyDummyPassword(options.password);
  if (!user || !valid) throw new HttpError(401, 'unauthorized', wrongCredentials);
  const updated = await storage.adminUsers.update({
    tenantId: user.tenantId,
    id: user.id,
    changes: { lastLoginTime: now },
  });
  return issue(storage, {
    secret: options.secret,
    tenantId: user.tenantId,
    adminUserId: user.id,
    role: user.role,
    now,
    adminUser: toAdminUserView(updated),
  });
}

/**
 * Trades a refresh token for new tokens; the old refresh token stops working. A refresh
 * token used twice means it leaked: every session of that user is revoked.
 */
export async function refreshAdminSession(
  storage: StorageV1,
  options: { refreshToken: string; secret: string; now?: Date },
): Promise<AdminSessionTokens> {
  const now = options.now ?? new Date();
  const access = tenantAccessStoreOf(storage);
  const session = await access.findAdminSessionByHash({
    tokenHash: refreshTokenHash(options.refreshToken),
  });
  if (!session || session.expiresAt <= now) {
    throw new HttpError(
      401,
      'unauthorized',
      'The refresh token is not valid or has expired: sign in again with POST /api/auth/sign-in.',
    );
  }
  // Revoking first and only once makes two concurrent uses of one token look like reuse.
  const firstUse =
    !session.revokedAt &&
    (await access.revokeAdminSession({ tenantId: session.tenantId, id: session.id, at: now }));
  if (!firstUse) {
    await access.revokeAdminSessions({
      tenantId: session.tenantId,
      adminUserId: session.adminUserId,
      at: now,
    });
    throw new HttpError(
      401,
      'unauthorized',
      'This refresh token was already used, so it may have leaked: every session of this user is now signed out. Sign in again.',
    );
  }
  const user = await storage.adminUsers.get({
    tenantId: session.tenantId,
    id: session.adminUserId,
  });
  if (!user) {
    throw new HttpError(401, 'unauthorized', 'This admin user no longer exists.');
  }
  return issue(storage, {
    secret: options.secret,
    tenantId: user.tenantId,
    adminUserId: user.id,
    role: user.role,
    now,
    adminUser: toAdminUserView(user),
  });
}

/** Ends the session of a refresh token (its access tokens stop working too). Idempotent. */
export async function signOutAdmin(
  storage: StorageV1,
  options: { refreshToken: string; now?: Date },
): Promise<void> {
  const access = tenantAccessStoreOf(storage);
  const session = await access.findAdminSessionByHash({
    tokenHash: refreshTokenHash(options.refreshToken),
  });
  if (!session) return;
  await access.revokeAdminSession({
    tenantId: session.tenantId,
    id: session.id,
    at: options.now ?? new Date(),
  });
}
