/**
 * Contract version 1 of a language model: chat completion with streaming and
 * tool calls.
 *
 * Implementations: `createOpenAILanguageModel` (OpenAI or any OpenAI-compatible
 * server through `baseURL`) and `createOfflineLanguageModel` (no network: writes
 * extractive answers from the sources in the prompt). Every implementation passes
 * the language-model conformance suite.
 */
export interface LanguageModelV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;

  /** One whole response. */
  doGenerate(options: LanguageModelV1CallOptions): Promise<LanguageModelV1Result>;

  /** The same response as a stream of parts; ends with exactly one `finish` (or an `error`). */
  doStream(
    options: LanguageModelV1CallOptions,
  ): Promise<{ stream: ReadableStream<LanguageModelV1StreamPart> }>;
}

export type LanguageModelV1Message =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: LanguageModelV1ToolCall[] }
  | { role: 'tool'; toolCallId: string; toolName: string; content: string };

export interface LanguageModelV1Tool {
  name: string;
  description: string;
  /** JSON Schema (draft 2020-12 subset that OpenAI accepts) of the arguments object. */
  parameters: Record<string, unknown>;
}

export interface LanguageModelV1ToolCall {
  toolCallId: string;
  toolName: string;
  /** The arguments as the model wrote them: a JSON string, to be validated by the caller. */
  input: string;
}

export interface LanguageModelV1CallOptions {
  prompt: LanguageModelV1Message[];
  tools?: LanguageModelV1Tool[];
  /** `auto` (default), `none`, `required`, or one tool by name. */
  toolChoice?: 'auto' | 'none' | 'required' | { toolName: string };
  temperature?: number;
  maxOutputTokens?: number;
  abortSignal?: AbortSignal;
}

export type LanguageModelV1FinishReason =
  | 'stop'
  | 'length'
  | 'tool-calls'
  | 'content-filter'
  | 'error'
  | 'other';

export interface LanguageModelV1Usage {
  inputTokens?: number;
  outputTokens?: number;
}

export interface LanguageModelV1Result {
  text: string;
  toolCalls: LanguageModelV1ToolCall[];
  finishReason: LanguageModelV1FinishReason;
  usage: LanguageModelV1Usage;
}

export type LanguageModelV1StreamPart =
  | { type: 'text-delta'; delta: string }
  | { type: 'tool-call'; toolCall: LanguageModelV1ToolCall }
  | { type: 'finish'; finishReason: LanguageModelV1FinishReason; usage: LanguageModelV1Usage }
  | { type: 'error'; error: unknown };
