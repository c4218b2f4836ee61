#!/usr/bin/env node
/**
 * Writes docs/http-api.md from the OpenAPI document of `createChurnHandler()` (the same one
 * `GET /api/openapi.json` answers). `--check` only compares and exits 1 when the file is
 * stale. Runs the TypeScript sources through tsx with the workspace's `churn-source`
 * condition, so no build is needed.
 *
 *   node scripts/http-api-docs.mjs          # write
 *   node scripts/http-api-docs.mjs --check  # verify (CI)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const target = join(root, 'docs', 'http-api.md');

if (!process.env.CHURN_HTTP_API_DOCS_CHILD) {
  const result = spawnSync(
    process.execPath,
    [
      '--conditions=churn-source',
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit', cwd: root, env: { ...process.env, CHURN_HTTP_API_DOCS_CHILD: '1' } },
  );
  process.exit(result.status ?? 1);
}

const { createChurnHandler } = await import(
  '../packages/server/src/handler/create-churn-handler.ts'
);
const { renderHttpApiDocs } = await import(
  '../packages/server/src/openapi/render-http-api-docs.ts'
);

const dataDir = mkdtempSync(join(tmpdir(), 'churn-http-api-docs-'));
const handler = createChurnHandler({ dataDir, rateLimits: { enabled: false } });
try {
  const response = await handler(new Request('http://localhost/api/openapi.json'));
  const markdown = renderHttpApiDocs(await response.json());
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(target, 'utf8');
    } catch {}
    if (current !== markdown) {
      console.error('docs/http-api.md is out of date: run `node scripts/http-api-docs.mjs`.');
      process.exitCode = 1;
    } else {
      console.log('docs/http-api.md is up to date.');
    }
  } else {
    writeFileSync(target, markdown);
    console.log(`Wrote ${target}`);
  }
} finally {
  await handler.close?.();
  rmSync(dataDir, { recursive: true, force: true });
}
