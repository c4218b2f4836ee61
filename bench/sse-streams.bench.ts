/**
 * Load: many concurrent SSE streams on one instance (target 1,000 without an error).
 *
 * BENCH_STREAMS turns (default 1,000) are sent at once over loopback HTTP; the model waits
 * at a gate until every stream is open (its `start` chunk received), the streams are held
 * for 2 s, then the gate opens and each reply streams word by word at 40 tokens/s
 * (BENCH_CHUNK_DELAY_MS, default 25 ms). Every stream must end with `[DONE]` and no `error`
 * chunk, and every question and answer must be stored.
 *
 * Prints how long opening them all took and its rate, time to first byte (p50, p99), the
 * whole turn after release (p50, p99), the replies in the registry while held, RSS, errors.
 *
 * Run: `pnpm exec tsx bench/sse-streams.bench.ts` (about 30 s on PGlite). BENCH_DATABASE_URL
 * runs it on PostgreSQL (a temporary schema).
 */
import { createMemoryChatStreamRegistry } from '../packages/server/src/chat/chat-stream-registry.js';
import {
  createGate,
  createPacedLanguageModel,
} from '../packages/server/src/chat/chat-test-helpers.js';
import {
  benchLogger,
  createChatBench,
  latencies,
  listen,
  loadAverage,
  machineLine,
  openBenchStorage,
  runFromSources,
  storageName,
} from './bench-helpers.js';

const streams = Number(process.env.BENCH_STREAMS ?? 1000);
const chunkDelayMs = Number(process.env.BENCH_CHUNK_DELAY_MS ?? 25);

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const { storage, close } = await openBenchStorage();
  const gate = createGate();
  const registry = createMemoryChatStreamRegistry({ maxActiveStreams: streams + 100 });
  const { tenant, handler, startConversations, ask } = await createChatBench({
    storage,
    languageModel: createPacedLanguageModel({ gate, delayMs: chunkDelayMs, wordByWord: true }),
    registry,
  });
  const http = await listen(handler, benchLogger);
  const conversations = await startConversations(streams);

  let open = 0;
  let releasedAt = 0;
  const firstByte: number[] = [];
  const afterRelease: number[] = [];
  const failures: string[] = [];
  const turn = async (conversation: { id: string; visitor: string }) => {
    const started = performance.now();
    try {
      const response = await ask(http.base, conversation);
      if (response.status !== 200 || !response.body) {
        failures.push(`status ${response.status}: ${(await response.text()).slice(0, 120)}`);
        return;
      }
      const decoder = new TextDecoder();
      let body = '';
      let counted = false;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        body += decoder.decode(chunk, { stream: true });
        if (!counted && body.includes('"type":"start"')) {
          counted = true;
          open += 1;
          firstByte.push(performance.now() - started);
        }
      }
      afterRelease.push(performance.now() - releasedAt);
      if (!body.endsWith('data: [DONE]\n\n') || body.includes('"type":"error"')) {
        failures.push(`stream: ${body.slice(-160)}`);
      }
    } catch (error) {
      failures.push(`request: ${String(error)}`);
    }
  };

  const started = performance.now();
  const pending = conversations.map(turn);
  const deadline = Date.now() + 120_000;
  while ((open < streams || gate.waiting < streams) && Date.now() < deadline) {
    if (failures.length > 0 && open + failures.length >= streams) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const openSeconds = (performance.now() - started) / 1000;
  const held = registry.activeCount();
  const rss = process.memoryUsage().rss;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  releasedAt = performance.now();
  gate.open();
  await Promise.all(pending);
  const drainSeconds = (performance.now() - releasedAt) / 1000;

  let stored = 0;
  for (const conversation of conversations.slice(0, 50)) {
    const messages = await storage.messages.list({
      tenantId: tenant.tenant.id,
      conversationId: conversation.id,
    });
    if (messages.length === 2) stored += 1;
  }
  console.log(
    `concurrent SSE streams: ${open} of ${streams} open at once after ${openSeconds.toFixed(1)} s (${(open / openSeconds).toFixed(0)} streams/s opened), ${held} replies in the registry, held 2 s; first byte ${latencies(firstByte)}; after release all streamed ${chunkDelayMs} ms a word and finished in ${drainSeconds.toFixed(1)} s (${(streams / drainSeconds).toFixed(0)} turns/s), turn end after release ${latencies(afterRelease)}; errors ${failures.length}; RSS while held ${(rss / 1048576).toFixed(0)} MB`,
  );
  for (const failure of failures.slice(0, 5)) console.log(`  error: ${failure}`);
  console.log(`check: ${stored} of the first 50 conversations stored the question and the answer`);
  console.log(machineLine(storageName(), loadBefore));

  await http.close();
  await close();
  if (failures.length > 0 || open < streams || stored !== 50) process.exitCode = 1;
}

await runFromSources(main);
