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

describe('the permission table in docs/security.md', () => {
  it('shows exactly the table the code enforces', async () => {
    const { readFile } = await import('node:fs/promises');
    const docs = await readFile(new URL('../../../../docs/security.md', import.meta.url), 'utf8');
    const header = '| permission | admin | supervisor | support-agent | developer |';
    const start = docs.indexOf(header);
    expect(start, 'docs/security.md has the role → permission table').toBeGreaterThan(-1);
    const lines = docs.slice(start).split('\n').slice(2);
    const end = lines.findIndex((line) => !line.startsWith('|'));
    const rows = lines
      .slice(0, end === -1 ? lines.length : end)
      .map((line) => line.split('|').map((cell) => cell.trim()));
    const documented = Object.fromEntries(
      adminRoles.map((role) => [role, [] as string[]]),
    ) as Record<(typeof adminRoles)[number], string[]>;
    const documentedPermissions: string[] = [];
    for (const cells of rows) {
      const permission = cells[1]!.replace(/`/g, '');
      documentedPermissions.push(permission);
      for (const [index, role] of (
        ['admin', 'supervisor', 'support-agent', 'developer'] as const
      ).entries()) {
        if (cells[index + 2] === '✓') documented[role].push(permission);
      }
    }
    expect(documentedPermissions).toEqual([...permissions]);
    for (const role of adminRoles) {
      expect(documented[role], role).toEqual([...permissionsByRole[role]]);
    }
  });

  it('lets admin and developer change integrations, and only admin change retention', () => {
    const allowed = (permission: (typeof permissions)[number]) =>
      adminRoles.filter((role) => hasPermission(admin(role), permission));
    expect(allowed('integrations:write')).toEqual(['admin', 'developer']);
    expect(allowed('retention:read')).toEqual(['admin', 'supervisor', 'developer']);
    expect(allowed('retention:write')).toEqual(['admin']);
  });
});
