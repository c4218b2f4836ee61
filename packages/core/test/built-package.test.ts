import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Imports @churn/core the way a user's plain Node ESM script does: by package
// name, from the built `dist`, with no source condition and no TypeScript.
// It runs from packages/cli, which depends on @churn/core through node_modules.
const consumer = fileURLToPath(new URL('../../cli/', import.meta.url));
const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));

describe('the built @churn/core', () => {
  it('is built (run `pnpm build` first)', () => {
    expect(existsSync(dist)).toBe(true);
  });

  it('imports in a plain Node ESM script and validates a customer', () => {
    const script = `
      import { CustomerSchema, ChurnError, parseEntity } from '@churn/core';
      const good = CustomerSchema.safeParse({
        id: 'cus_1', tenantId: 'ten_1', name: 'Ada Lovelace', email: 'ada@example.com',
        accountStatus: 'at-risk', riskCategory: 'failed-payment', riskSeverity: 'high',
        accountValue: 49, customerSince: '2024-01-15T00:00:00Z',
      });
      let error;
      try {
        parseEntity(CustomerSchema, { id: 'cus_2', tenantId: 'ten_1', name: 'B', email: 'not-an-email',
          accountStatus: 'active', accountValue: -5, customerSince: '2024-01-15T00:00:00Z' }, 'Customer');
      } catch (caught) { error = caught; }
      console.log(JSON.stringify({
        good: good.success,
        marker: ChurnError.isInstance(error),
        fields: error.issues.map((issue) => issue.path.join('.')).sort(),
        resolved: import.meta.resolve('@churn/core'),
      }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    const result = JSON.parse(output);
    expect(result.good).toBe(true);
    expect(result.marker).toBe(true);
    expect(result.fields).toEqual(['accountValue', 'email']);
    expect(result.resolved).toMatch(/\/packages\/core\/dist\/index\.js$/);
  });
});
