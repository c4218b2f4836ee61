import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createKnowledgeBase,
  type IngestLimits,
  type IngestReport,
  type IngestSourceReport,
  type KnowledgeSource,
} from '@churn/core';
import { getTenant } from '@churn/server';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import { resolveDemoServices } from '../demo/demo-services.js';
import type { CliCommand } from '../run-cli.js';
import { encryptionKeyUsageText, withEncryptedStorage } from './cli-encryption.js';
import {
  parseCommandArguments,
  printJson,
  reportCommandError,
  storageOptions,
  storageOptionsUsage,
} from './migrate.js';

/** The help of `churn ingest`. */
export const ingestUsage = `Usage: churn ingest --tenant TENANT_ID SOURCE... [options]

Loads documentation into a tenant's knowledge base: fetches or reads it, removes
boilerplate, chunks, embeds and stores it in the database the server answers from.
Re-running a source updates the documents that changed, keeps the unchanged ones
(not embedded again) and removes the ones the source no longer has. Prints a report
per source: added, updated, unchanged, removed and skipped (with the reason).

Sources (one or more, mixed):
  https://docs.example.com/   A site: crawled from this page on the same origin,
                              honouring robots.txt and following its sitemaps.
  ./help-centre/              A folder, read recursively: .md, .markdown, .html,
                              .htm and .txt files.
  ./refunds.md                One file.
  --page URL                  One web page only (repeatable).
  --sitemap URL               Every page a sitemap lists (repeatable).

Options:
  --tenant ID                 The tenant whose knowledge base to fill (required;
                              see \`churn tenants list\`).
  --source-id ID              Group every source under this id (default: one group
                              per source, like crawl:https://docs.example.com/).
  --max-pages N               Pages fetched per crawl or sitemap. Default 200.
  --max-depth N               Links away from a crawl's start page. Default 5.
  --max-files N               Files read per folder. Default 5000.
  --max-bytes N               Bytes per page or file; bigger ones are skipped.
                              Default 5242880 (5 MiB).
  --concurrency N             Pages fetched at the same time. Default 4.
  --delay-ms N                Pause between two requests to one host. Default 250.
  --timeout-ms N              Per-request timeout. Default 15000.
  --allow-private-network     Allow private, loopback and link-local addresses
                              (an intranet, localhost). Refused by default.
  --force                     Embed every document again, even when unchanged
                              (after changing the embedding model).
  --json                      Print the whole report as JSON instead of the summary.
${storageOptionsUsage}
  -h, --help                  Show this help.

Embeddings and vectors come from the same variables as the server's, so set the
same ones: OPENAI_API_KEY [+ OPENAI_BASE_URL, OPENAI_EMBEDDING_MODEL] for OpenAI
embeddings (else the embedded offline embedder), PINECONE_API_KEY +
PINECONE_INDEX_HOST for Pinecone (else the in-process index, which a running
server loads from the database on its first search for the tenant: restart it to
see documents ingested since). Exit codes: 0 done, 1 a source failed (nothing
found and something skipped), 2 wrong options.

${encryptionKeyUsageText}
`;

const ingestOptions = {
  ...storageOptions,
  help: { type: 'boolean', short: 'h' },
  tenant: { type: 'string' },
  page: { type: 'string', multiple: true },
  sitemap: { type: 'string', multiple: true },
  'source-id': { type: 'string' },
  'max-pages': { type: 'string' },
  'max-depth': { type: 'string' },
  'max-files': { type: 'string' },
  'max-bytes': { type: 'string' },
  concurrency: { type: 'string' },
  'delay-ms': { type: 'string' },
  'timeout-ms': { type: 'string' },
  'allow-private-network': { type: 'boolean' },
  force: { type: 'boolean' },
  json: { type: 'boolean' },
} as const;

/** The limit flags and the `IngestLimits` field each sets, with its range. */
const limitFlags: readonly [flag: string, field: keyof IngestLimits, min: number, max: number][] = [
  ['max-pages', 'maxPages', 1, 100_000],
  ['max-depth', 'maxDepth', 0, 50],
  ['max-files', 'maxFiles', 1, 1_000_000],
  ['max-bytes', 'maxBytesPerPage', 1, 1024 * 1024 * 1024],
  ['concurrency', 'concurrency', 1, 64],
  ['delay-ms', 'delayMs', 0, 600_000],
  ['timeout-ms', 'timeoutMs', 1, 600_000],
];

function parseLimits(values: Record<string, unknown>): Partial<IngestLimits> {
  const limits: Partial<IngestLimits> = {};
  for (const [flag, field, min, max] of limitFlags) {
    const raw = values[flag];
    if (typeof raw !== 'string') continue;
    const value = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || value < min || value > max) {
      throw new UsageError(`--${flag} must be a whole number from ${min} to ${max}, got "${raw}".`);
    }
    limits[field] = value;
  }
  return limits;
}

function httpUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `${flag} needs an absolute URL like https://docs.example.com/, got "${text}".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(`${flag} needs an http or https URL, got "${text}".`);
  }
  return url.href;
}

/** A positional source: an http(s) URL (crawled), else a file or folder that must exist. */
async function positionalSource(text: string): Promise<KnowledgeSource> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return { type: 'crawl', url: httpUrl(text, 'A site to crawl') };
  }
  const path = resolve(text);
  try {
    const found = await stat(path);
    if (!found.isFile() && !found.isDirectory()) {
      throw new UsageError(`"${text}" is neither a file nor a folder.`);
    }
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `No file or folder at "${text}": give a path that exists, or a URL starting with https://.`,
    );
  }
  return { type: 'path', path };
}

/** The sources the arguments name, in order: positionals, then --page, then --sitemap. */
export async function parseIngestSources(
  positionals: readonly string[],
  values: { page?: string[] | undefined; sitemap?: string[] | undefined },
): Promise<KnowledgeSource[]> {
  const sources: KnowledgeSource[] = [];
  for (const text of positionals) sources.push(await positionalSource(text));
  for (const url of values.page ?? []) sources.push({ type: 'url', url: httpUrl(url, '--page') });
  for (const url of values.sitemap ?? []) {
    sources.push({ type: 'sitemap', url: httpUrl(url, '--sitemap') });
  }
  if (sources.length === 0) {
    throw new UsageError(
      'Nothing to ingest: give a site URL, a file or a folder (or --page URL, --sitemap URL). Run `churn ingest --help`.',
    );
  }
  return sources;
}

const hints: Partial<Record<string, string>> = {
  'private-address': 'add --allow-private-network for an intranet or localhost',
  limit: 'raise --max-pages, --max-depth or --max-files',
  'too-large': 'raise --max-bytes',
  unreachable: 'check the URL and the network, or raise --timeout-ms',
  robots: "the site's robots.txt or the page disallows ChurnBot",
  'not-text': 'only HTML, Markdown and plain text are read',
};

/** Whether a source failed: it found nothing and skipped something. */
function failed(source: IngestSourceReport): boolean {
  const found =
    source.added.length + source.updated.length + source.unchanged.length + source.removed.length;
  return found === 0 && source.skipped.length > 0;
}

/** The human report: one block per source, its skipped items with a hint, then the totals. */
export function formatIngestReport(report: IngestReport): string {
  const lines: string[] = [];
  for (const source of report.sources) {
    const counts = [
      `${source.added.length} added`,
      `${source.updated.length} updated`,
      `${source.unchanged.length} unchanged`,
      `${source.removed.length} removed`,
      `${source.skipped.length} skipped`,
    ].join(', ');
    const state = failed(source)
      ? 'FAILED'
      : source.complete
        ? 'complete'
        : 'incomplete: documents it did not see were kept';
    lines.push(`${source.sources.join(' + ')} (${source.sourceId})`);
    lines.push(`  ${counts}; ${source.chunks.written} chunks written (${state})`);
    const shown = source.skipped.slice(0, 20);
    for (const item of shown) {
      const hint = hints[item.reason];
      lines.push(`  skipped ${item.location}: ${item.message}${hint ? ` (${hint})` : ''}`);
    }
    if (source.skipped.length > shown.length) {
      lines.push(`  ... and ${source.skipped.length - shown.length} more skipped (see --json)`);
    }
  }
  const totals = report.totals;
  const seconds = (report.finishedAt.getTime() - report.startedAt.getTime()) / 1000;
  lines.push(
    '',
    `Tenant ${report.tenantId}: ${totals.added} added, ${totals.updated} updated, ${totals.unchanged} unchanged, ${totals.removed} removed, ${totals.skipped} skipped; ${totals.chunksWritten} chunks written, ${totals.embeddings} texts embedded in ${seconds.toFixed(1)} s.`,
    '',
  );
  return lines.join('\n');
}

/** `churn ingest`: fills a tenant's knowledge base from sites, pages, sitemaps, files and folders. */
export async function runIngest(argv: string[], io: CliIo): Promise<number> {
  try {
    const { values, positionals } = parseCommandArguments(argv, ingestOptions, 'churn ingest');
    if (values.help) {
      io.stdout(ingestUsage);
      return exitCodes.ok;
    }
    const tenantId = values.tenant?.trim();
    if (!tenantId) {
      throw new UsageError(
        'Missing --tenant TENANT_ID: the tenant whose knowledge base to fill (see `churn tenants list`).',
      );
    }
    const limits = parseLimits(values);
    const sources = await parseIngestSources(positionals, values);
    const sourceId = values['source-id']?.trim();
    const services = await resolveDemoServices(
      process.env,
      resolve(values['data-dir'] ?? '.churn'),
    );
    for (const warning of services.warnings) io.stderr(`Warning: ${warning}\n`);
    const report = await withEncryptedStorage(values, async (storage) => {
      await getTenant(storage, tenantId);
      let lastShown = 0;
      const knowledgeBase = createKnowledgeBase({
        ...services.knowledgeBase,
        store: storage.knowledge,
        tenantId,
        ingest: {
          limits,
          ...(values['allow-private-network'] ? { allowPrivateNetwork: true } : {}),
          ...(values.force ? { force: true } : {}),
          ...(sourceId ? { sourceId } : {}),
          onProgress: (event) => {
            if (event.processed - lastShown >= 25) {
              lastShown = event.processed;
              io.stderr(`... ${event.processed} documents processed\n`);
            }
          },
        },
      });
      return knowledgeBase.ingest(sources);
    });
    if (values.json) printJson(io, report);
    else io.stdout(formatIngestReport(report));
    const failures = report.sources.filter(failed);
    if (failures.length > 0) {
      io.stderr(
        `churn ingest: ${failures.map((source) => source.sources.join(' + ')).join(', ')} found no documents: see the skipped reasons above.\n`,
      );
      return exitCodes.failed;
    }
    return exitCodes.ok;
  } catch (error) {
    return reportCommandError(error, io, 'churn ingest');
  }
}

/** The `churn ingest` command. */
export const ingestCommand: CliCommand = {
  name: 'ingest',
  summary: "Load a site, pages, files or folders into a tenant's knowledge base.",
  run: runIngest,
};
