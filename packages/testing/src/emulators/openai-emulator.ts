import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import {
  answerTransportFault,
  type EmulatorContext,
  type EmulatorFault,
  type EmulatorRequest,
  EmulatorState,
  type FaultOptions,
  hashString,
  retryHeaders,
  sendJson,
  startEmulatorServer,
} from './emulator-server.js';

/** A tool call the emulated model makes. */
export interface OpenAIEmulatorToolCall {
  name: string;
  /** An object is serialised with `JSON.stringify`; a string is sent as written. */
  arguments: string | Record<string, unknown>;
  /** Default: a fresh `call_…` id. */
  id?: string;
}

/** What the emulated model answers: text, or tool calls (optionally with text first). */
export type OpenAIEmulatorReply =
  | { text: string; finishReason?: 'stop' | 'length' | 'content_filter' }
  | { toolCalls: OpenAIEmulatorToolCall[]; text?: string };

/** What a `respond` function sees of one chat-completions request. */
export interface OpenAIEmulatorChatRequest {
  model: string;
  /** The messages as sent (`role`, `content`, `tool_calls`, `tool_call_id`). */
  messages: Array<Record<string, unknown>>;
  /** The offered tools (`{ type: 'function', function: { name, description, parameters } }`). */
  tools: Array<{
    type: string;
    function: { name: string; description?: string; parameters?: unknown };
  }>;
  toolChoice: unknown;
  stream: boolean;
  /** Text of the last `user` message, '' when there is none. */
  lastUserMessage: string;
  /** The whole parsed body. */
  body: Record<string, unknown>;
}

/** Options of {@link startOpenAIEmulator}. */
export interface OpenAIEmulatorOptions {
  /** The key clients must send as `Authorization: Bearer <key>`. Default `sk-emulator-key`. */
  apiKey?: string;
  /** Scripts the model. Default: {@link defaultOpenAIEmulatorReply}. */
  respond?: (
    request: OpenAIEmulatorChatRequest,
  ) => OpenAIEmulatorReply | Promise<OpenAIEmulatorReply>;
  /** Pause between two streamed chunks, in milliseconds. Default 0. */
  chunkDelayMs?: number;
}

/** A running OpenAI emulator. */
export interface OpenAIEmulator {
  /** Base URL for the SDK: `new OpenAI({ baseURL: emulator.url, apiKey: emulator.apiKey })` (ends in `/v1`). */
  url: string;
  apiKey: string;
  /** Every request received, in order. */
  requests: EmulatorRequest[];
  /** The next `times` matching requests answer `fault` instead. */
  queueFault(fault: EmulatorFault, options?: FaultOptions): void;
  clearFaults(): void;
  /** Replaces the scripted model. */
  setRespond(respond: OpenAIEmulatorOptions['respond']): void;
  close(): Promise<void>;
}

/** Models the embeddings endpoint knows, with their native size. */
const EMBEDDING_MODELS: Record<string, { dimensions: number; shortenable: boolean }> = {
  'text-embedding-3-small': { dimensions: 1536, shortenable: true },
  'text-embedding-3-large': { dimensions: 3072, shortenable: true },
  'text-embedding-ada-002': { dimensions: 1536, shortenable: false },
};

const MAX_INPUTS = 2048;
const MAX_TOKENS_PER_INPUT = 8192;
const MAX_TOKENS_PER_REQUEST = 300_000;

/**
 * A rough cl100k token count (words, 1–3 digit groups, punctuation): close for English,
 * it only decides the emulator's limits and usage figures.
 */
export function estimateTokens(text: string): number {
  return (text.match(/[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]/g) ?? []).length;
}

/**
 * The emulator's embedding of a text: a deterministic, unit-length hashing of its words
 * and character trigrams, so texts that share words are near and the same text is equal.
 */
export function emulatedEmbedding(text: string, dimensions: number): Float32Array {
  const vector = new Float64Array(dimensions);
  const add = (feature: string, weight: number) => {
    const hash = hashString(feature);
    const sign = hashString(feature, 0x9e3779b9) & 1 ? 1 : -1;
    vector[hash % dimensions]! += sign * weight;
  };
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  for (const word of words) {
    add(`w:${word}`, 1);
    const padded = ` ${word} `;
    for (let index = 0; index + 3 <= padded.length; index++)
      add(`t:${padded.slice(index, index + 3)}`, 0.35);
  }
  if (words.length === 0) add(`s:${text}`, 1);
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(vector, (value) => value / norm);
}

function openAIError(
  response: ServerResponse,
  status: number,
  message: string,
  type: string,
  param: string | null = null,
  code: string | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(
    response,
    status,
    { error: { message, type, param, code } },
    {
      'x-request-id': `req_${randomUUID().replaceAll('-', '')}`,
      ...headers,
    },
  );
}

function invalidRequest(
  response: ServerResponse,
  message: string,
  param: string | null = null,
  code: string | null = null,
) {
  openAIError(response, 400, message, 'invalid_request_error', param, code);
}

function sendStatusFault(
  response: ServerResponse,
  fault: Extract<EmulatorFault, { type: 'status' }>,
  model: string,
) {
  const headers = retryHeaders(fault);
  if (fault.body !== undefined) {
    sendJson(response, fault.status, fault.body, headers);
    return;
  }
  const { status } = fault;
  if (status === 429) {
    openAIError(
      response,
      429,
      `Rate limit reached for ${model || 'requests'} in organization org-emulator on requests per min (RPM): Limit 3000, Used 3000, Requested 1. Please try again in 20ms. Visit https://platform.openai.com/account/rate-limits to learn more.`,
      'requests',
      null,
      'rate_limit_exceeded',
      headers,
    );
  } else if (status === 401) {
    openAIError(
      response,
      401,
      'Incorrect API key provided.',
      'invalid_request_error',
      null,
      'invalid_api_key',
      headers,
    );
  } else if (status >= 500) {
    openAIError(
      response,
      status,
      'The server had an error while processing your request. Sorry about that!',
      'server_error',
      null,
      null,
      headers,
    );
  } else {
    openAIError(
      response,
      status,
      `Emulated error ${status}.`,
      'invalid_request_error',
      null,
      null,
      headers,
    );
  }
}

function checkAuthorization(context: EmulatorContext, apiKey: string): boolean {
  const header = context.request.headers.authorization;
  if (!header) {
    openAIError(
      context.response,
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username and password. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      'invalid_request_error',
    );
    return false;
  }
  const key = header.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  if (key !== apiKey) {
    const masked = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : '*****';
    openAIError(
      context.response,
      401,
      `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      'invalid_request_error',
      null,
      'invalid_api_key',
    );
    return false;
  }
  return true;
}

function handleEmbeddings(context: EmulatorContext): void {
  const { response } = context;
  const body = context.request.body as Record<string, unknown>;
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    invalidRequest(response, 'you must provide a model parameter');
    return;
  }
  const known = EMBEDDING_MODELS[model];
  if (!known) {
    openAIError(
      response,
      404,
      `The model \`${model}\` does not exist or you do not have access to it.`,
      'invalid_request_error',
      null,
      'model_not_found',
    );
    return;
  }
  if (!('input' in body)) {
    invalidRequest(
      response,
      "Missing required parameter: 'input'.",
      'input',
      'missing_required_parameter',
    );
    return;
  }
  const invalidInput = () =>
    invalidRequest(
      response,
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    );
  const raw = body.input;
  let texts: string[];
  if (typeof raw === 'string') texts = [raw];
  else if (Array.isArray(raw) && raw.every((item) => typeof item === 'string')) texts = raw;
  else if (Array.isArray(raw) && raw.every((item) => Number.isInteger(item)))
    texts = [raw.join(' ')];
  else if (
    Array.isArray(raw) &&
    raw.every((item) => Array.isArray(item) && item.every(Number.isInteger))
  ) {
    texts = raw.map((item: unknown[]) => item.join(' '));
  } else {
    invalidInput();
    return;
  }
  if (texts.length === 0 || texts.length > MAX_INPUTS || texts.some((text) => text.length === 0)) {
    invalidInput();
    return;
  }
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    invalidRequest(
      response,
      `Invalid value: '${String(format)}'. Supported values are: 'float' and 'base64'.`,
      'encoding_format',
      'invalid_value',
    );
    return;
  }
  let dimensions = known.dimensions;
  if (body.dimensions !== undefined) {
    if (!known.shortenable) {
      invalidRequest(response, 'This model does not support specifying dimensions.', 'dimensions');
      return;
    }
    if (
      !Number.isInteger(body.dimensions) ||
      (body.dimensions as number) < 1 ||
      (body.dimensions as number) > known.dimensions
    ) {
      invalidRequest(
        response,
        `Invalid value for 'dimensions' = ${String(body.dimensions)}. Must be between 1 and ${known.dimensions}.`,
        'dimensions',
      );
      return;
    }
    dimensions = body.dimensions as number;
  }
  const counts = texts.map(estimateTokens);
  const longest = Math.max(...counts);
  if (longest > MAX_TOKENS_PER_INPUT) {
    invalidRequest(
      response,
      `This model's maximum context length is ${MAX_TOKENS_PER_INPUT} tokens, however you requested ${longest} tokens (${longest} in your prompt; 0 for the completion). Please reduce your prompt; or completion length.`,
    );
    return;
  }
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total > MAX_TOKENS_PER_REQUEST) {
    invalidRequest(
      response,
      `Requested ${total} tokens, max ${MAX_TOKENS_PER_REQUEST} tokens per request`,
      null,
      'max_tokens_per_request',
    );
    return;
  }
  const data = texts.map((text, index) => {
    const vector = emulatedEmbedding(text, dimensions);
    const embedding =
      format === 'base64'
        ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
        : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  sendJson(
    response,
    200,
    { object: 'list', data, model, usage: { prompt_tokens: total, total_tokens: total } },
    { 'x-request-id': `req_${randomUUID().replaceAll('-', '')}`, 'openai-processing-ms': '3' },
  );
}

/** Builds arguments that satisfy a JSON Schema's properties with plain sample values. */
export function sampleArguments(schema: unknown, hint: string): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  if (typeof schema !== 'object' || schema === null || !('properties' in schema)) return result;
  const properties = schema.properties;
  if (typeof properties !== 'object' || properties === null) return result;
  for (const [name, definition] of Object.entries(properties)) {
    const property =
      typeof definition === 'object' && definition !== null
        ? (definition as Record<string, unknown>)
        : {};
    if (Array.isArray(property.enum) && property.enum.length > 0) result[name] = property.enum[0];
    else if (property.type === 'number' || property.type === 'integer') result[name] = 1;
    else if (property.type === 'boolean') result[name] = true;
    else if (property.type === 'array') result[name] = [];
    else if (property.type === 'object') result[name] = sampleArguments(property, hint);
    else result[name] = hint || name;
  }
  return result;
}

/**
 * The emulator's default model:
 * - a forced tool choice (`required` or a named function) calls that tool (or the first);
 * - with `auto`, a user message that names an offered tool calls it;
 * - after a tool result, it reports the result;
 * - otherwise it echoes the last user message.
 * Tool arguments are sample values for the tool's JSON Schema.
 */
export function defaultOpenAIEmulatorReply(
  request: OpenAIEmulatorChatRequest,
): OpenAIEmulatorReply {
  const last = request.messages.at(-1);
  const callTool = (name: string): OpenAIEmulatorReply => {
    const tool = request.tools.find((candidate) => candidate.function.name === name);
    return {
      toolCalls: [
        { name, arguments: sampleArguments(tool?.function.parameters, request.lastUserMessage) },
      ],
    };
  };
  if (last?.role !== 'tool' && request.tools.length > 0) {
    const choice = request.toolChoice;
    if (typeof choice === 'object' && choice !== null && 'function' in choice) {
      const named = (choice as { function: { name: string } }).function.name;
      return callTool(named);
    }
    if (choice === 'required') return callTool(request.tools[0]!.function.name);
    if (choice !== 'none') {
      const mentioned = request.tools.find((tool) =>
        request.lastUserMessage.includes(tool.function.name),
      );
      if (mentioned) return callTool(mentioned.function.name);
    }
  }
  if (last?.role === 'tool') {
    return { text: `The tool answered: ${String(last.content)}` };
  }
  return {
    text: `You said: ${request.lastUserMessage || '(nothing)'}. This is the emulator answering.`,
  };
}

function validateMessages(
  response: ServerResponse,
  messages: unknown,
): messages is Array<Record<string, unknown>> {
  if (messages === undefined) {
    invalidRequest(
      response,
      "Missing required parameter: 'messages'.",
      'messages',
      'missing_required_parameter',
    );
    return false;
  }
  if (!Array.isArray(messages)) {
    invalidRequest(
      response,
      "Invalid type for 'messages': expected an array, but got an object instead.",
      'messages',
      'invalid_type',
    );
    return false;
  }
  if (messages.length === 0) {
    invalidRequest(
      response,
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
    return false;
  }
  const roles = ['system', 'assistant', 'user', 'function', 'tool', 'developer'];
  const pending = new Set<string>();
  for (const [index, message] of messages.entries()) {
    const role =
      typeof message === 'object' && message !== null
        ? (message as Record<string, unknown>).role
        : undefined;
    if (typeof role !== 'string' || !roles.includes(role)) {
      invalidRequest(
        response,
        `Invalid value: '${String(role)}'. Supported values are: 'system', 'assistant', 'user', 'function', 'tool', and 'developer'.`,
        `messages[${index}].role`,
        'invalid_value',
      );
      return false;
    }
    const record = message as Record<string, unknown>;
    if (role === 'tool') {
      const id = record.tool_call_id;
      if (typeof id !== 'string' || !pending.has(id)) {
        invalidRequest(
          response,
          "Invalid parameter: messages with role 'tool' must be a response to a preceeding message with 'tool_calls'.",
          `messages.[${index}].role`,
        );
        return false;
      }
      pending.delete(id);
      continue;
    }
    if (pending.size > 0) {
      invalidRequest(
        response,
        `An assistant message with 'tool_calls' must be followed by tool messages responding to each 'tool_call_id'. The following tool_call_ids did not have response messages: ${[...pending].join(', ')}`,
        `messages.[${index}].role`,
      );
      return false;
    }
    if (role === 'assistant' && Array.isArray(record.tool_calls)) {
      for (const call of record.tool_calls) {
        if (
          typeof call === 'object' &&
          call !== null &&
          typeof (call as { id?: unknown }).id === 'string'
        ) {
          pending.add((call as { id: string }).id);
        }
      }
    }
  }
  return true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Splits text into word-sized deltas, keeping every character. */
function splitDeltas(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? (text === '' ? [] : [text]);
}

async function handleChatCompletions(
  context: EmulatorContext,
  respond: NonNullable<OpenAIEmulatorOptions['respond']>,
  chunkDelayMs: number,
  fault: EmulatorFault | undefined,
): Promise<void> {
  const { response } = context;
  const body = context.request.body as Record<string, unknown>;
  const model = body.model;
  if (typeof model !== 'string' || model === '') {
    invalidRequest(response, 'you must provide a model parameter');
    return;
  }
  if (!validateMessages(response, body.messages)) return;
  const messages = body.messages as Array<Record<string, unknown>>;
  const tools = Array.isArray(body.tools) ? (body.tools as OpenAIEmulatorChatRequest['tools']) : [];
  if (body.tool_choice !== undefined && tools.length === 0) {
    invalidRequest(
      response,
      "Invalid value for 'tool_choice': 'tool_choice' is only allowed when 'tools' are specified.",
      'tool_choice',
    );
    return;
  }
  const stream = body.stream === true;
  if (body.stream_options !== undefined && !stream) {
    invalidRequest(
      response,
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
      'stream_options',
    );
    return;
  }
  const lastUser = [...messages].reverse().find((message) => message.role === 'user');
  const lastUserMessage = typeof lastUser?.content === 'string' ? lastUser.content : '';
  const reply = await respond({
    model,
    messages,
    tools,
    toolChoice: body.tool_choice,
    stream,
    lastUserMessage,
    body,
  });

  let text = 'text' in reply && typeof reply.text === 'string' ? reply.text : '';
  let finishReason: string = 'toolCalls' in reply ? 'tool_calls' : (reply.finishReason ?? 'stop');
  const limit =
    typeof body.max_completion_tokens === 'number' ? body.max_completion_tokens : body.max_tokens;
  if (typeof limit === 'number' && !('toolCalls' in reply) && estimateTokens(text) > limit) {
    const pieces = text.match(/[A-Za-z]+|\d{1,3}|[^\sA-Za-z\d]|\s+/g) ?? [];
    let kept = '';
    let tokens = 0;
    for (const piece of pieces) {
      if (!/^\s+$/.test(piece)) tokens += 1;
      if (tokens > limit) break;
      kept += piece;
    }
    text = kept.trimEnd();
    finishReason = 'length';
  }
  const toolCalls = ('toolCalls' in reply ? reply.toolCalls : []).map((call) => ({
    id: call.id ?? `call_${randomUUID().replaceAll('-', '').slice(0, 24)}`,
    type: 'function' as const,
    function: {
      name: call.name,
      arguments:
        typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments),
    },
  }));
  const promptTokens = messages.reduce(
    (sum, message) =>
      sum + 4 + estimateTokens(typeof message.content === 'string' ? message.content : ''),
    3,
  );
  const completionTokens =
    estimateTokens(text) +
    toolCalls.reduce((sum, call) => sum + estimateTokens(call.function.arguments) + 5, 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
  const id = `chatcmpl-${randomUUID().replaceAll('-', '').slice(0, 29)}`;
  const created = Math.floor(Date.now() / 1000);
  const requestId = `req_${randomUUID().replaceAll('-', '')}`;

  if (!stream) {
    sendJson(
      response,
      200,
      {
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: toolCalls.length > 0 && text === '' ? null : text,
              refusal: null,
              annotations: [],
              ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
            },
            logprobs: null,
            finish_reason: finishReason,
          },
        ],
        usage,
        service_tier: 'default',
        system_fingerprint: 'fp_emulator',
      },
      { 'x-request-id': requestId, 'openai-processing-ms': '5' },
    );
    return;
  }

  const includeUsage =
    typeof body.stream_options === 'object' &&
    body.stream_options !== null &&
    (body.stream_options as Record<string, unknown>).include_usage === true;
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    'x-request-id': requestId,
  });
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model,
    service_tier: 'default',
    system_fingerprint: 'fp_emulator',
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  });
  const delta = (value: Record<string, unknown>, finish: string | null = null) => ({
    index: 0,
    delta: value,
    logprobs: null,
    finish_reason: finish,
  });
  const events: unknown[] = [];
  events.push(
    chunk([
      delta({
        role: 'assistant',
        content: toolCalls.length > 0 && text === '' ? null : '',
        refusal: null,
      }),
    ]),
  );
  for (const piece of splitDeltas(text)) events.push(chunk([delta({ content: piece })]));
  for (const [index, call] of toolCalls.entries()) {
    events.push(
      chunk([
        delta({
          tool_calls: [
            {
              index,
              id: call.id,
              type: 'function',
              function: { name: call.function.name, arguments: '' },
            },
          ],
        }),
      ]),
    );
    const fragments = call.function.arguments.match(/[\s\S]{1,7}/g) ?? [];
    for (const fragment of fragments) {
      events.push(chunk([delta({ tool_calls: [{ index, function: { arguments: fragment } }] })]));
    }
  }
  events.push(chunk([delta({}, finishReason)]));
  if (includeUsage) events.push(chunk([], { usage }));

  for (const [index, event] of events.entries()) {
    if (fault?.type === 'stream-cut' && index >= fault.afterChunks) {
      response.end();
      return;
    }
    if (fault?.type === 'malformed-body' && index === 1) {
      response.write('data: {"id": "chatcmpl-broken", "choices": [\n\n');
      response.end();
      return;
    }
    if (response.destroyed) return;
    response.write(`data: ${JSON.stringify(event)}\n\n`);
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
  }
  response.write('data: [DONE]\n\n');
  response.end();
}

/**
 * Starts a local server that answers like OpenAI's API, for the official `openai` SDK:
 * `POST /v1/embeddings` (float and base64, `dimensions`, usage, the 2048-input and token
 * limits) and `POST /v1/chat/completions` (whole or streamed as SSE `chat.completion.chunk`
 * lines ending with `data: [DONE]`, tool calls streamed as index/id/name then argument
 * fragments, usage with `stream_options.include_usage`). Errors carry OpenAI's
 * `{ error: { message, type, param, code } }` body and status. Requires
 * `Authorization: Bearer <apiKey>`. Faults can be queued (429 with `Retry-After`, 5xx,
 * malformed bodies, hangs, dropped connections, cut streams).
 *
 * @example
 * ```ts
 * const emulator = await startOpenAIEmulator();
 * const model = createOpenAILanguageModel({ apiKey: emulator.apiKey, baseURL: emulator.url });
 * emulator.queueFault({ type: 'status', status: 429, retryAfterSeconds: 1 });
 * await emulator.close();
 * ```
 */
export async function startOpenAIEmulator(
  options: OpenAIEmulatorOptions = {},
): Promise<OpenAIEmulator> {
  const apiKey = options.apiKey ?? 'sk-emulator-key';
  let respond = options.respond ?? defaultOpenAIEmulatorReply;
  const chunkDelayMs = options.chunkDelayMs ?? 0;
  const state = new EmulatorState();
  const server = await startEmulatorServer(state, async (context) => {
    const { request, response } = context;
    const route = `${request.method} ${request.path}`;
    const known = route === 'POST /v1/embeddings' || route === 'POST /v1/chat/completions';
    if (!known) {
      openAIError(
        response,
        404,
        `Invalid URL (${request.method} ${request.path})`,
        'invalid_request_error',
      );
      return;
    }
    if (!checkAuthorization(context, apiKey)) return;
    const fault = state.takeFault(request.path);
    if (fault) request.fault = fault;
    if (fault?.type === 'status') {
      const model =
        typeof request.body === 'object' && request.body !== null
          ? (request.body as Record<string, unknown>).model
          : '';
      sendStatusFault(response, fault, typeof model === 'string' ? model : '');
      return;
    }
    const streaming =
      typeof request.body === 'object' &&
      request.body !== null &&
      (request.body as Record<string, unknown>).stream === true;
    if (fault && fault.type !== 'stream-cut' && !(fault.type === 'malformed-body' && streaming)) {
      if (answerTransportFault(context, fault)) return;
    }
    if (typeof request.body !== 'object' || request.body === null || Array.isArray(request.body)) {
      invalidRequest(
        response,
        "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)",
      );
      return;
    }
    if (request.path === '/v1/embeddings') handleEmbeddings(context);
    else await handleChatCompletions(context, respond, chunkDelayMs, fault);
  });
  return {
    url: `${server.origin}/v1`,
    apiKey,
    requests: state.requests,
    queueFault: (fault, faultOptions) => state.queueFault(fault, faultOptions),
    clearFaults: () => state.clearFaults(),
    setRespond: (next) => {
      respond = next ?? defaultOpenAIEmulatorReply;
    },
    close: () => server.close(),
  };
}
