import {
  defaultOpenAIEmulatorReply,
  type OpenAIEmulator,
  startOpenAIEmulator,
} from '@churn/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/churn-error.js';
import type {
  LanguageModelV1StreamPart,
  LanguageModelV1Tool,
} from '../../language-model/v1/index.js';
import {
  createOpenAILanguageModel,
  mapOpenAIFinishReason,
  ToolCallAssembler,
} from './openai-language-model.js';

let emulator: OpenAIEmulator;

beforeAll(async () => {
  emulator = await startOpenAIEmulator();
});
afterAll(async () => {
  await emulator.close();
});
afterEach(() => {
  emulator.clearFaults();
  emulator.setRespond(undefined);
  emulator.requests.length = 0;
});

function model(overrides: Partial<Parameters<typeof createOpenAILanguageModel>[0]> = {}) {
  return createOpenAILanguageModel({
    apiKey: emulator.apiKey,
    baseURL: emulator.url,
    initialRetryDelayMs: 10,
    ...overrides,
  });
}

async function readAll(
  stream: ReadableStream<LanguageModelV1StreamPart>,
): Promise<LanguageModelV1StreamPart[]> {
  const parts: LanguageModelV1StreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
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

const lookupInvoice: LanguageModelV1Tool = {
  name: 'lookup_invoice',
  description: 'Finds an invoice by number.',
  parameters: {
    type: 'object',
    properties: { invoiceNumber: { type: 'string' }, includeLines: { type: 'boolean' } },
    required: ['invoiceNumber'],
    additionalProperties: false,
  },
};

const prompt = [
  { role: 'system' as const, content: 'You are Churn.' },
  { role: 'user' as const, content: 'Why did my payment fail?' },
];

describe('createOpenAILanguageModel', () => {
  it('generates text with finish reason and usage', async () => {
    const result = await model().doGenerate({ prompt, temperature: 0.2, maxOutputTokens: 200 });
    expect(result.text).toBe('You said: Why did my payment fail?. This is the emulator answering.');
    expect(result.finishReason).toBe('stop');
    expect(result.toolCalls).toEqual([]);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
    expect(emulator.requests[0]!.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are Churn.' },
        { role: 'user', content: 'Why did my payment fail?' },
      ],
      temperature: 0.2,
      max_tokens: 200,
    });
    expect(emulator.requests[0]!.body).not.toHaveProperty('stream', true);
  });

  it('streams text deltas that add up to the whole text, then one finish with usage', async () => {
    const expected = await model().doGenerate({ prompt });
    const { stream } = await model().doStream({ prompt });
    const parts = await readAll(stream);
    const deltas = parts.filter((part) => part.type === 'text-delta');
    expect(deltas.length).toBeGreaterThan(3);
    expect(deltas.map((part) => (part.type === 'text-delta' ? part.delta : '')).join('')).toBe(
      expected.text,
    );
    expect(parts.filter((part) => part.type === 'finish')).toHaveLength(1);
    const last = parts.at(-1)!;
    expect(last).toMatchObject({ type: 'finish', finishReason: 'stop' });
    expect(last.type === 'finish' && last.usage.inputTokens).toBeGreaterThan(0);
    expect(emulator.requests[1]!.body).toMatchObject({
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  it('maps length when the output limit cuts the answer', async () => {
    emulator.setRespond(() => ({ text: 'one two three four five six seven eight nine ten' }));
    const result = await model().doGenerate({ prompt, maxOutputTokens: 3 });
    expect(result).toMatchObject({ text: 'one two three', finishReason: 'length' });
    const parts = await readAll((await model().doStream({ prompt, maxOutputTokens: 3 })).stream);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'length' });
  });

  it('returns whole tool calls from doGenerate, and sends the tools and tool choice', async () => {
    const result = await model().doGenerate({
      prompt,
      tools: [lookupInvoice],
      toolChoice: { toolName: 'lookup_invoice' },
    });
    expect(result.finishReason).toBe('tool-calls');
    expect(result.toolCalls).toHaveLength(1);
    expect(result.toolCalls[0]!.toolName).toBe('lookup_invoice');
    expect(result.toolCalls[0]!.toolCallId).toMatch(/^call_/);
    expect(JSON.parse(result.toolCalls[0]!.input)).toEqual({
      invoiceNumber: 'Why did my payment fail?',
      includeLines: true,
    });
    expect(emulator.requests[0]!.body).toMatchObject({
      tools: [
        {
          type: 'function',
          function: { name: 'lookup_invoice', parameters: lookupInvoice.parameters },
        },
      ],
      tool_choice: { type: 'function', function: { name: 'lookup_invoice' } },
    });
  });

  it('assembles streamed tool-call fragments, several calls by index, into whole parts', async () => {
    emulator.setRespond(() => ({
      text: 'Let me check.',
      toolCalls: [
        {
          id: 'call_a',
          name: 'lookup_invoice',
          arguments: { invoiceNumber: 'in_1MtHbELkdIwHu7ixl4OzzPMv', includeLines: false },
        },
        { id: 'call_b', name: 'lookup_invoice', arguments: { invoiceNumber: 'in_2' } },
      ],
    }));
    const { stream } = await model().doStream({
      prompt,
      tools: [lookupInvoice],
      toolChoice: 'required',
    });
    const parts = await readAll(stream);
    const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');
    expect(text).toBe('Let me check.');
    const calls = parts.flatMap((part) => (part.type === 'tool-call' ? [part.toolCall] : []));
    expect(calls).toEqual([
      {
        toolCallId: 'call_a',
        toolName: 'lookup_invoice',
        input: '{"invoiceNumber":"in_1MtHbELkdIwHu7ixl4OzzPMv","includeLines":false}',
      },
      { toolCallId: 'call_b', toolName: 'lookup_invoice', input: '{"invoiceNumber":"in_2"}' },
    ]);
    expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
    // Calls come after the text and before the finish.
    expect(parts.findIndex((part) => part.type === 'tool-call')).toBeGreaterThan(
      parts.findLastIndex((part) => part.type === 'text-delta'),
    );
    expect(emulator.requests[0]!.body).toMatchObject({ tool_choice: 'required' });
  });

  it('sends a tool round trip in the shape the API checks', async () => {
    const result = await model().doGenerate({
      prompt: [
        ...prompt,
        {
          role: 'assistant',
          content: '',
          toolCalls: [
            { toolCallId: 'call_1', toolName: 'lookup_invoice', input: '{"invoiceNumber":"in_1"}' },
          ],
        },
        {
          role: 'tool',
          toolCallId: 'call_1',
          toolName: 'lookup_invoice',
          content: '{"status":"open"}',
        },
      ],
      tools: [lookupInvoice],
    });
    expect(result.text).toBe('The tool answered: {"status":"open"}');
    expect((emulator.requests[0]!.body as { messages: unknown[] }).messages.slice(2)).toEqual([
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'lookup_invoice', arguments: '{"invoiceNumber":"in_1"}' },
          },
        ],
      },
      { role: 'tool', tool_call_id: 'call_1', content: '{"status":"open"}' },
    ]);
  });

  it('assembles deltas by index even when fragments interleave', () => {
    const assembler = new ToolCallAssembler();
    assembler.add([
      { index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '' } },
    ]);
    assembler.add([
      { index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '{"x"' } },
    ]);
    assembler.add([{ index: 1, function: { arguments: '{}' } }]);
    assembler.add([{ index: 0, function: { arguments: ':1}' } }]);
    expect(assembler.finish()).toEqual([
      { toolCallId: 'call_a', toolName: 'a', input: '{"x":1}' },
      { toolCallId: 'call_b', toolName: 'b', input: '{}' },
    ]);
  });

  it('maps every finish reason', () => {
    expect(
      ['stop', 'length', 'tool_calls', 'function_call', 'content_filter', null, 'weird'].map(
        mapOpenAIFinishReason,
      ),
    ).toEqual(['stop', 'length', 'tool-calls', 'tool-calls', 'content-filter', 'other', 'other']);
  });

  it('works with a compatible server that rejects stream_options (streamUsage: false)', async () => {
    const { stream } = await model({ streamUsage: false, model: 'llama-3.1-8b' }).doStream({
      prompt,
    });
    const parts = await readAll(stream);
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'stop', usage: {} });
    expect(emulator.requests[0]!.body).not.toHaveProperty('stream_options');
  });

  describe('faults', () => {
    it('retries a 429 with Retry-After before the stream starts', async () => {
      emulator.queueFault({ type: 'status', status: 429, retryAfterMs: 200 });
      const { stream } = await model().doStream({ prompt });
      const parts = await readAll(stream);
      expect(parts.at(-1)).toMatchObject({ type: 'finish' });
      expect(emulator.requests).toHaveLength(2);
      expect(
        emulator.requests[1]!.receivedAt - emulator.requests[0]!.receivedAt,
      ).toBeGreaterThanOrEqual(180);
    });

    it('retries 500 twice for doGenerate, then succeeds', async () => {
      emulator.queueFault({ type: 'status', status: 500 }, { times: 2 });
      const result = await model().doGenerate({ prompt });
      expect(result.finishReason).toBe('stop');
      expect(emulator.requests).toHaveLength(3);
    });

    it('maps a malformed body to provider_error, whole or streamed', async () => {
      emulator.queueFault({ type: 'malformed-body' });
      await expectChurnError(model().doGenerate({ prompt }), 'provider_error');
      emulator.queueFault({ type: 'malformed-body' });
      const parts = await readAll((await model().doStream({ prompt })).stream);
      expect(parts.filter((part) => part.type === 'finish')).toHaveLength(0);
      const last = parts.at(-1);
      expect(last?.type).toBe('error');
      expect(last?.type === 'error' && ChurnError.isInstance(last.error) && last.error.code).toBe(
        'provider_error',
      );
    });

    it('ends a cut stream with an error part, not a finish', async () => {
      emulator.queueFault({ type: 'stream-cut', afterChunks: 3 });
      const parts = await readAll((await model().doStream({ prompt })).stream);
      expect(parts.at(-1)).toMatchObject({ type: 'error' });
      expect(parts.some((part) => part.type === 'finish')).toBe(false);
    });

    it('maps a hang to timeout', async () => {
      emulator.queueFault({ type: 'hang' }, { times: 2 });
      await expectChurnError(
        model({ timeoutMs: 100, maxRetries: 1 }).doGenerate({ prompt }),
        'timeout',
      );
    });

    it('times out a stream that goes quiet between chunks', async () => {
      const slow = await startOpenAIEmulator({ chunkDelayMs: 400 });
      try {
        const slowModel = createOpenAILanguageModel({
          apiKey: slow.apiKey,
          baseURL: slow.url,
          timeoutMs: 150,
        });
        const parts = await readAll((await slowModel.doStream({ prompt })).stream);
        const last = parts.at(-1);
        expect(last?.type === 'error' && ChurnError.isInstance(last.error) && last.error.code).toBe(
          'timeout',
        );
      } finally {
        await slow.close();
      }
    });

    it('stops the stream on abort with one aborted error part', async () => {
      const slow = await startOpenAIEmulator({
        chunkDelayMs: 30,
        respond: () => ({ text: 'word '.repeat(200) }),
      });
      try {
        const slowModel = createOpenAILanguageModel({ apiKey: slow.apiKey, baseURL: slow.url });
        const controller = new AbortController();
        const { stream } = await slowModel.doStream({ prompt, abortSignal: controller.signal });
        const parts: LanguageModelV1StreamPart[] = [];
        const reader = stream.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parts.push(value);
          if (parts.length === 3) controller.abort();
        }
        expect(parts.length).toBeLessThan(10);
        expect(parts.filter((part) => part.type === 'finish')).toHaveLength(0);
        const last = parts.at(-1);
        expect(last?.type === 'error' && ChurnError.isInstance(last.error) && last.error.code).toBe(
          'aborted',
        );
      } finally {
        await slow.close();
      }
    });

    it('rejects doGenerate and doStream at once when already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await expectChurnError(
        model().doGenerate({ prompt, abortSignal: controller.signal }),
        'aborted',
      );
      await expectChurnError(
        model().doStream({ prompt, abortSignal: controller.signal }),
        'aborted',
      );
      expect(emulator.requests).toHaveLength(0);
    });

    it('maps 401 to configuration for streams too (before the stream starts)', async () => {
      const error = await expectChurnError(
        model({ apiKey: 'sk-nope-00000000' }).doStream({ prompt }),
        'configuration',
      );
      expect(error.message).toContain('OPENAI_API_KEY');
    });

    it('maps an invalid request (400) to provider_error naming the parameter, without retrying', async () => {
      const error = await expectChurnError(
        model().doGenerate({
          prompt: [{ role: 'tool', toolCallId: 'call_x', toolName: 'x', content: '{}' }],
        }),
        'provider_error',
      );
      expect(error.message).toContain('messages.[0].role');
      expect(emulator.requests).toHaveLength(1);
    });
  });

  it('the default emulator reply calls a tool the user names', () => {
    const reply = defaultOpenAIEmulatorReply({
      model: 'm',
      messages: [{ role: 'user', content: 'please run lookup_invoice' }],
      tools: [
        {
          type: 'function',
          function: { name: 'lookup_invoice', parameters: lookupInvoice.parameters },
        },
      ],
      toolChoice: undefined,
      stream: false,
      lastUserMessage: 'please run lookup_invoice',
      body: {},
    });
    expect(reply).toMatchObject({ toolCalls: [{ name: 'lookup_invoice' }] });
  });
});
