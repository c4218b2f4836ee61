/**
 * An in-page stand-in for the Churn chat API: a `fetch` function that answers the widget's
 * routes, records every request, and streams scripted answers in the AI SDK UI message
 * stream format, cut into network chunks at awkward places (mid-line, mid-character). A
 * stream can be held open, or broken to simulate a lost connection.
 */
import type { UIMessageChunk } from '../src/api/ui-message-chunk.js';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

export interface ScriptedStream {
  chunks: (UIMessageChunk | string)[];
  /** Bytes per network chunk (default 7: lines and characters get split). */
  chunkSize?: number;
  /** Stop after this many chunks and break the connection (a TypeError, like fetch). */
  breakAfter?: number;
  /** Stop after this many chunks and wait for `release()`. */
  holdAfter?: number;
  /** Leave out `data: [DONE]`. */
  withoutDone?: boolean;
}

export interface AnswerOptions {
  messageId?: string;
  sources?: { sourceId: string; url: string; title?: string }[];
  confidence?: { score: number; escalate?: boolean };
  escalation?: boolean;
  payment?: Record<string, unknown>;
}

/** The chunks of one complete answer. */
export function answerChunks(text: string, options: AnswerOptions = {}): UIMessageChunk[] {
  const messageId = options.messageId ?? 'msg_answer_1';
  const words = text.match(/\S+\s*/g) ?? [];
  return [
    { type: 'start', messageId },
    { type: 'start-step' },
    { type: 'text-start', id: `${messageId}-text-1` },
    ...words.map((delta) => ({ type: 'text-delta' as const, id: `${messageId}-text-1`, delta })),
    { type: 'text-end', id: `${messageId}-text-1` },
    ...(options.sources ?? []).map((source) => ({ type: 'source-url' as const, ...source })),
    ...(options.confidence
      ? [{ type: 'data-confidence' as const, data: { escalate: false, ...options.confidence } }]
      : []),
    ...(options.escalation
      ? [{ type: 'data-escalation' as const, data: { reason: 'low_confidence', confidence: 0.2 } }]
      : []),
    ...(options.payment ? [{ type: 'data-payment' as const, data: options.payment }] : []),
    { type: 'finish-step' },
    { type: 'finish', finishReason: 'stop' },
  ];
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export class FakeChurnServer {
  readonly requests: RecordedRequest[] = [];
  /** `GET /api/widget/config`, shaped like the server's `WidgetConfig`. */
  config: Record<string, unknown> = {
    tenantId: 'tenant_1',
    name: 'Acme Support',
    greeting: 'Hello from Acme! Ask me anything.',
    branding: { primaryColor: '#0f766e' },
    customerVerified: false,
  };
  conversationId = 'conv_1';
  /** Answers to `POST .../messages`, in order. */
  readonly answers: ScriptedStream[] = [];
  /** Answers to `GET /api/chat/:id/stream`, in order; `null` answers 204. */
  readonly resumes: (ScriptedStream | null)[] = [];
  storedMessages: unknown[] = [];
  conversations: unknown[] = [];
  /** Replace a route's answer: key `METHOD /path`. */
  readonly routes = new Map<string, Handler>();
  /** Every request fails like a network error while true. */
  offline = false;
  #release: (() => void) | undefined;
  /** A `release()` that came before the stream reached its hold: the hold is skipped. */
  #releasedEarly = false;

  readonly fetch = async (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
      location.href,
    );
    const method = (init.method ?? 'GET').toUpperCase();
    const headers = new Headers(init.headers);
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
    const request = { method, path: url.pathname, headers, body };
    this.requests.push(request);
    if (this.offline) throw new TypeError('Failed to fetch');
    const custom = this.routes.get(`${method} ${url.pathname}`);
    if (custom) return custom(request);
    if (method === 'GET' && url.pathname === '/api/widget/config') return json(this.config);
    if (method === 'POST' && url.pathname === '/api/conversations') {
      return json({ conversation: { id: this.conversationId } }, 201);
    }
    if (method === 'GET' && url.pathname === '/api/conversations') {
      return json({ conversations: this.conversations });
    }
    const messages = /^\/api\/conversations\/([^/]+)\/messages$/.exec(url.pathname);
    if (messages && method === 'POST') {
      const script = this.answers.shift() ?? { chunks: answerChunks('OK.') };
      return this.#stream(script, init.signal ?? undefined);
    }
    if (method === 'GET' && /^\/api\/conversations\/[^/]+$/.test(url.pathname)) {
      return json({
        conversation: { id: this.conversationId },
        messages: this.storedMessages,
        streaming: false,
      });
    }
    if (/^\/api\/chat\/[^/]+\/stream$/.test(url.pathname)) {
      const script = this.resumes.shift();
      if (!script) return new Response(null, { status: 204 });
      return this.#stream(script, init.signal ?? undefined);
    }
    if (method === 'POST' && /\/stop$|\/escalate$|\/feedback$/.test(url.pathname)) {
      return json({ ok: true });
    }
    if (method === 'POST' && /\/payment\/(sandbox-)?confirm$/.test(url.pathname)) {
      return json({ status: 'succeeded' });
    }
    return json(
      { error: { code: 'not_found', message: `No route ${method} ${url.pathname}` } },
      404,
    );
  };

  /** Lets a held stream go on. */
  release(): void {
    if (this.#release) {
      this.#release();
      this.#release = undefined;
    } else {
      // The test released before the stream got there (a slow machine): remember it.
      this.#releasedEarly = true;
    }
  }

  /** The requests to a path (and method). */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter(
      (request) =>
        (typeof path === 'string' ? request.path === path : path.test(request.path)) &&
        (!method || request.method === method),
    );
  }

  #stream(script: ScriptedStream, signal: AbortSignal | undefined): Response {
    const lines = script.chunks.map(
      (chunk) => `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`,
    );
    if (!script.withoutDone) lines.push('data: [DONE]\n\n');
    const encoder = new TextEncoder();
    const size = script.chunkSize ?? 7;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        const abort = () => {
          try {
            controller.error(new DOMException('The operation was aborted.', 'AbortError'));
          } catch {
            // Already closed.
          }
        };
        signal?.addEventListener('abort', abort, { once: true });
        void (async () => {
          for (const [index, line] of lines.entries()) {
            if (signal?.aborted) return;
            if (script.breakAfter !== undefined && index === script.breakAfter) {
              controller.error(new TypeError('network error'));
              return;
            }
            if (script.holdAfter !== undefined && index === script.holdAfter) {
              if (this.#releasedEarly) {
                this.#releasedEarly = false;
              } else {
                await new Promise<void>((resolve) => {
                  this.#release = resolve;
                });
              }
              if (signal?.aborted) return;
            }
            const bytes = encoder.encode(line);
            for (let offset = 0; offset < bytes.length; offset += size) {
              controller.enqueue(bytes.slice(offset, offset + size));
            }
            await new Promise((resolve) => setTimeout(resolve, 1));
          }
          if (!signal?.aborted) controller.close();
        })();
      },
    });
    return new Response(stream, {
      status: 200,
      headers: {
        'content-type': 'text/event-stream',
        'x-vercel-ai-ui-message-stream': 'v1',
      },
    });
  }
}

/** A `sessionStorage`-like store in memory. */
export class MemoryStorage {
  readonly #items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.#items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.#items.set(key, value);
  }
  removeItem(key: string): void {
    this.#items.delete(key);
  }
}
