import { type OpenAIEmulator, startOpenAIEmulator } from '@churn/testing';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The emulator, driven by the official SDK directly (the SDK is a dependency of this
// package, not of @churn/testing).
let emulator: OpenAIEmulator;
beforeAll(async () => {
  emulator = await startOpenAIEmulator();
});
afterAll(async () => {
  await emulator.close();
});

describe('the OpenAI emulator, through the official SDK', () => {
  it('decodes through the official SDK, which asks for base64 by default', async () => {
    const client = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.url });
    const response = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: 'refund policy',
    });
    expect(response.data[0]!.embedding).toHaveLength(1536);
    expect(Math.hypot(...response.data[0]!.embedding)).toBeCloseTo(1, 5);
  });

  it('streams chat chunks the SDK parses, tool-call deltas included', async () => {
    const client = new OpenAI({ apiKey: emulator.apiKey, baseURL: emulator.url });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'call f' }],
      tools: [
        {
          type: 'function',
          function: { name: 'f', parameters: { type: 'object', properties: {} } },
        },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    expect(chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])[0]).toMatchObject({
      index: 0,
      function: { name: 'f' },
    });
    expect(chunks.at(-1)!.usage?.total_tokens).toBeGreaterThan(0);
  });
});
