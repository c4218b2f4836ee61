import { adminRoles } from '@churn/core';
import { describe, expect, it } from 'vitest';
import {
  hasPermission,
  permissions,
  permissionsByRole,
  requirePermission,
  requireRole,
} from './permissions.js';
import type { Principal } from './principal.js';

const admin = (role: (typeof adminRoles)[number]): Principal => ({
  kind: 'admin',
  tenantId: 't',
  adminUserId: 'u',
  role,
});

describe('permissions', () => {
  it('gives admin everything and only admin the admin-user permissions', () => {
    expect([...permissionsByRole.admin].sort()).toEqual([...permissions].sort());
    for (const role of adminRoles) {
      expect(hasPermission(admin(role), 'admin-users:write')).toBe(role === 'admin');
      expect(hasPermission(admin(role), 'tenant:read')).toBe(true);
    }
    expect(hasPermission(admin('developer'), 'keys:write')).toBe(true);
    expect(hasPermission(admin('developer'), 'customers:read')).toBe(false);
    expect(hasPermission(admin('support-agent'), 'keys:read')).toBe(false);
  });

  it('gives a secret key every permission and the widget and platform none', () => {
    const secret: Principal = { kind: 'secret', tenantId: 't', apiKeyId: 'k' };
    for (const permission of permissions) expect(hasPermission(secret, permission)).toBe(true);
    expect(() =>
      requirePermission({ kind: 'publishable', tenantId: 't', apiKeyId: 'k' }, 'tenant:read'),
    ).toThrow(/publishable key only reaches the widget/);
    expect(() => requirePermission({ kind: 'platform' }, 'tenant:read')).toThrow(/platform key/);
  });

  it('requireRole names the roles allowed and treats a secret key as admin', () => {
    expect(() => requireRole(admin('developer'), ['admin'])).toThrow(
      expect.objectContaining({ status: 403, message: expect.stringMatching(/admin.*developer/) }),
    );
    expect(() => requireRole(admin('supervisor'), ['admin', 'supervisor'])).not.toThrow();
    expect(() =>
      requireRole({ kind: 'secret', tenantId: 't', apiKeyId: 'k' }, ['admin']),
    ).not.toThrow();
  });
});
