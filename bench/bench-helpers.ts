/**
 * What the load benchmarks share: running from the TypeScript sources, percentiles, the
 * machine line, a loopback server around a fetch handler, and a bounded pool of workers.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type { LanguageModelV1 } from '../packages/core/src/index.js';
import { toNodeHandler } from '../packages/server/src/adapters/node/to-node-handler.js';
import type { ChatStreamRegistry } from '../packages/server/src/chat/chat-stream-registry.js';
import {
  createTestTenant,
  helpCentre,
  widgetHeaders,
} from '../packages/server/src/chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../packages/server/src/chat/knowledge-base-cache.js';
import { createChurnHandler } from '../packages/server/src/handler/create-churn-handler.js';
import type { ChurnLogger } from '../packages/server/src/http/error-to-response.js';
import {
  createPGliteStorage,
  createPostgresStorage,
  type PostgresStorage,
} from '../packages/server/src/storage/postgres-storage.js';

/**
 * Runs `main` with the workspace's `churn-source` condition (the server's sources import
 * `@churn/core` by package name: this loads its TypeScript sources, not a possibly stale
 * build). Without the condition, re-runs this script with it and exits with its status.
 */
export async function runFromSources(main: () => Promise<void>): Promise<void> {
  if (process.execArgv.includes('--conditions=churn-source')) {
    await main();
    return;
  }
  const child = spawnSync(
    process.execPath,
    [
      ...process.execArgv.filter((argument) => !argument.startsWith('--conditions')),
      '--conditions=churn-source',
      '--import',
      'tsx',
      ...process.argv.slice(1),
    ],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

/** The value at `fraction` (0.5, 0.99) of an ascending list. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

/** `p50 x ms, p99 y ms` of unsorted durations. */
export function latencies(durations: readonly number[], digits = 1): string {
  const sorted = [...durations].sort((left, right) => left - right);
  return `p50 ${percentile(sorted, 0.5).toFixed(digits)} ms, p99 ${percentile(sorted, 0.99).toFixed(digits)} ms`;
}

/** The load averages, as `1.2 / 3.4 / 5.6`. */
export function loadAverage(): string {
  return os
    .loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ');
}

/** What the figures depend on: CPU, memory, Node, storage, and the load before and after. */
export function machineLine(storage: string, loadBefore: string): string {
  return `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1073741824)} GB, node ${process.version}, ${os.platform()} ${os.arch()}; storage ${storage}; load average ${loadBefore} before, ${loadAverage()} after`;
}

/** A `node:http` server on 127.0.0.1 around a fetch handler. */
export async function listen(
  handler: (request: Request) => Promise<Response>,
  logger: ChurnLogger,
): Promise<{ server: Server; base: string; close(): Promise<void> }> {
  const server = createServer(toNodeHandler(handler, { logger }));
  server.keepAliveTimeout = 300_000;
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  return {
    server,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Runs `work` for each item with at most `inFlight` at once; answers the seconds it took. */
export async function pool<Item>(
  items: readonly Item[],
  inFlight: number,
  work: (item: Item, index: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(inFlight, items.length) }, async () => {
      while (next < items.length) {
        const index = next;
        next += 1;
        await work(items[index]!, index);
      }
    }),
  );
  return (performance.now() - started) / 1000;
}

/** Logs nothing unless BENCH_VERBOSE is set (the server logs every failed turn). */
export const benchLogger = process.env.BENCH_VERBOSE
  ? { error: console.error, warn: console.warn }
  : { error: () => {}, warn: () => {} };

/** The storage the benchmark runs on: PGlite in memory, or BENCH_DATABASE_URL (its own schema). */
export function storageName(): string {
  return process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite (in memory)';
}

/**
 * Opens the benchmark's storage: in-memory PGlite, or PostgreSQL at BENCH_DATABASE_URL in
 * a schema of its own, dropped on close.
 */
export async function openBenchStorage(): Promise<{
  storage: PostgresStorage;
  close(): Promise<void>;
}> {
  const databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) {
    const storage = await createPGliteStorage();
    return { storage, close: () => storage.close() };
  }
  const schema = `churn_bench_${randomBytes(4).toString('hex')}`;
  const storage = await createPostgresStorage({ databaseUrl, schema, maxConnections: 20 });
  return {
    storage,
    close: async () => {
      await storage.db.schema.dropSchema(schema).ifExists().cascade().execute();
      await storage.close();
    },
  };
}

/** A chat handler for the load benchmarks: a tenant, the help centre, rate limits out of reach. */
export async function createChatBench(options: {
  storage: PostgresStorage;
  languageModel: LanguageModelV1;
  registry?: ChatStreamRegistry;
}) {
  const { storage } = options;
  const tenant = await createTestTenant(storage, 'Bench', { usageQuota: 100_000_000 });
  const knowledgeBases = createKnowledgeBaseCache({ languageModel: options.languageModel });
  await knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(helpCentre);
  // Rate limits stay on (their cost is part of the figures) with limits no run reaches.
  const unreachable = { limit: 1_000_000_000, windowMs: 60_000 };
  const handler = createChurnHandler({
    storage,
    logger: benchLogger,
    rateLimits: {
      rules: { 'chat-turn': { ip: unreachable, key: unreachable, customer: unreachable } },
    },
    chat: { knowledgeBases, ...(options.registry ? { registry: options.registry } : {}) },
  });
  const conversations: { id: string; visitor: string }[] = [];
  /** Starts `count` anonymous visitors' conversations (setup, not measured). */
  const startConversations = async (count: number) => {
    const started: { id: string; visitor: string }[] = [];
    for (let index = 0; index < count; index++) {
      const visitor = `bench-visitor-${conversations.length.toString().padStart(6, '0')}`;
      const conversation = await storage.conversations.create({
        tenantId: tenant.tenant.id,
        purpose: 'support',
        sessionId: visitor,
        metadata: { visitorId: visitor },
      });
      conversations.push({ id: conversation.id, visitor });
      started.push({ id: conversation.id, visitor });
    }
    return started;
  };
  /** POSTs a question to a conversation with the widget's headers. */
  const ask = (base: string, conversation: { id: string; visitor: string }) =>
    fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: widgetHeaders(tenant, { visitor: conversation.visitor }),
      body: JSON.stringify({ text: 'How do I change the card on file?' }),
    });
  return { tenant, handler, startConversations, ask };
}
