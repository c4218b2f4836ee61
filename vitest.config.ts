import { defineConfig } from 'vitest/config';

// Tests run from source: the `churn-source` export condition points each workspace
// package at its `src/index.ts`, so no build is needed before `vitest run`. The name is
// ours alone: dependencies that publish a plain `source` condition are not affected.
// Tests named `*.dist.test.ts` import the built packages on purpose.
export default defineConfig({
  resolve: { conditions: ['churn-source'] },
  ssr: { resolve: { conditions: ['churn-source'] } },
  test: {
    include: [
      'packages/*/src/**/*.test.ts',
      'packages/*/test/**/*.test.ts',
      'scripts/**/*.test.ts',
      'examples/*.test.ts',
    ],
    // The widget's component tests run in Chromium under @web/test-runner, not here.
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/chat/src/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
