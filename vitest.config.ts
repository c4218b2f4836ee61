import { defineConfig } from 'vitest/config';

// Tests run from source: the `source` export condition points each workspace
// package at its `src/index.ts`, so no build is needed before `vitest run`.
// Tests named `*.dist.test.ts` import the built packages on purpose.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
    ],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
