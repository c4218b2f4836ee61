/**
 * Load: concurrent chat turns answered by a model that streams at a realistic pace.
 *
 * The language model is `@churn/core/openai` talking to the OpenAI emulator of
 * `@churn/testing` (real HTTP, the real `openai` SDK, server-sent chunks) that streams a
 * 60-word answer one word every BENCH_CHUNK_DELAY_MS (default 25 ms: 40 tokens/s, like a hosted
 * model). Turns go over loopback HTTP (`node:http` + `toNodeHandler`, Node's `fetch`),
 * BENCH_TURNS of them (default 240) with BENCH_IN_FLIGHT at once (default 48).
 *
 * Prints throughput, time to first byte (the `start` chunk), time to the first text, the
 * whole turn (p50, p99), and errors (a status other than 200, a stream that does not end with
 * `[DONE]`, or an `error` chunk).
 *
 * Run: `pnpm exec tsx bench/chat-streaming.bench.ts` (about 20 s). BENCH_DATABASE_URL runs it
 * on PostgreSQL (a temporary schema) instead of in-memory PGlite.
 */
import { createOpenAILanguageModel } from '../packages/core/src/providers/openai/index.js';
import { startOpenAIEmulator } from '../packages/testing/src/emulators/openai-emulator.js';
import {
  benchLogger,
  createChatBench,
  latencies,
  listen,
  loadAverage,
  machineLine,
  openBenchStorage,
  pool,
  runFromSources,
  storageName,
} from './bench-helpers.js';

const turns = Number(process.env.BENCH_TURNS ?? 240);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 48);
const chunkDelayMs = Number(process.env.BENCH_CHUNK_DELAY_MS ?? 25);

/** A 60-word answer citing the first source. */
const answer = `${Array.from({ length: 59 }, (_, index) => (index % 10 === 9 ? 'card.' : 'update')).join(' ')} [1].`;
const answerWords = answer.split(' ').length;

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const emulator = await startOpenAIEmulator({ chunkDelayMs, respond: () => ({ text: answer }) });
  const { storage, close } = await openBenchStorage();
  const { tenant, handler, startConversations, ask } = await createChatBench({
    storage,
    languageModel: createOpenAILanguageModel({
      apiKey: emulator.apiKey,
      baseURL: emulator.url,
      maxRetries: 0,
      timeoutMs: 30_000,
    }),
  });
  const http = await listen(handler, benchLogger);
  const conversations = await startConversations(turns);

  const firstByte: number[] = [];
  const firstText: number[] = [];
  const whole: number[] = [];
  const failures: string[] = [];
  let words = 0;
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
      let sawByte = false;
      let sawText = false;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        if (!sawByte) {
          sawByte = true;
          firstByte.push(performance.now() - started);
        }
        body += decoder.decode(chunk, { stream: true });
        if (!sawText && body.includes('"type":"text-delta"')) {
          sawText = true;
          firstText.push(performance.now() - started);
        }
      }
      whole.push(performance.now() - started);
      if (!body.endsWith('data: [DONE]\n\n') || body.includes('"type":"error"')) {
        failures.push(`stream: ${body.slice(-160)}`);
        return;
      }
      words += answerWords;
    } catch (error) {
      failures.push(`request: ${String(error)}`);
    }
  };

  // Warm up (JIT, index load, the SDK's first connections): not counted.
  await pool(conversations.slice(0, 8), 4, turn);
  firstByte.length = 0;
  firstText.length = 0;
  whole.length = 0;
  words = 0;
  const measured = conversations.slice(8);
  const seconds = await pool(measured, inFlight, turn);

  const modelMs = answerWords * chunkDelayMs;
  console.log(
    `chat turns, model streaming ${answerWords} words at ${(1000 / chunkDelayMs).toFixed(0)} tokens/s (≈${modelMs} ms a turn), ${measured.length} turns, ${inFlight} in flight: ${(measured.length / seconds).toFixed(1)} turns/s, ${(words / seconds).toFixed(0)} words/s delivered; first byte ${latencies(firstByte)}; first text ${latencies(firstText)}; whole turn ${latencies(whole)}; errors ${failures.length}`,
  );
  for (const failure of failures.slice(0, 5)) console.log(`  error: ${failure}`);
  const stored = await storage.messages.list({
    tenantId: tenant.tenant.id,
    conversationId: measured[0]!.id,
  });
  console.log(
    `check: the first measured conversation stored ${stored.length} messages (expected 2: the question and the answer)`,
  );
  console.log(machineLine(storageName(), loadBefore));

  await http.close();
  await emulator.close();
  await close();
  if (failures.length > 0 || stored.length !== 2) process.exitCode = 1;
}

await runFromSources(main);
