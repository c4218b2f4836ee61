import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStorage } from '@churn/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../run-cli.js';
import { runIngest } from './ingest.js';
import { runTenants } from './tenants.js';

async function run(command: typeof runIngest, ...argv: string[]) {
  const output = { stdout: '', stderr: '' };
  const code = await command(argv, {
    stdout: (text) => {
      output.stdout += text;
    },
    stderr: (text) => {
      output.stderr += text;
    },
  });
  return { code, ...output };
}

const fixtures = fileURLToPath(new URL('../../test/fixtures/eval-docs', import.meta.url));

const page = (title: string, body: string, links: string[] = []) =>
  `<!doctype html><html><head><title>${title}</title></head><body><main><h1>${title}</h1><p>${body}</p>${links
    .map((link) => `<a href="${link}">${link}</a>`)
    .join(' ')}</main></body></html>`;

/** A small help site on 127.0.0.1: a home page linking two articles. */
const pages: Record<string, string> = {
  '/': page('Help centre', 'Answers about billing and cards for the Acme team.', [
    '/refunds',
    '/update-card',
  ]),
  '/refunds': page(
    'Refunds',
    'Refunds go back to the original card within five to ten business days after approval.',
  ),
  '/update-card': page(
    'Update your card',
    'Open Billing, choose Payment methods and add the new card, then make it the default.',
  ),
};

let site: Server;
let siteUrl: string;
let dataDir: string;
let tenantId: string;

beforeAll(async () => {
  site = createServer((request, response) => {
    const body = pages[request.url ?? ''];
    if (!body) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(body);
  });
  await new Promise<void>((done) => site.listen(0, '127.0.0.1', done));
  siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
  dataDir = mkdtempSync(join(tmpdir(), 'churn-cli-ingest-'));
  const created = await run(runTenants, 'create', '--name', 'Ingest Co', '--data-dir', dataDir);
  expect(created.code, created.stderr).toBe(0);
  tenantId = (JSON.parse(created.stdout) as { tenant: { id: string } }).tenant.id;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((done) => site?.close(() => done()));
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('churn ingest', () => {
  it('ingests a folder, a file and a crawled site, reporting per source, then finds them unchanged', {
    timeout: 120_000,
  }, async () => {
    const args = [
      '--tenant',
      tenantId,
      fixtures,
      join(fixtures, 'refunds.md'),
      siteUrl,
      '--allow-private-network',
      '--delay-ms',
      '0',
      '--data-dir',
      dataDir,
    ];
    const first = await run(runIngest, ...args);
    expect(first.code, first.stderr).toBe(0);
    // One block per source: the folder's three files, the single file, the site's three pages.
    expect(first.stdout).toMatch(/path .*eval-docs \(.*\)\n {2}3 added, 0 updated, 0 unchanged/);
    expect(first.stdout).toMatch(/refunds\.md \(.*\)\n {2}1 added/);
    expect(first.stdout).toContain(`crawl ${siteUrl}`);
    expect(first.stdout).toMatch(/crawl .*\n {2}3 added, 0 updated, 0 unchanged, 0 removed/);
    expect(first.stdout).toMatch(new RegExp(`Tenant ${tenantId}: 7 added`));

    const storage = await createStorage({ dataDir: join(dataDir, 'data') });
    try {
      const documents = await storage.knowledge.listDocuments({ tenantId });
      expect(documents).toHaveLength(7);
      expect(documents.map((document) => document.sourceUrl)).toContain(`${siteUrl}refunds`);
      // Tenants are isolated: another tenant sees nothing.
      expect(await storage.knowledge.listDocuments({ tenantId: 'someone-else' })).toEqual([]);
    } finally {
      await storage.close();
    }

    const again = await run(runIngest, ...args, '--json');
    expect(again.code, again.stderr).toBe(0);
    const report = JSON.parse(again.stdout) as {
      totals: { added: number; unchanged: number; embeddings: number };
    };
    expect(report.totals).toMatchObject({ added: 0, unchanged: 7, embeddings: 0 });
  });

  it('refuses loopback without --allow-private-network and says what to do (exit 1)', {
    timeout: 60_000,
  }, async () => {
    const result = await run(runIngest, '--tenant', tenantId, siteUrl, '--data-dir', dataDir);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAILED/);
    expect(result.stdout).toMatch(/add --allow-private-network/);
    expect(result.stderr).toMatch(/found no documents/);
  });

  it('answers 2 with what to do for wrong usage, an unknown tenant or a missing path', {
    timeout: 60_000,
  }, async () => {
    for (const [argv, pattern] of [
      [[fixtures], /Missing --tenant/],
      [['--tenant', 't'], /Nothing to ingest/],
      [['--tenant', 't', 'no/such/folder'], /No file or folder at "no\/such\/folder"/],
      [['--tenant', 't', 'ftp://files.example.com/'], /http or https URL/],
      [['--tenant', 't', '--page', 'docs.example.com'], /--page needs an absolute URL/],
      [
        ['--tenant', 't', fixtures, '--max-pages', '0'],
        /--max-pages must be a whole number from 1/,
      ],
      [['--tenant', 't', fixtures, '--bogus'], /bogus.*churn ingest --help/],
      [['--tenant', 'no-such-tenant', fixtures, '--data-dir', dataDir], /no-such-tenant/],
    ] as const) {
      const result = await run(runIngest, ...argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr, argv.join(' ')).toMatch(pattern);
      expect(result.stdout).toBe('');
    }
  });

  it('has --help, and is listed by `churn --help`', async () => {
    const help = await run(runIngest, '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/churn ingest --tenant TENANT_ID SOURCE/);
    expect(help.stdout).toMatch(/--max-pages N/);
    const index = await run(runCli, '--help');
    expect(index.stdout).toMatch(/ingest\s+Load a site/);
  });
});
