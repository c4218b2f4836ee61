import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { ChurnError } from '../errors/churn-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { CustomerSchema } from './customer.js';
import { parseEntity, safeParseEntity } from './parse-entity.js';

const valid = {
  id: 'cus_1',
  tenantId: 'ten_1',
  name: 'Ada Lovelace',
  email: 'ada@example.com',
  accountStatus: 'active',
  accountValue: 49,
  customerSince: '2023-06-15',
};

function thrownBy(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('parseEntity', () => {
  it('returns the typed output', () => {
    const customer = parseEntity(CustomerSchema, valid, 'Customer');
    expect(customer.customerSince).toEqual(new Date('2023-06-15T00:00:00Z'));
  });

  it('throws a ValidationError, never a bare ZodError, listing every problem with its path', () => {
    const error = thrownBy(() =>
      parseEntity(
        CustomerSchema,
        {
          ...valid,
          email: 'nope',
          accountValue: -1,
          customerSince: 'yesterday',
          accountStatus: 'at-risk',
        },
        'Customer',
      ),
    );
    expect(error).not.toBeInstanceOf(ZodError);
    expect(error).toBeInstanceOf(ValidationError);
    expect(ChurnError.isInstance(error)).toBe(true);
    const validation = error as ValidationError;
    expect(validation.code).toBe('validation_failed');
    expect(validation.subject).toBe('Customer');
    expect(validation.cause).toBeInstanceOf(ZodError);
    expect(validation.issues.map((issue) => issue.path.join('.')).sort()).toEqual([
      'accountValue',
      'customerSince',
      'email',
      'riskCategory',
      'riskSeverity',
    ]);
    expect(validation.message).toContain(
      'email: must be a valid email address like name@example.com',
    );
  });

  it('reports cross-field rules even when a field of another kind is missing', () => {
    const { name, ...withoutName } = valid;
    const error = thrownBy(() =>
      parseEntity(CustomerSchema, { ...withoutName, accountStatus: 'at-risk' }, 'Customer'),
    ) as ValidationError;
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: ['name'], message: 'is required' },
        {
          path: ['riskCategory'],
          message: expect.stringContaining('is required while accountStatus is at-risk'),
        },
      ]),
    );
  });

  it('rejects what is not an object at all, at the root', () => {
    const error = thrownBy(() =>
      parseEntity(CustomerSchema, 'cus_1', 'Customer'),
    ) as ValidationError;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.issues[0]?.path).toEqual([]);
  });
});

describe('safeParseEntity', () => {
  it('returns the data or the ValidationError instead of throwing', () => {
    expect(safeParseEntity(CustomerSchema, valid, 'Customer').success).toBe(true);
    const failed = safeParseEntity(CustomerSchema, { ...valid, email: '' }, 'Customer');
    expect(failed.success).toBe(false);
    if (!failed.success) expect(failed.error.issues[0]?.path).toEqual(['email']);
  });
});
