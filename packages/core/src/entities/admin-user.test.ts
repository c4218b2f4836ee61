import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors/validation-error.js';
import {
  type AdminUserInput,
  AdminUserSchema,
  assertUniqueAdminEmails,
  findDuplicateAdminEmails,
} from './admin-user.js';
import { adminUserArbitrary } from './arbitraries.js';
import { describeEntity } from './rule-test-kit.js';

const example: AdminUserInput = {
  id: 'adm_1',
  tenantId: 'ten_1',
  name: 'Grace Hopper',
  email: 'grace@example.com',
  role: 'admin',
  lastLoginTime: '2026-03-01T08:00:00Z',
};

describeEntity('AdminUser', AdminUserSchema, {
  example,
  arbitrary: adminUserArbitrary(),
  accepted: [
    ...(['admin', 'supervisor', 'support-agent', 'developer'] as const).map((role) => ({
      title: `role ${role}`,
      change: (user: AdminUserInput) => ({ ...user, role }),
    })),
    { title: 'never logged in', change: ({ lastLoginTime, ...user }) => user },
  ],
  rules: [
    {
      rule: 'email is a valid address',
      path: ['email'],
      message: /must be a valid email address like name@example.com/,
      breakIt: (user) => ({ ...user, email: 'grace@' }),
    },
    {
      rule: 'role is one of the shared role set',
      path: ['role'],
      message: /must be one of: admin, supervisor, support-agent, developer/,
      breakIt: (user) => ({ ...user, role: 'owner' }),
    },
    {
      rule: 'name is not empty',
      path: ['name'],
      message: /must not be empty/,
      breakIt: (user) => ({ ...user, name: '' }),
    },
    {
      rule: 'lastLoginTime is a date',
      path: ['lastLoginTime'],
      message: /must be a date/,
      breakIt: (user) => ({ ...user, lastLoginTime: 'this morning' }),
    },
  ],
});

describe('admin user email uniqueness', () => {
  const grace = { tenantId: 'ten_1', email: 'grace@example.com' };

  it('finds the same email twice in one tenant, whatever the letter case', () => {
    expect(
      findDuplicateAdminEmails([
        grace,
        { tenantId: 'ten_1', email: 'ada@example.com' },
        { ...grace, email: 'Grace@Example.com' },
      ]),
    ).toEqual([{ value: 'ten_1 grace@example.com', indexes: [0, 2] }]);
  });

  it('allows the same person to administer two tenants', () => {
    expect(findDuplicateAdminEmails([grace, { ...grace, tenantId: 'ten_2' }])).toEqual([]);
  });

  it('throws a ValidationError naming the repeated email', () => {
    expect(() => assertUniqueAdminEmails([grace, grace])).toThrow(ValidationError);
    try {
      assertUniqueAdminEmails([grace, grace]);
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([
        { path: [1, 'email'], message: expect.stringMatching(/must be unique.*index 0/) },
      ]);
    }
    expect(() => assertUniqueAdminEmails([grace])).not.toThrow();
  });
});
