import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  emulatedEmbedding,
  estimateTokens,
  type OpenAIEmulator,
  startOpenAIEmulator,
} from './openai-emulator.js';

let emulator: OpenAIEmulator;
beforeAll(async () => {
  emulator = await startOpenAIEmulator();
});
afterAll(async () => {
  await emulator.close();
});

function post(path: string, body: unknown, key: string | null = emulator.apiKey) {
  return fetch(`${emulator.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

describe('startOpenAIEmulator', () => {
  it('binds 127.0.0.1 and answers 401 like OpenAI without or with a wrong key', async () => {
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    const missing = await post(
      '/embeddings',
      { model: 'text-embedding-3-small', input: 'x' },
      null,
    );
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: null, code: null },
    });
    const wrong = await post(
      '/embeddings',
      { model: 'text-embedding-3-small', input: 'x' },
      'sk-wrong-1234567890',
    );
    expect(wrong.status).toBe(401);
    const body = (await wrong.json()) as { error: { message: string; code: string } };
    expect(body.error.code).toBe('invalid_api_key');
    expect(body.error.message).toContain('sk-*****7890');
  });

  it('embeds as float or base64 (little-endian float32), with usage and the dimensions asked', async () => {
    const float = (await (
      await post('/embeddings', {
        model: 'text-embedding-3-small',
        input: ['a b', 'c'],
        encoding_format: 'float',
        dimensions: 4,
      })
    ).json()) as {
      object: string;
      data: Array<{ object: string; index: number; embedding: number[] }>;
      model: string;
      usage: { prompt_tokens: number; total_tokens: number };
    };
    expect(float.object).toBe('list');
    expect(float.data.map((item) => [item.object, item.index, item.embedding.length])).toEqual([
      ['embedding', 0, 4],
      ['embedding', 1, 4],
    ]);
    expect(float.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });
    const base64 = (await (
      await post('/embeddings', {
        model: 'text-embedding-3-small',
        input: 'a b',
        encoding_format: 'base64',
        dimensions: 4,
      })
    ).json()) as {
      data: Array<{ embedding: string }>;
    };
    const bytes = Buffer.from(base64.data[0]!.embedding, 'base64');
    const decoded = Array.from({ length: 4 }, (_, index) => bytes.readFloatLE(index * 4));
    expect(decoded).toEqual(float.data[0]!.embedding);
    expect(Array.from(emulatedEmbedding('a b', 4))).toEqual(decoded);
  });

  it('refuses what OpenAI refuses, with its statuses and error shapes', async () => {
    const tooMany = await post('/embeddings', {
      model: 'text-embedding-3-small',
      input: Array.from({ length: 2049 }, () => 'x'),
    });
    expect(tooMany.status).toBe(400);
    expect(await tooMany.json()).toEqual({
      error: {
        message:
          "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        type: 'invalid_request_error',
        param: null,
        code: null,
      },
    });
    expect((await post('/embeddings', { model: 'text-embedding-3-small', input: '' })).status).toBe(
      400,
    );
    expect((await post('/embeddings', { model: 'nope', input: 'x' })).status).toBe(404);
    expect(
      (await post('/embeddings', { model: 'text-embedding-ada-002', input: 'x', dimensions: 8 }))
        .status,
    ).toBe(400);
    expect(
      (await post('/embeddings', { model: 'text-embedding-3-small', input: 'word '.repeat(8200) }))
        .status,
    ).toBe(400);
    expect((await post('/embeddings', '{not json')).status).toBe(400);
    expect((await post('/chat/completions', { model: 'gpt-4o-mini' })).status).toBe(400);
    const toolChoice = await post('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      tool_choice: 'auto',
    });
    expect(await toolChoice.json()).toMatchObject({
      error: { param: 'tool_choice', type: 'invalid_request_error' },
    });
    expect((await post('/nowhere', {})).status).toBe(404);
    expect(estimateTokens('Hello, world 12345!')).toBe(6);
  });

  it('streams chat completions as SSE chunks: role first, content, finish, usage, [DONE]', async () => {
    const response = await post('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi there' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map(
        (line) =>
          JSON.parse(line.slice('data: '.length)) as {
            object: string;
            choices: Array<{
              delta: { role?: string; content?: string };
              finish_reason: string | null;
            }>;
            usage: unknown;
          },
      );
    expect(events.every((event) => event.object === 'chat.completion.chunk')).toBe(true);
    expect(events[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    const content = events
      .flatMap((event) => event.choices.map((choice) => choice.delta.content ?? ''))
      .join('');
    expect(content).toBe('You said: hi there. This is the emulator answering.');
    expect(events.at(-2)!.choices[0]!.finish_reason).toBe('stop');
    expect(events.at(-1)!.choices).toEqual([]);
    expect(events.at(-1)!.usage).toMatchObject({
      prompt_tokens: expect.any(Number),
      completion_tokens: expect.any(Number),
    });
    expect(events.slice(0, -1).every((event) => event.usage === null)).toBe(true);
  });

  it('streams tool calls as index/id/name first, then argument fragments', async () => {
    const response = await post('/chat/completions', {
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'x' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'f',
            parameters: { type: 'object', properties: { q: { type: 'string' } } },
          },
        },
      ],
      tool_choice: 'required',
      stream: true,
    });
    const events = (await response.text())
      .split('\n\n')
      .filter((line) => line.startsWith('data: {'))
      .map(
        (line) =>
          JSON.parse(line.slice(6)) as {
            choices: Array<{
              delta: { tool_calls?: Array<Record<string, unknown>> };
              finish_reason: string | null;
            }>;
          },
      );
    const deltas = events.flatMap((event) => event.choices[0]?.delta.tool_calls ?? []);
    expect(deltas[0]).toMatchObject({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: 'function',
      function: { name: 'f', arguments: '' },
    });
    expect(deltas.length).toBeGreaterThan(2);
    expect(deltas.slice(1).every((delta) => delta.id === undefined && delta.index === 0)).toBe(
      true,
    );
    const args = deltas
      .map((delta) => (delta.function as { arguments: string }).arguments)
      .join('');
    expect(JSON.parse(args)).toEqual({ q: 'x' });
    expect(events.at(-1)!.choices[0]!.finish_reason).toBe('tool_calls');
  });

  it('answers queued faults in order, then returns to normal', async () => {
    emulator.queueFault(
      { type: 'status', status: 429, retryAfterSeconds: 2 },
      { path: '/v1/embeddings' },
    );
    emulator.queueFault({ type: 'status', status: 503 });
    const limited = await post('/embeddings', { model: 'text-embedding-3-small', input: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(await limited.json()).toMatchObject({
      error: { type: 'requests', code: 'rate_limit_exceeded' },
    });
    const unavailable = await post('/chat/completions', {
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(unavailable.status).toBe(503);
    expect(await unavailable.json()).toMatchObject({ error: { type: 'server_error' } });
    expect(
      (await post('/embeddings', { model: 'text-embedding-3-small', input: 'x' })).status,
    ).toBe(200);
    emulator.queueFault({ type: 'malformed-body' });
    const malformed = await post('/embeddings', { model: 'text-embedding-3-small', input: 'x' });
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
  });
});
