import type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1FinishReason,
  LanguageModelV1Message,
  LanguageModelV1StreamPart,
  LanguageModelV1Tool,
} from '@churn/core';
import { describe, expect, it } from 'vitest';
import { captureRejection, isChurnError } from './conformance-helpers.js';

/** A prompt that makes the model call a tool, for the opt-in tool-call checks. */
export interface LanguageModelToolCallScenario {
  prompt: LanguageModelV1Message[];
  tools: LanguageModelV1Tool[];
  /** Default `auto`: the model must choose the tool itself. */
  toolChoice?: LanguageModelV1CallOptions['toolChoice'];
  /** When set, the call must be to this tool. */
  expectedToolName?: string;
}

/** Settings of {@link describeLanguageModelConformance}. */
export interface LanguageModelConformanceOptions {
  /** A plain question. Default: a short support question with a system message. */
  prompt?: LanguageModelV1Message[];
  /**
   * The model answers the same prompt with the same text (the offline model, an emulator).
   * When true (default), the streamed text must equal `doGenerate`'s text; turn it off
   * for real, sampling models.
   */
  deterministic?: boolean;
  /**
   * Opt-in tool-call checks: a prompt and tools that make this model call a tool.
   * A scripted emulator can be told to; a model that decides by itself needs a prompt
   * it answers with a call. Omitted: tool calls are not checked.
   */
  toolCall?: LanguageModelToolCallScenario;
  /** A prompt whose answer streams as several text deltas, for the abort check. Default `prompt`. */
  longPrompt?: LanguageModelV1Message[];
  /** Check abort handling. Default true. */
  checkAbort?: boolean;
  /** Per-test timeout in milliseconds, for remote adapters. */
  timeoutMs?: number;
}

const finishReasons: LanguageModelV1FinishReason[] = [
  'stop',
  'length',
  'tool-calls',
  'content-filter',
  'error',
  'other',
];

const defaultPrompt: LanguageModelV1Message[] = [
  { role: 'system', content: 'You answer questions about billing, briefly.' },
  { role: 'user', content: 'How do I update the card on my subscription?' },
];

async function readParts(
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

function expectUsage(usage: { inputTokens?: number; outputTokens?: number }): void {
  expect(typeof usage).toBe('object');
  for (const value of [usage.inputTokens, usage.outputTokens]) {
    if (value !== undefined) {
      expect(Number.isInteger(value)).toBe(true);
      expect(value).toBeGreaterThanOrEqual(0);
    }
  }
}

/** Checks that a stream is well formed: only known parts, exactly one terminal part, last. */
function expectWellFormed(parts: LanguageModelV1StreamPart[]): void {
  expect(parts.length).toBeGreaterThan(0);
  for (const part of parts) {
    expect(['text-delta', 'tool-call', 'finish', 'error']).toContain(part.type);
    if (part.type === 'text-delta') {
      expect(typeof part.delta).toBe('string');
      expect(part.delta.length).toBeGreaterThan(0);
    }
  }
  const terminal = parts.filter((part) => part.type === 'finish' || part.type === 'error');
  expect(terminal).toHaveLength(1);
  expect(parts.at(-1)).toBe(terminal[0]);
}

function expectToolCall(
  call: { toolCallId: string; toolName: string; input: string },
  scenario: LanguageModelToolCallScenario,
): void {
  expect(typeof call.toolCallId).toBe('string');
  expect(call.toolCallId.length).toBeGreaterThan(0);
  expect(scenario.tools.map((tool) => tool.name)).toContain(call.toolName);
  if (scenario.expectedToolName) expect(call.toolName).toBe(scenario.expectedToolName);
  const input: unknown = JSON.parse(call.input);
  expect(typeof input).toBe('object');
  expect(input).not.toBeNull();
  expect(Array.isArray(input)).toBe(false);
}

/**
 * The conformance suite of {@link LanguageModelV1}: every language model (the offline
 * responder, OpenAI through its emulator or a compatible server) must pass it.
 *
 * Checked: the model describes itself; `doGenerate` returns text, a known finish reason
 * and usage, and no tool calls when no tools are offered; `doStream` yields non-empty
 * `text-delta` parts that add up to the text (to `doGenerate`'s text for deterministic
 * models) and ends with exactly one `finish`, last; a pre-aborted signal rejects with a
 * `ChurnError` coded `aborted`; aborting mid-stream ends the stream promptly without a
 * `finish` (an `error` part, when given, is coded `aborted`). Opt-in (`toolCall`): the
 * call comes out whole from both methods, names an offered tool, has a JSON object as
 * input and finishes with `tool-calls`; the tool's result sent back gets a text answer.
 *
 * @example
 * describeLanguageModelConformance('offline', () => createOfflineLanguageModel());
 */
export function describeLanguageModelConformance(
  name: string,
  createModel: () => LanguageModelV1 | Promise<LanguageModelV1>,
  options: LanguageModelConformanceOptions = {},
): void {
  const prompt = options.prompt ?? defaultPrompt;
  const longPrompt = options.longPrompt ?? prompt;
  const deterministic = options.deterministic ?? true;
  const timeout = options.timeoutMs;

  describe(`LanguageModelV1 conformance: ${name}`, () => {
    it(
      'describes itself',
      async () => {
        const model = await createModel();
        expect(model.specificationVersion).toBe('v1');
        expect(typeof model.provider).toBe('string');
        expect(model.provider.length).toBeGreaterThan(0);
        expect(typeof model.modelId).toBe('string');
        expect(model.modelId.length).toBeGreaterThan(0);
      },
      timeout,
    );

    it(
      'doGenerate returns text, a finish reason and usage',
      async () => {
        const model = await createModel();
        const result = await model.doGenerate({ prompt });
        expect(typeof result.text).toBe('string');
        expect(result.text.trim().length).toBeGreaterThan(0);
        expect(result.toolCalls).toEqual([]);
        expect(finishReasons).toContain(result.finishReason);
        expect(['tool-calls', 'error']).not.toContain(result.finishReason);
        expectUsage(result.usage);
      },
      timeout,
    );

    it(
      'doStream yields text deltas that add up to the text, then exactly one finish',
      async () => {
        const model = await createModel();
        const { stream } = await model.doStream({ prompt });
        expect(stream).toBeInstanceOf(ReadableStream);
        const parts = await readParts(stream);
        expectWellFormed(parts);
        const last = parts.at(-1)!;
        expect(last.type).toBe('finish');
        if (last.type !== 'finish') return;
        expect(finishReasons).toContain(last.finishReason);
        expectUsage(last.usage);
        const text = parts
          .flatMap((part) => (part.type === 'text-delta' ? [part.delta] : []))
          .join('');
        expect(text.trim().length).toBeGreaterThan(0);
        expect(parts.some((part) => part.type === 'tool-call')).toBe(false);
        if (deterministic) {
          const generated = await model.doGenerate({ prompt });
          expect(text).toBe(generated.text);
          expect(last.finishReason).toBe(generated.finishReason);
        }
      },
      timeout,
    );

    if (options.toolCall) {
      const scenario = options.toolCall;
      const callOptions: LanguageModelV1CallOptions = {
        prompt: scenario.prompt,
        tools: scenario.tools,
        ...(scenario.toolChoice ? { toolChoice: scenario.toolChoice } : {}),
      };

      it(
        'doGenerate returns whole tool calls with JSON object input',
        async () => {
          const model = await createModel();
          const result = await model.doGenerate(callOptions);
          expect(result.toolCalls.length).toBeGreaterThan(0);
          for (const call of result.toolCalls) expectToolCall(call, scenario);
          expect(result.finishReason).toBe('tool-calls');
          expectUsage(result.usage);
        },
        timeout,
      );

      it(
        'doStream yields whole tool-call parts, then a tool-calls finish',
        async () => {
          const model = await createModel();
          const parts = await readParts((await model.doStream(callOptions)).stream);
          expectWellFormed(parts);
          const calls = parts.flatMap((part) => (part.type === 'tool-call' ? [part.toolCall] : []));
          expect(calls.length).toBeGreaterThan(0);
          for (const call of calls) expectToolCall(call, scenario);
          expect(new Set(calls.map((call) => call.toolCallId)).size).toBe(calls.length);
          expect(parts.at(-1)).toMatchObject({ type: 'finish', finishReason: 'tool-calls' });
        },
        timeout,
      );

      it(
        'answers with text once the tool results are sent back',
        async () => {
          const model = await createModel();
          const first = await model.doGenerate(callOptions);
          expect(first.toolCalls.length).toBeGreaterThan(0);
          const result = await model.doGenerate({
            prompt: [
              ...scenario.prompt,
              { role: 'assistant', content: first.text, toolCalls: first.toolCalls },
              ...first.toolCalls.map(
                (call): LanguageModelV1Message => ({
                  role: 'tool',
                  toolCallId: call.toolCallId,
                  toolName: call.toolName,
                  content: JSON.stringify({ ok: true }),
                }),
              ),
            ],
            tools: scenario.tools,
            toolChoice: 'none',
          });
          expect(result.text.trim().length).toBeGreaterThan(0);
          expect(result.toolCalls).toEqual([]);
        },
        timeout,
      );
    }

    if (options.checkAbort !== false) {
      it(
        'rejects a pre-aborted call with a ChurnError coded `aborted`',
        async () => {
          const model = await createModel();
          const controller = new AbortController();
          controller.abort();
          const generateError = await captureRejection(() =>
            model.doGenerate({ prompt, abortSignal: controller.signal }),
          );
          expect(isChurnError(generateError)).toBe(true);
          expect((generateError as { code: string }).code).toBe('aborted');
          // doStream may reject, or return a stream that ends with an `aborted` error part.
          let parts: LanguageModelV1StreamPart[];
          try {
            parts = await readParts(
              (await model.doStream({ prompt, abortSignal: controller.signal })).stream,
            );
          } catch (error) {
            expect(isChurnError(error)).toBe(true);
            expect((error as { code: string }).code).toBe('aborted');
            return;
          }
          expect(parts.some((part) => part.type === 'text-delta' || part.type === 'finish')).toBe(
            false,
          );
          const last = parts.at(-1);
          expect(last?.type).toBe('error');
          if (last?.type === 'error') {
            expect(isChurnError(last.error)).toBe(true);
            expect((last.error as { code: string }).code).toBe('aborted');
          }
        },
        timeout,
      );

      it(
        'stops a stream aborted midway: it ends promptly, without a finish',
        async () => {
          const model = await createModel();
          const controller = new AbortController();
          const { stream } = await model.doStream({
            prompt: longPrompt,
            abortSignal: controller.signal,
          });
          const reader = stream.getReader();
          const first = await reader.read();
          expect(first.done).toBe(false);
          expect(first.value?.type).toBe('text-delta');
          controller.abort();
          const after: LanguageModelV1StreamPart[] = [];
          const ended = await Promise.race([
            (async () => {
              try {
                for (;;) {
                  const { done, value } = await reader.read();
                  if (done) return 'closed';
                  after.push(value);
                }
              } catch {
                return 'errored';
              }
            })(),
            new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 3_000)),
          ]);
          expect(ended).not.toBe('hung');
          expect(after.some((part) => part.type === 'finish')).toBe(false);
          const last = after.at(-1);
          if (last?.type === 'error') {
            expect(isChurnError(last.error)).toBe(true);
            expect((last.error as { code: string }).code).toBe('aborted');
          }
        },
        timeout,
      );
    }
  });
}
