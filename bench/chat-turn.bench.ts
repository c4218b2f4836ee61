/**
 * Chat turn benchmark: the chat API's own overhead per turn (authentication, quota, storage
 * writes, retrieval over a small help centre, the UI message stream over SSE), with a
 * language model that answers instantly, over loopback HTTP (`node:http` + `toNodeHandler`,
 * Node's `fetch` as the client, both in this process).
 *
 * 0. Handler overhead: turns straight through the fetch handler (no socket, no HTTP), a
 *    model that writes 20 tokens at once, p50/p99 (target p50 ≤ 2 ms, p99 ≤ 10 ms).
 *    `BENCH_ONLY_OVERHEAD=1` stops after this phase.
 * 1. Latency: sequential turns, p50/p99 from POST to `data: [DONE]`.
 * 2. Throughput: turns per second with 32 in flight.
 * 3. Token writes: a 400-token answer streamed token by token, coalesced (the default) vs
 *    one SSE write per token.
 * 4. Concurrency: N streams open at once (default 1,000), held while the model is blocked,
 *    then released; every one must finish with `[DONE]` and no error.
 *
 * Run: `node --conditions=churn-source --import tsx bench/chat-turn.bench.ts [streams]`
 * (a few minutes). Storage is in-memory PGlite; set BENCH_DATABASE_URL to run on PostgreSQL
 * (a temporary schema). BENCH_VERBOSE=1 prints the server's log.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import type {
  LanguageModelV1,
  LanguageModelV1StreamPart,
  StorageV1,
} from '../packages/core/src/index.js';
import { createOfflineLanguageModel } from '../packages/core/src/index.js';
import { toNodeHandler } from '../packages/server/src/adapters/node/to-node-handler.js';
import { createMemoryChatStreamRegistry } from '../packages/server/src/chat/chat-stream-registry.js';
import {
  createGate,
  createTestTenant,
  helpCentre,
  type TestTenant,
  widgetHeaders,
} from '../packages/server/src/chat/chat-test-helpers.js';
import { createKnowledgeBaseCache } from '../packages/server/src/chat/knowledge-base-cache.js';
import { createChurnHandler } from '../packages/server/src/handler/create-churn-handler.js';
import {
  benchLogger,
  openBenchStorage,
  percentile,
  runFromSources,
  storageName,
} from './bench-helpers.js';

const streamTarget = Number(process.argv[2] ?? 1000);

/** The model under test, swapped per phase; each phase sets it before sending. */
let activeModel: LanguageModelV1 = createOfflineLanguageModel();
const switchingModel: LanguageModelV1 = {
  specificationVersion: 'v1',
  provider: 'bench',
  modelId: 'switching',
  doGenerate: (options) => activeModel.doGenerate(options),
  doStream: (options) => activeModel.doStream(options),
};

/** An instant model that writes `tokens` one-word deltas and cites source 1. */
function tokenModel(tokens: number): LanguageModelV1 {
  const words = Array.from({ length: tokens }, (_, index) =>
    index === tokens - 1 ? 'card [1].' : index % 12 === 11 ? 'card. ' : 'update ',
  );
  return {
    specificationVersion: 'v1',
    provider: 'bench',
    modelId: `tokens-${tokens}`,
    doGenerate: async () => ({
      text: words.join(''),
      toolCalls: [],
      finishReason: 'stop',
      usage: {},
    }),
    doStream: async () => ({
      stream: new ReadableStream<LanguageModelV1StreamPart>({
        start(controller) {
          for (const delta of words) controller.enqueue({ type: 'text-delta', delta });
          controller.enqueue({ type: 'finish', finishReason: 'stop', usage: {} });
          controller.close();
        },
      }),
    }),
  };
}

/** The offline model, held at a gate before it writes. */
function gatedModel(gate: { wait(): Promise<void> }): LanguageModelV1 {
  const inner = createOfflineLanguageModel();
  return {
    ...inner,
    doStream: async (options) => {
      await gate.wait();
      return inner.doStream(options);
    },
  };
}

/**
 * Counts the SQL statements Kysely runs (every executor, transactions' too) and the
 * transactions it opens (each adds a `begin` and a `commit` round trip).
 */
function countStatements(storage: StorageV1) {
  const db = (storage as { db?: { getExecutor(): object; transaction(): object } }).db;
  const counts = {
    statements: 0,
    transactions: 0,
    sqlMs: 0,
    bySql: new Map<string, number>(),
    msBySql: new Map<string, number>(),
  };
  if (!db) return counts;
  const executor = Object.getPrototypeOf(db.getExecutor()) as {
    executeQuery(query: { sql: string }, ...rest: unknown[]): Promise<unknown>;
  };
  const executeQuery = executor.executeQuery;
  executor.executeQuery = function (this: unknown, query, ...rest) {
    counts.statements += 1;
    const flat = query.sql.replace(/\s+/g, ' ');
    const shape = `${flat.slice(0, 60)} … ${flat.slice(-50)}`;
    counts.bySql.set(shape, (counts.bySql.get(shape) ?? 0) + 1);
    const started = performance.now();
    return executeQuery.call(this, query, ...rest).finally(() => {
      const ms = performance.now() - started;
      counts.sqlMs += ms;
      counts.msBySql.set(shape, (counts.msBySql.get(shape) ?? 0) + ms);
    });
  };
  const builder = Object.getPrototypeOf(db.transaction()) as {
    execute(...args: unknown[]): Promise<unknown>;
  };
  const execute = builder.execute;
  builder.execute = function (this: unknown, ...args) {
    counts.transactions += 1;
    return execute.apply(this, args);
  };
  return counts;
}

async function main(): Promise<void> {
  const { storage, close } = await openBenchStorage();
  const tenant: TestTenant = await createTestTenant(storage, 'Bench', { usageQuota: 100_000_000 });
  const registry = createMemoryChatStreamRegistry({ maxActiveStreams: streamTarget + 100 });
  const knowledgeBases = createKnowledgeBaseCache({ languageModel: switchingModel });
  await knowledgeBases.forTenant(storage, tenant.tenant.id).ingest(helpCentre);
  // BENCH_VERBOSE=1 prints what the server logs (errors of failed turns).
  const quiet = benchLogger;
  // Rate limits stay on (their cost is part of the overhead) with limits no run reaches.
  const unreachable = { limit: 1_000_000_000, windowMs: 60_000 };
  // Two handlers over the same storage, registry and index: text deltas coalesced (the
  // default, 512 characters) or written one SSE event per token (phase 3 compares them).
  const handlerWith = (flushChars: number) =>
    createChurnHandler({
      storage,
      logger: quiet,
      rateLimits: {
        rules: { 'chat-turn': { ip: unreachable, key: unreachable, customer: unreachable } },
      },
      chat: { knowledgeBases, registry, flushChars },
    });
  const handler = handlerWith(512);
  const perTokenHandler = handlerWith(1);
  let serving = handler;
  const server = createServer(toNodeHandler((request) => serving(request), { logger: quiet }));
  // The direct-handler phase leaves the client's keep-alive sockets idle for a while: a
  // longer server keep-alive avoids the close/reuse race (ECONNRESET) when HTTP resumes.
  server.keepAliveTimeout = 300_000;
  server.listen(0, '127.0.0.1', 4096);
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let visitorCounter = 0;
  const newConversation = async (): Promise<{ id: string; visitor: string }> => {
    visitorCounter += 1;
    const visitor = `bench-visitor-${visitorCounter.toString().padStart(6, '0')}`;
    const conversation = await storage.conversations.create({
      tenantId: tenant.tenant.id,
      purpose: 'support',
      sessionId: visitor,
      metadata: { visitorId: visitor },
    });
    return { id: conversation.id, visitor };
  };

  /** One turn: POST, read the SSE body to the end. Answers ms and whether it ended well. */
  const turn = async (
    conversation: { id: string; visitor: string },
    text: string,
    onStart?: () => void,
  ): Promise<{ ms: number; ok: boolean; bytes: number; events: number }> => {
    const started = performance.now();
    const response = await fetch(`${base}/api/conversations/${conversation.id}/messages`, {
      method: 'POST',
      headers: widgetHeaders(tenant, { visitor: conversation.visitor }),
      body: JSON.stringify({ text }),
    });
    if (response.status !== 200 || !response.body) {
      await response.text().catch(() => '');
      return { ms: performance.now() - started, ok: false, bytes: 0, events: 0 };
    }
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    let body = '';
    let startSeen = false;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      body += decoder.decode(value, { stream: true });
      if (!startSeen && body.includes('"type":"start"')) {
        startSeen = true;
        onStart?.();
      }
    }
    const ok = body.endsWith('data: [DONE]\n\n') && !body.includes('"type":"error"');
    return {
      ms: performance.now() - started,
      ok,
      bytes: body.length,
      events: body.split('\n\n').length - 1,
    };
  };

  const question = 'How do I change the card on file?';
  const lines: string[] = [];
  const print = (line: string) => {
    lines.push(line);
    console.log(line);
  };

  /**
   * One turn straight through the fetch handler (no socket, no HTTP parsing): the handler's
   * own work per turn (authentication, rate limits, quota, persistence, retrieval, the SSE
   * encoding) with an instant model.
   */
  const directTurn = async (conversation: { id: string; visitor: string }): Promise<number> => {
    const started = performance.now();
    const response = await handler(
      new Request(`http://bench.local/api/conversations/${conversation.id}/messages`, {
        method: 'POST',
        headers: widgetHeaders(tenant, { visitor: conversation.visitor }),
        body: JSON.stringify({ text: question }),
      }),
    );
    const body = await response.text();
    if (response.status !== 200 || !body.endsWith('data: [DONE]\n\n')) {
      throw new Error(`direct turn failed: ${response.status} ${body.slice(0, 200)}`);
    }
    return performance.now() - started;
  };

  // Warm up (JIT, index load).
  activeModel = createOfflineLanguageModel();
  for (let index = 0; index < 30; index++) await turn(await newConversation(), question);

  // 0. Handler overhead per turn: no HTTP, a model that answers 20 tokens at once.
  activeModel = tokenModel(20);
  for (let index = 0; index < 50; index++) await directTurn(await newConversation());
  const direct: number[] = [];
  const directConversations: { id: string; visitor: string }[] = [];
  for (let index = 0; index < 1000; index++) directConversations.push(await newConversation());
  const counts = countStatements(storage);
  // Time in SQL per turn (turns run one at a time, so each turn's statements are its own).
  const sqlPerTurn: number[] = [];
  for (const conversation of directConversations) {
    const sqlBefore = counts.sqlMs;
    direct.push(await directTurn(conversation));
    sqlPerTurn.push(counts.sqlMs - sqlBefore);
  }
  // Work a turn finishes after `[DONE]` (analytics) counts too.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const statements = counts.statements / directConversations.length;
  const transactions = counts.transactions / directConversations.length;
  direct.sort((left, right) => left - right);
  sqlPerTurn.sort((left, right) => left - right);
  print(
    `handler overhead per turn (fetch handler, no HTTP, instant 20-token model, 1000 turns): p50 ${percentile(direct, 0.5).toFixed(2)} ms, p99 ${percentile(direct, 0.99).toFixed(2)} ms; SQL per turn ${statements.toFixed(1)} statements in ${transactions.toFixed(1)} transactions (${(statements + 2 * transactions).toFixed(1)} round trips with begin/commit), time in SQL per turn p50 ${percentile(sqlPerTurn, 0.5).toFixed(2)} ms, p99 ${percentile(sqlPerTurn, 0.99).toFixed(2)} ms`,
  );
  if (process.env.BENCH_VERBOSE) {
    for (const [shape, count] of [...counts.bySql].sort((left, right) => right[1] - left[1])) {
      const ms = (counts.msBySql.get(shape) ?? 0) / count;
      console.log(
        `  ${(count / directConversations.length).toFixed(2)} × ${ms.toFixed(2)} ms: ${shape}`,
      );
    }
  }
  if (process.env.BENCH_ONLY_OVERHEAD) {
    server.close();
    await close();
    return;
  }
  activeModel = createOfflineLanguageModel();

  // 1. Sequential latency.
  const sequential: number[] = [];
  let sequentialErrors = 0;
  for (let index = 0; index < 300; index++) {
    const result = await turn(await newConversation(), question);
    sequential.push(result.ms);
    if (!result.ok) sequentialErrors += 1;
  }
  sequential.sort((left, right) => left - right);
  print(
    `turn latency, sequential (300 turns, instant offline model): p50 ${percentile(sequential, 0.5).toFixed(1)} ms, p99 ${percentile(sequential, 0.99).toFixed(1)} ms, errors ${sequentialErrors}`,
  );

  // 2. Throughput with 32 in flight.
  const runConcurrent = async (total: number, inFlight: number, text: string) => {
    const conversations: { id: string; visitor: string }[] = [];
    for (let index = 0; index < total; index++) conversations.push(await newConversation());
    let next = 0;
    let errors = 0;
    let bytes = 0;
    let events = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < conversations.length) {
          const conversation = conversations[next]!;
          next += 1;
          const result = await turn(conversation, text);
          if (!result.ok) errors += 1;
          bytes += result.bytes;
          events += result.events;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    return { perSecond: total / seconds, errors, bytes: bytes / total, events: events / total };
  };
  const throughput = await runConcurrent(600, 32, question);
  print(
    `throughput (600 turns, 32 in flight): ${throughput.perSecond.toFixed(0)} turns/s, errors ${throughput.errors}`,
  );

  // 3. Token writes: coalesced vs one write per token.
  activeModel = tokenModel(400);
  const batched = await runConcurrent(200, 16, question);
  serving = perTokenHandler;
  const perToken = await runConcurrent(200, 16, question);
  serving = handler;
  print(
    `400-token answers, 16 in flight: coalesced ${batched.perSecond.toFixed(0)} turns/s (${batched.events.toFixed(0)} SSE events per turn), one write per token ${perToken.perSecond.toFixed(0)} turns/s (${perToken.events.toFixed(0)} events per turn): ${(batched.perSecond / perToken.perSecond).toFixed(1)}x, errors ${batched.errors + perToken.errors}`,
  );

  // 4. N concurrent open streams, held, then released.
  const gate = createGate();
  activeModel = gatedModel(gate);
  const conversations: { id: string; visitor: string }[] = [];
  for (let index = 0; index < streamTarget; index++) conversations.push(await newConversation());
  let open = 0;
  let peakOpen = 0;
  const holdStarted = performance.now();
  const pending = conversations.map((conversation) =>
    turn(conversation, question, () => {
      open += 1;
      peakOpen = Math.max(peakOpen, open);
    }).catch(() => ({ ms: 0, ok: false, bytes: 0, events: 0 })),
  );
  const deadline = Date.now() + 120_000;
  while ((gate.waiting < streamTarget || open < streamTarget) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const allOpenAfter = performance.now() - holdStarted;
  const rssHeld = process.memoryUsage().rss;
  const activeHeld = registry.activeCount();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  gate.open();
  const results = await Promise.all(pending);
  const failed = results.filter((result) => !result.ok).length;
  print(
    `concurrent SSE streams: ${peakOpen} open at once (target ${streamTarget}), ${activeHeld} replies in the registry, held 2 s, all open after ${(allOpenAfter / 1000).toFixed(1)} s; after release ${results.length - failed} finished with [DONE], errors ${failed}; RSS while held ${(rssHeld / 1048576).toFixed(0)} MB`,
  );

  print(
    `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1073741824)} GB, node ${process.version}, ${os.platform()} ${os.arch()}; storage ${storageName()}; load average ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' / ')}`,
  );

  server.closeAllConnections();
  server.close();
  await close();
}

await runFromSources(main);
