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

  it('imports in a plain Node ESM script', () => {
    const script = `
      import * as core from '@churn/core';
      const error = new core.ValidationError('Customer', [{ path: ['email'], message: 'bad' }]);
      console.log(JSON.stringify({ marker: core.ChurnError.isInstance(error), resolved: import.meta.resolve('@churn/core') }));
    `;
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: consumer,
      encoding: 'utf8',
    });
    const result = JSON.parse(output);
    expect(result.marker).toBe(true);
    expect(result.resolved).toMatch(/\/packages\/core\/dist\/index\.js$/);
  });
});
