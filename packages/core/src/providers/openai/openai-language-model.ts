import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsBase,
  ChatCompletionMessageParam,
  ChatCompletionTool,
  ChatCompletionToolChoiceOption,
} from 'openai/resources/chat/completions';
import { ChurnError } from '../../errors/churn-error.js';
import type {
  LanguageModelV1,
  LanguageModelV1CallOptions,
  LanguageModelV1FinishReason,
  LanguageModelV1Message,
  LanguageModelV1Result,
  LanguageModelV1StreamPart,
  LanguageModelV1ToolCall,
  LanguageModelV1Usage,
} from '../../language-model/v1/index.js';
import { classifyOpenAIError, mapOpenAIError } from './map-openai-error.js';
import { type OpenAISettings, resolveOpenAISettings } from './openai-settings.js';
import { RetryExhaustedError, retryWithBackoff } from './retry-with-backoff.js';

/** Settings of {@link createOpenAILanguageModel}. */
export interface OpenAILanguageModelSettings extends OpenAISettings {
  /** Default `gpt-4o-mini`. */
  model?: string;
  /**
   * Ask for usage in streams (`stream_options.include_usage`). Default true; turn it off
   * for compatible servers that reject `stream_options`.
   */
  streamUsage?: boolean;
  /** Let the model call several tools in one turn. Default: the server's default. */
  parallelToolCalls?: boolean;
  /** Forwarded as `user`, for the vendor's abuse monitoring. */
  user?: string;
}

/** Maps OpenAI's `finish_reason` to the contract's. */
export function mapOpenAIFinishReason(
  reason: string | null | undefined,
): LanguageModelV1FinishReason {
  switch (reason) {
    case 'stop':
      return 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return 'other';
  }
}

function mapUsage(usage: unknown): LanguageModelV1Usage {
  if (typeof usage !== 'object' || usage === null) return {};
  const result: LanguageModelV1Usage = {};
  if ('prompt_tokens' in usage && typeof usage.prompt_tokens === 'number')
    result.inputTokens = usage.prompt_tokens;
  if ('completion_tokens' in usage && typeof usage.completion_tokens === 'number') {
    result.outputTokens = usage.completion_tokens;
  }
  return result;
}

/** Converts the contract's prompt to chat-completions messages. */
export function toOpenAIMessages(prompt: LanguageModelV1Message[]): ChatCompletionMessageParam[] {
  return prompt.map((message): ChatCompletionMessageParam => {
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content };
      case 'user':
        return { role: 'user', content: message.content };
      case 'assistant':
        if (message.toolCalls && message.toolCalls.length > 0) {
          return {
            role: 'assistant',
            content: message.content === '' ? null : message.content,
            tool_calls: message.toolCalls.map((call) => ({
              id: call.toolCallId,
              type: 'function' as const,
              function: { name: call.toolName, arguments: call.input },
            })),
          };
        }
        return { role: 'assistant', content: message.content };
      default:
        return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
    }
  });
}

function toOpenAITools(options: LanguageModelV1CallOptions): {
  tools?: ChatCompletionTool[];
  tool_choice?: ChatCompletionToolChoiceOption;
} {
  if (!options.tools || options.tools.length === 0) return {};
  const tools = options.tools.map(
    (tool): ChatCompletionTool => ({
      type: 'function',
      function: { name: tool.name, description: tool.description, parameters: tool.parameters },
    }),
  );
  const choice = options.toolChoice;
  if (choice === undefined) return { tools };
  if (typeof choice === 'string') return { tools, tool_choice: choice };
  return { tools, tool_choice: { type: 'function', function: { name: choice.toolName } } };
}

/** Reasoning models take `max_completion_tokens` and no temperature; older servers only know `max_tokens`. */
function isReasoningModel(modelId: string): boolean {
  return /^(o\d|gpt-5)/.test(modelId);
}

/** Assembles streamed `tool_calls` deltas (keyed by `index`) into whole calls. */
export class ToolCallAssembler {
  readonly #calls = new Map<number, { id: string; name: string; arguments: string }>();

  /** Adds one chunk's `delta.tool_calls`. */
  add(deltas: ReadonlyArray<ChatCompletionChunk.Choice.Delta.ToolCall> | null | undefined): void {
    for (const delta of deltas ?? []) {
      const current = this.#calls.get(delta.index) ?? { id: '', name: '', arguments: '' };
      if (delta.id) current.id = delta.id;
      if (delta.function?.name) current.name += delta.function.name;
      if (delta.function?.arguments) current.arguments += delta.function.arguments;
      this.#calls.set(delta.index, current);
    }
  }

  get size(): number {
    return this.#calls.size;
  }

  /** The calls in index order; arguments default to `{}` when the model sent none. */
  finish(): LanguageModelV1ToolCall[] {
    return [...this.#calls.entries()]
      .sort(([left], [right]) => left - right)
      .map(([index, call]) => ({
        toolCallId: call.id || `call_${index}`,
        toolName: call.name,
        input: call.arguments === '' ? '{}' : call.arguments,
      }));
  }
}

/**
 * A {@link LanguageModelV1} served by OpenAI chat completions, or any OpenAI-compatible
 * server through `baseURL`. `doStream` reads the SDK's SSE stream, yields text as it
 * arrives, assembles tool-call fragments into whole `tool-call` parts, and ends with one
 * `finish` carrying usage (`stream_options.include_usage`) or one `error`.
 *
 * @example
 * ```ts
 * const model = createOpenAILanguageModel({ apiKey: process.env.OPENAI_API_KEY! });
 * const { stream } = await model.doStream({ prompt: [{ role: 'user', content: 'Hello' }] });
 * ```
 */
export function createOpenAILanguageModel(settings: OpenAILanguageModelSettings): LanguageModelV1 {
  const resolved = resolveOpenAISettings(settings);
  const modelId = settings.model ?? 'gpt-4o-mini';
  const streamUsage = settings.streamUsage ?? true;
  const errorContext = (operation: string) => ({
    operation,
    modelId,
    timeoutMs: resolved.timeoutMs,
    baseURL: resolved.baseURL,
  });
  const retrySettings = (abortSignal: AbortSignal | undefined) => ({
    maxRetries: resolved.maxRetries,
    initialDelayMs: resolved.initialRetryDelayMs,
    maxDelayMs: 8_000,
    maxRetryAfterMs: 60_000,
    timeoutMs: resolved.timeoutMs,
    abortSignal,
    classify: classifyOpenAIError,
  });

  function buildBody(options: LanguageModelV1CallOptions): ChatCompletionCreateParamsBase {
    const reasoning = isReasoningModel(modelId);
    return {
      model: modelId,
      messages: toOpenAIMessages(options.prompt),
      ...toOpenAITools(options),
      ...(options.temperature !== undefined && !reasoning
        ? { temperature: options.temperature }
        : {}),
      ...(options.maxOutputTokens !== undefined
        ? reasoning
          ? { max_completion_tokens: options.maxOutputTokens }
          : { max_tokens: options.maxOutputTokens }
        : {}),
      ...(settings.parallelToolCalls !== undefined && options.tools?.length
        ? { parallel_tool_calls: settings.parallelToolCalls }
        : {}),
      ...(settings.user ? { user: settings.user } : {}),
    };
  }

  function checkNotAborted(abortSignal: AbortSignal | undefined, operation: string): void {
    if (abortSignal?.aborted) {
      throw new ChurnError('aborted', `OpenAI call aborted by the caller before ${operation}.`, {
        cause: abortSignal.reason,
      });
    }
  }

  return {
    specificationVersion: 'v1',
    provider: 'openai',
    modelId,

    async doGenerate(options: LanguageModelV1CallOptions): Promise<LanguageModelV1Result> {
      const operation = 'generating a reply';
      checkNotAborted(options.abortSignal, operation);
      try {
        const completion = await retryWithBackoff(
          ({ signal }) =>
            resolved.client.chat.completions.create(
              { ...buildBody(options), stream: false },
              { signal },
            ),
          retrySettings(options.abortSignal),
        );
        const choice = completion?.choices?.[0];
        if (!choice || typeof choice.message !== 'object' || choice.message === null) {
          throw new ChurnError(
            'provider_error',
            'OpenAI answered without a choice: check that baseURL points at an OpenAI-compatible API.',
          );
        }
        const toolCalls: LanguageModelV1ToolCall[] = (choice.message.tool_calls ?? []).flatMap(
          (call, index) =>
            call.type === 'function'
              ? [
                  {
                    toolCallId: call.id || `call_${index}`,
                    toolName: call.function.name,
                    input: call.function.arguments === '' ? '{}' : call.function.arguments,
                  },
                ]
              : [],
        );
        return {
          text: choice.message.content ?? '',
          toolCalls,
          finishReason: mapOpenAIFinishReason(choice.finish_reason),
          usage: mapUsage(completion.usage),
        };
      } catch (error) {
        throw mapOpenAIError(error, errorContext(operation));
      }
    },

    async doStream(
      options: LanguageModelV1CallOptions,
    ): Promise<{ stream: ReadableStream<LanguageModelV1StreamPart> }> {
      const operation = 'streaming a reply';
      checkNotAborted(options.abortSignal, operation);
      let started: Awaited<ReturnType<typeof startStream>>;
      async function startStream() {
        return retryWithBackoff(
          async ({ signal, handle }) => {
            const sdkStream = await resolved.client.chat.completions.create(
              {
                ...buildBody(options),
                stream: true,
                ...(streamUsage ? { stream_options: { include_usage: true } } : {}),
              },
              { signal },
            );
            return { sdkStream, handle };
          },
          { ...retrySettings(options.abortSignal), keepSignalOnSuccess: true },
        );
      }
      try {
        started = await startStream();
      } catch (error) {
        throw mapOpenAIError(error, errorContext(operation));
      }
      const { sdkStream, handle } = started;
      // From here the timer runs only while a reader waits for the next chunk.
      handle.pause();
      const iterator = sdkStream[Symbol.asyncIterator]();
      const toolCalls = new ToolCallAssembler();
      let finishReason: string | null = null;
      let usage: LanguageModelV1Usage = {};
      let closed = false;

      const end = (
        controller: ReadableStreamDefaultController<LanguageModelV1StreamPart>,
        last: LanguageModelV1StreamPart,
      ) => {
        if (closed) return;
        closed = true;
        handle.dispose();
        // Tool calls leave whole, once the model has said it finished.
        if (last.type === 'finish') {
          for (const call of toolCalls.finish())
            controller.enqueue({ type: 'tool-call', toolCall: call });
        }
        controller.enqueue(last);
        controller.close();
      };
      const failure = (error: unknown): LanguageModelV1StreamPart => ({
        type: 'error',
        error: mapOpenAIError(
          new RetryExhaustedError(error, {
            timedOut: handle.timedOut(),
            aborted: options.abortSignal?.aborted === true,
            attempts: 1,
          }),
          errorContext(operation),
        ),
      });

      const stream = new ReadableStream<LanguageModelV1StreamPart>({
        async pull(controller) {
          try {
            while (!closed) {
              handle.touch();
              const next = await iterator.next();
              handle.pause();
              if (next.done) {
                // The SDK ends quietly on abort; tell an abort or a timeout from a real end.
                if (options.abortSignal?.aborted || handle.timedOut()) {
                  end(controller, failure(options.abortSignal?.reason ?? handle.signal.reason));
                } else if (finishReason === null) {
                  end(controller, {
                    type: 'error',
                    error: new ChurnError(
                      'provider_error',
                      'The OpenAI stream ended before a finish reason (the connection was cut): try again.',
                    ),
                  });
                } else {
                  end(controller, {
                    type: 'finish',
                    finishReason: mapOpenAIFinishReason(finishReason),
                    usage,
                  });
                }
                return;
              }
              const chunk = next.value;
              if (chunk.usage) usage = mapUsage(chunk.usage);
              const choice = chunk.choices?.[0];
              if (!choice) continue;
              toolCalls.add(choice.delta?.tool_calls);
              if (choice.finish_reason) finishReason = choice.finish_reason;
              const text = choice.delta?.content;
              if (typeof text === 'string' && text.length > 0) {
                controller.enqueue({ type: 'text-delta', delta: text });
                return;
              }
            }
          } catch (error) {
            end(controller, failure(error));
          }
        },
        async cancel() {
          closed = true;
          handle.dispose();
          sdkStream.controller.abort();
        },
      });
      return { stream };
    },
  };
}
