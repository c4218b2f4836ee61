import { type OpenAIEmulator, startOpenAIEmulator } from '@churn/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import {
  createOpenAIEmbeddingModel,
  decodeBase64Embedding,
  normalizeVector,
  planEmbeddingBatches,
} from './openai-embedding-model.js';

let emulator: OpenAIEmulator;

beforeAll(async () => {
  emulator = await startOpenAIEmulator();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.clearFaults();
  emulator.requests.length = 0;
});

function model(overrides: Partial<Parameters<typeof createOpenAIEmbeddingModel>[0]> = {}) {
  return createOpenAIEmbeddingModel({
    apiKey: emulator.apiKey,
    baseURL: emulator.url,
    initialRetryDelayMs: 10,
    ...overrides,
  });
}

async function expectChurnError(promise: Promise<unknown>, code: string): Promise<ChurnError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(ChurnError.isInstance(error)).toBe(true);
  expect((error as ChurnError).code).toBe(code);
  return error as ChurnError;
}

describe('createOpenAIEmbeddingModel', () => {
  it('embeds in order, 1536 unit-length dimensions, with usage, through the official SDK', async () => {
    const embedder = model();
    expect(embedder).toMatchObject({
      specificationVersion: 'v1',
      provider: 'openai',
      modelId: 'text-embedding-3-small',
      dimensions: 1536,
    });
    const { embeddings, usage } = await embedder.doEmbed({
      values: ['refund policy', 'webhook retries', 'refund policy'],
    });
    expect(embeddings).toHaveLength(3);
    for (const vector of embeddings) {
      expect(vector).toHaveLength(1536);
      expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    }
    expect(embeddings[0]).toEqual(embeddings[2]);
    expect(embeddings[0]).not.toEqual(embeddings[1]);
    expect(usage?.tokens).toBeGreaterThan(0);
    const request = emulator.requests[0]!;
    expect(request.headers.authorization).toBe(`Bearer ${emulator.apiKey}`);
    expect(request.body).toMatchObject({
      model: 'text-embedding-3-small',
      dimensions: 1536,
      encoding_format: 'base64',
    });
  });

  it('gives the same vectors whether the wire format is base64 or float', async () => {
    const values = ['How do I update my card?'];
    const base64 = await model().doEmbed({ values });
    const float = await model({ encodingFormat: 'float' }).doEmbed({ values });
    expect(
      emulator.requests.map(
        (request) => (request.body as { encoding_format: string }).encoding_format,
      ),
    ).toEqual(['base64', 'float']);
    expect(float.embeddings[0]!.length).toBe(1536);
    for (let index = 0; index < 1536; index++) {
      expect(float.embeddings[0]![index]).toBeCloseTo(base64.embeddings[0]![index]!, 6);
    }
  });

  it('asks for the configured dimensions and checks what comes back', async () => {
    const { embeddings } = await model({ dimensions: 256 }).doEmbed({ values: ['short'] });
    expect(embeddings[0]).toHaveLength(256);
    expect((emulator.requests[0]!.body as { dimensions: number }).dimensions).toBe(256);
    // ada-002 takes no `dimensions` parameter; the adapter does not send one.
    await model({ model: 'text-embedding-ada-002' }).doEmbed({ values: ['x'] });
    expect(emulator.requests[1]!.body).not.toHaveProperty('dimensions');
    // ada-002 always answers 1536 dimensions: asking for 512 is a configuration mistake.
    const error = await expectChurnError(
      model({ model: 'text-embedding-ada-002', dimensions: 512 }).doEmbed({ values: ['y'] }),
      'configuration',
    );
    expect(error.message).toContain('set dimensions');
  });

  it('takes 2048 texts in one request and refuses more: callers batch', async () => {
    const values = Array.from({ length: 2048 }, (_, index) => `chunk number ${index}`);
    const { embeddings } = await model({ dimensions: 8 }).doEmbed({ values });
    expect(embeddings).toHaveLength(2048);
    expect(emulator.requests).toHaveLength(1);
    // Order survives: the last vector is the last text's.
    const single = await model({ dimensions: 8 }).doEmbed({ values: ['chunk number 2047'] });
    expect(embeddings[2047]).toEqual(single.embeddings[0]);
    const error = await expectChurnError(
      model().doEmbed({ values: [...values, 'one more'] }),
      'validation_failed',
    );
    expect(error.message).toContain('at most 2048');
    expect(emulator.requests).toHaveLength(2);
  });

  it('plans batches under both the input and the token limits', () => {
    expect(planEmbeddingBatches([5, 5, 5], { maxInputs: 2, maxTokens: 100 })).toEqual([
      { start: 0, end: 2, tokens: 10 },
      { start: 2, end: 3, tokens: 5 },
    ]);
    expect(planEmbeddingBatches([60, 50, 40, 10], { maxInputs: 10, maxTokens: 100 })).toEqual([
      { start: 0, end: 1, tokens: 60 },
      { start: 1, end: 4, tokens: 100 },
    ]);
    expect(planEmbeddingBatches([])).toEqual([]);
  });

  it('splits by tokens: 300 000 tokens per request at most', async () => {
    const values = Array.from({ length: 100 }, (_, index) => `text ${index}`);
    await model({ dimensions: 4, countTokens: () => 5_000 }).doEmbed({ values });
    expect(
      emulator.requests.map((request) => (request.body as { input: string[] }).input.length),
    ).toEqual([60, 40]);
  });

  it('refuses a text over 8191 tokens before any request, and empty texts', async () => {
    const error = await expectChurnError(
      model().doEmbed({ values: ['ok', 'word '.repeat(9000)] }),
      'payload_too_large',
    );
    expect(error.message).toContain('Text 1');
    await expectChurnError(model().doEmbed({ values: ['ok', ''] }), 'validation_failed');
    expect(emulator.requests).toHaveLength(0);
    expect(await model().doEmbed({ values: [] })).toEqual({ embeddings: [], usage: { tokens: 0 } });
  });

  it('decodes little-endian float32 base64 and normalises vectors', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeFloatLE(3, 0);
    bytes.writeFloatLE(-4, 4);
    expect(decodeBase64Embedding(bytes.toString('base64'))).toEqual([3, -4]);
    expect(normalizeVector([3, -4])).toEqual([0.6, -0.8]);
    expect(normalizeVector([0, 0])).toEqual([0, 0]);
  });

  describe('faults', () => {
    it('retries a 429 after the Retry-After it was given, then returns the same result', async () => {
      const expected = await model().doEmbed({ values: ['retry me'] });
      emulator.requests.length = 0;
      emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 1 });
      const started = Date.now();
      const result = await model().doEmbed({ values: ['retry me'] });
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);
      expect(result).toEqual(expected);
      expect(emulator.requests).toHaveLength(2);
      expect(emulator.requests[0]!.fault).toMatchObject({ status: 429 });
    });

    it('retries 500 twice, then succeeds', async () => {
      emulator.queueFault({ type: 'status', status: 500 }, { times: 2 });
      const { embeddings } = await model().doEmbed({ values: ['flaky'] });
      expect(embeddings).toHaveLength(1);
      expect(emulator.requests).toHaveLength(3);
    });

    it('gives up with rate_limited once the retries are spent', async () => {
      emulator.queueFault({ type: 'status', status: 429, retryAfterMs: 5 }, { times: 5 });
      const error = await expectChurnError(
        model({ maxRetries: 2 }).doEmbed({ values: ['x'] }),
        'rate_limited',
      );
      expect(error.message).toContain('3 attempts');
      expect(emulator.requests).toHaveLength(3);
    });

    it('does not wait out a Retry-After beyond 60 s', async () => {
      emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 3600 });
      await expectChurnError(model().doEmbed({ values: ['x'] }), 'rate_limited');
      expect(emulator.requests).toHaveLength(1);
    });

    it('maps a malformed body to provider_error without hanging', async () => {
      emulator.queueFault({ type: 'malformed-body' });
      const error = await expectChurnError(model().doEmbed({ values: ['x'] }), 'provider_error');
      expect(error.message).toContain('not valid JSON');
      expect(error.cause).toBeInstanceOf(SyntaxError);
    });

    it('maps a hang to timeout once every attempt timed out', async () => {
      emulator.queueFault({ type: 'hang' }, { times: 2 });
      const error = await expectChurnError(
        model({ timeoutMs: 150, maxRetries: 1 }).doEmbed({ values: ['x'] }),
        'timeout',
      );
      expect(error.message).toContain('150 ms');
      expect(emulator.requests).toHaveLength(2);
    });

    it('retries a hang: the next attempt succeeds', async () => {
      emulator.queueFault({ type: 'hang' });
      const { embeddings } = await model({ timeoutMs: 150 }).doEmbed({ values: ['x'] });
      expect(embeddings).toHaveLength(1);
    });

    it('maps an abort to aborted, also while waiting to retry', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectChurnError(
        model().doEmbed({ values: ['x'], abortSignal: controller.signal }),
        'aborted',
      );

      emulator.queueFault({ type: 'hang' });
      const during = new AbortController();
      setTimeout(() => during.abort(), 50);
      await expectChurnError(
        model().doEmbed({ values: ['x'], abortSignal: during.signal }),
        'aborted',
      );

      emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 30 });
      const waiting = new AbortController();
      setTimeout(() => waiting.abort(), 100);
      const started = Date.now();
      await expectChurnError(
        model().doEmbed({ values: ['x'], abortSignal: waiting.signal }),
        'aborted',
      );
      expect(Date.now() - started).toBeLessThan(5_000);
    });

    it('maps 401 to configuration with a message that says what to fix', async () => {
      const error = await expectChurnError(
        model({ apiKey: 'sk-wrong-key-123456' }).doEmbed({ values: ['x'] }),
        'configuration',
      );
      expect(error.message).toBe(
        'OpenAI rejected the API key (401): check OPENAI_API_KEY, or the apiKey passed to the factory.',
      );
      expect(error.cause).toMatchObject({ status: 401, code: 'invalid_api_key' });
      expect(emulator.requests).toHaveLength(1);
    });

    it('maps 404 (unknown model) to configuration', async () => {
      const error = await expectChurnError(
        model({ model: 'text-embedding-9' }).doEmbed({ values: ['x'] }),
        'configuration',
      );
      expect(error.message).toContain('text-embedding-9');
    });

    it('maps a refused connection to provider_error naming the base URL', async () => {
      const error = await expectChurnError(
        model({ baseURL: 'http://127.0.0.1:9/v1', maxRetries: 0 }).doEmbed({ values: ['x'] }),
        'provider_error',
      );
      expect(error.message).toContain('http://127.0.0.1:9/v1');
    });

    it('refuses a missing API key at construction', () => {
      expect(() => createOpenAIEmbeddingModel({ apiKey: '' })).toThrow(/OPENAI_API_KEY/);
    });

    it('uses the injected fetch', async () => {
      const seen: string[] = [];
      const embedder = model({
        fetch: (input, init) => {
          seen.push(String(input));
          return fetch(input, init);
        },
      });
      await embedder.doEmbed({ values: ['x'] });
      expect(seen).toEqual([`${emulator.url}/embeddings`]);
    });
  });
});
