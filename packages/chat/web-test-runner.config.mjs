// Browser tests of @churn/chat: TypeScript through esbuild (with this package's tsconfig),
// the Debian Chromium through playwright-core (never a downloaded browser), and a summary
// file the root test script sums: <repository root>/.test-results/wtr.json = { passed, failed }.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { defaultReporter } from '@web/test-runner';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { summaryFileReporter } from './test/summary-file-reporter.mjs';

const require = createRequire(import.meta.url);
const executablePath = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium';
const axePath = require.resolve('axe-core/axe.min.js');

/** Serves axe-core as a classic script for the accessibility checks. */
const serveAxe = {
  name: 'churn-serve-axe',
  serve(context) {
    if (context.path === '/__axe__/axe.min.js') {
      return { body: readFileSync(axePath, 'utf8'), type: 'js' };
    }
    return undefined;
  },
};

export default {
  rootDir: fileURLToPath(new URL('.', import.meta.url)),
  files: ['src/**/*.test.ts'],
  nodeResolve: true,
  concurrency: 4,
  concurrentBrowsers: 1,
  testsFinishTimeout: 120_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 10_000 } },
  // A page like a real one (a title, a language), so the axe checks judge only the widget.
  testRunnerHtml: (testFramework) => `<!doctype html>
    <html lang="en">
      <head><meta charset="utf-8" /><title>churn-chat tests</title></head>
      <body>
        <main><h1>Test page</h1></main>
        <script type="module" src="${testFramework}"></script>
      </body>
    </html>`,
  plugins: [
    esbuildPlugin({
      ts: true,
      target: 'es2022',
      tsconfig: fileURLToPath(new URL('./tsconfig.json', import.meta.url)),
    }),
    serveAxe,
  ],
  browsers: [
    playwrightLauncher({
      product: 'chromium',
      launchOptions: {
        executablePath,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      },
    }),
  ],
  reporters: [
    defaultReporter({ reportTestResults: true, reportTestProgress: false }),
    summaryFileReporter({
      outputFile:
        process.env.CHURN_WTR_REPORT ??
        fileURLToPath(new URL('../../.test-results/wtr.json', import.meta.url)),
    }),
  ],
};
