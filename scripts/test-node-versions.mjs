// Proves the packages on the Node versions they claim (`engines`: >=20.11) beyond the one
// running CI: a representative, fast subset of the core and server suites under Node 22
// and Node 24, each fetched from the npm registry as the `node` package
// (`npx -y -p node@24 node ...`). The built-package tests need `pnpm build` first.
//
//   node scripts/test-node-versions.mjs [22 24 ...]
//
// Prints one `node <version>: N passed, N failed` line per version and exits 1 when a
// version fails (or cannot be fetched).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from './setup.mjs';

/** The subset: pure core units, the server's handler, HTTP layer, adapters, storage on PGlite, chat, and the built packages. */
export const suites = [
  'packages/core/src/entities',
  'packages/core/src/state-machines',
  'packages/core/src/errors',
  'packages/core/src/risk',
  'packages/core/src/rag/chunking',
  'packages/core/src/rag/answer',
  'packages/core/src/rag/retrieval',
  'packages/core/src/providers/offline',
  'packages/server/src/http',
  'packages/server/src/handler',
  'packages/server/src/adapters/node',
  'packages/server/src/adapters/hono',
  'packages/server/src/storage/pglite-storage.test.ts',
  'packages/server/src/chat/chat-routes.test.ts',
  'packages/server/src/adapters/adapters.dist.test.ts',
];

const versions = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24'];
const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');

function run(command, args, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false', FORCE_COLOR: '0' },
      ...options,
    });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.once('error', (error) => resolve({ code: 1, output: `${output}\n${error.message}` }));
    child.once('exit', (code) => resolve({ code: code ?? 1, output }));
  });
}

let failedVersions = 0;
const lines = [];
for (const version of versions) {
  const started = Date.now();
  const probe = await run('npx', ['-y', '-p', `node@${version}`, 'node', '--version']);
  const actual = probe.output.match(/v\d+\.\d+\.\d+/)?.[0];
  if (probe.code !== 0 || !actual?.startsWith(`v${version}.`)) {
    console.error(`Could not fetch Node ${version} through npx:\n${probe.output}`);
    lines.push(`node ${version}: 0 passed, 1 failed (not available)`);
    failedVersions += 1;
    continue;
  }
  console.log(`\n--- Node ${actual}: ${suites.length} suites ---`);
  const reportDir = mkdtempSync(join(tmpdir(), 'churn-node-versions-'));
  const report = join(reportDir, 'report.json');
  const result = await run('npx', [
    '-y',
    '-p',
    `node@${version}`,
    'node',
    vitest,
    'run',
    '--reporter=dot',
    '--reporter=json',
    `--outputFile.json=${report}`,
    ...suites,
  ]);
  let passed = 0;
  let failed = 0;
  if (existsSync(report)) {
    const summary = JSON.parse(readFileSync(report, 'utf8'));
    passed = summary.numPassedTests;
    failed = summary.numFailedTests;
    if (result.code !== 0 && failed === 0) failed = 1; // a suite that failed to load
  } else {
    failed = 1;
  }
  rmSync(reportDir, { recursive: true, force: true });
  if (result.code !== 0 || failed > 0) {
    console.log(result.output.split('\n').slice(-60).join('\n'));
    failedVersions += 1;
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const line = `node ${actual}: ${passed} passed, ${failed} failed (${seconds} s)`;
  console.log(line);
  lines.push(line);
}
console.log(`\nNode versions:\n${lines.map((line) => `  ${line}`).join('\n')}`);
process.exit(failedVersions > 0 ? 1 : 0);
