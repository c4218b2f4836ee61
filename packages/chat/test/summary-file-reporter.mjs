// A web-test-runner reporter that writes { passed, failed, skipped, files } as JSON when the
// run ends, so the root test script can add the browser tests to its count. A test file
// that failed to load, or failed outside a test (an uncaught error), counts as one failure.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function countSuite(suite, counts) {
  for (const test of suite?.tests ?? []) {
    if (test.skipped) counts.skipped += 1;
    else if (test.passed) counts.passed += 1;
    else counts.failed += 1;
  }
  for (const child of suite?.suites ?? []) countSuite(child, counts);
}

/** @param {{ outputFile: string }} options */
export function summaryFileReporter({ outputFile }) {
  let sessions;
  const write = (finalSessions) => {
    const counts = { passed: 0, failed: 0, skipped: 0, files: 0 };
    for (const session of finalSessions ?? []) {
      counts.files += 1;
      const before = counts.failed;
      countSuite(session.testResults, counts);
      const testless =
        !session.testResults ||
        (session.testResults.tests.length === 0 && session.testResults.suites.length === 0);
      const brokenOutsideTests = !session.passed && counts.failed === before;
      if ((testless && session.errors?.length) || brokenOutsideTests) counts.failed += 1;
    }
    mkdirSync(dirname(outputFile), { recursive: true });
    writeFileSync(outputFile, `${JSON.stringify(counts, null, 2)}\n`);
    return counts;
  };
  return {
    start({ sessions: manager }) {
      sessions = manager;
    },
    onTestRunFinished({ sessions: finished }) {
      write(finished);
    },
    stop() {
      const counts = write(sessions?.all ? [...sessions.all()] : []);
      console.log(`wtr: ${counts.passed} passed, ${counts.failed} failed`);
    },
  };
}
