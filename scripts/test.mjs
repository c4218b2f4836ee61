// The whole test suite: installs the workspace, builds the packages (some tests
// import the built output the way users do), runs every test runner, and ends
// with one line that sums their counts: `N passed, N failed`.
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm, root, setup } from './setup.mjs';

const resultsDir = join(root, '.test-results');
rmSync(resultsDir, { recursive: true, force: true });
mkdirSync(resultsDir, { recursive: true });

/** Each runner writes a JSON report; `count` reads passed and failed from it. */
const runners = [
  {
    name: 'vitest',
    report: join(resultsDir, 'vitest.json'),
    args: [
      'exec',
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${join(resultsDir, 'vitest.json')}`,
    ],
    count: (report) => ({ passed: report.numPassedTests, failed: report.numFailedTests }),
  },
  {
    // The widget in Debian's Chromium (@web/test-runner + Playwright); its reporter
    // writes {passed, failed} to .test-results/wtr.json.
    name: 'web-test-runner',
    report: join(resultsDir, 'wtr.json'),
    args: ['--filter', '@churn/chat', 'test:browser'],
    count: (report) => ({ passed: report.passed, failed: report.failed }),
  },
];

let passed = 0;
let failed = 0;
let broken = false;

try {
  setup();
} catch (error) {
  console.error(error.message);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

for (const runner of runners) {
  let status = 0;
  try {
    pnpm(runner.args);
  } catch {
    status = 1;
  }
  if (!existsSync(runner.report)) {
    console.error(`${runner.name} wrote no report (${runner.report}): counting it as one failure.`);
    failed += 1;
    broken = true;
    continue;
  }
  const counts = runner.count(JSON.parse(readFileSync(runner.report, 'utf8')));
  console.log(`${runner.name}: ${counts.passed} passed, ${counts.failed} failed`);
  passed += counts.passed;
  failed += counts.failed;
  if (status !== 0 && counts.failed === 0) {
    console.error(
      `${runner.name} exited with an error although no test failed: counting it as one failure.`,
    );
    failed += 1;
    broken = true;
  }
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || broken || passed === 0 ? 1 : 0);
