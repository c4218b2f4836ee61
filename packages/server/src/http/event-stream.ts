import { ChurnError } from '@churn/core';

/** One Server-Sent Event. */
export interface ServerSentEvent {
  /** The event name (`event:`); omitted means the browser's default `message`. */
  event?: string;
  /** The payload: strings are sent as they are, anything else as JSON. */
  data: unknown;
  /** The event id (`id:`), for `Last-Event-ID` resumption. */
  id?: string;
  /** Reconnection delay in milliseconds (`retry:`). */
  retry?: number;
}

/** What the producer of an event stream writes with. */
export interface EventStreamWriter {
  /**
   * Sends one event at once (no buffering). Resolves when the consumer is ready for more,
   * so a fast producer follows a slow client (backpressure). Returns `false` once the
   * stream is closed (the client went away), `true` otherwise.
   */
  send(event: ServerSentEvent): Promise<boolean>;
  /** Sends a comment line (`: text`), ignored by clients; keeps idle connections open. */
  comment(text: string): Promise<boolean>;
  /** Aborts when the client goes away or the stream is cancelled. */
  readonly signal: AbortSignal;
}

/** Settings of {@link createEventStream}. */
export interface EventStreamOptions {
  /** Usually `request.signal`: when it aborts, the stream closes and `writer.signal` aborts. */
  signal?: AbortSignal;
  /** Sends a `: keep-alive` comment this often (milliseconds) while idle. Default 15000; 0 turns it off. */
  heartbeatMs?: number;
  /** Status and extra headers of the response. */
  init?: ResponseInit;
}

/** The headers of every event stream: no caching, no transformation, no proxy buffering. */
export const eventStreamHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
};

const encoder = new TextEncoder();

/** Encodes one event in the `text/event-stream` format. */
export function formatServerSentEvent(event: ServerSentEvent): string {
  let text = '';
  if (event.event !== undefined) text += `event: ${singleLine(event.event)}\n`;
  if (event.id !== undefined) text += `id: ${singleLine(event.id)}\n`;
  if (event.retry !== undefined) text += `retry: ${Math.max(0, Math.floor(event.retry))}\n`;
  const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
  for (const line of (data ?? '').split(/\r\n|\r|\n/)) text += `data: ${line}\n`;
  return `${text}\n`;
}

function singleLine(value: string): string {
  return value.replace(/[\r\n]/g, ' ');
}

/**
 * A streaming `text/event-stream` response. The producer runs right away and writes events
 * with the writer; each event is handed to the HTTP layer as its own chunk, so it reaches
 * the client at once. The stream ends when the producer returns. If the producer throws,
 * the client gets a last `error` event with `{ code, message }` (a generic message for
 * errors that are not a `ChurnError`) and the stream ends.
 *
 * @example
 * return createEventStream(async (writer) => {
 *   await writer.send({ event: 'text-delta', data: { delta: 'Hello' } });
 * }, { signal: request.signal });
 */
export function createEventStream(
  producer: (writer: EventStreamWriter) => Promise<void> | void,
  options: EventStreamOptions = {},
): Response {
  const abortController = new AbortController();
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let closed = false;
  let waiting: (() => void)[] = [];
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  const wake = () => {
    const waiters = waiting;
    waiting = [];
    for (const resume of waiters) resume();
  };
  const close = (reason?: unknown) => {
    if (closed) return;
    closed = true;
    if (heartbeat) clearInterval(heartbeat);
    options.signal?.removeEventListener('abort', onAbort);
    if (!abortController.signal.aborted) abortController.abort(reason);
    wake();
  };
  const onAbort = () => {
    close(options.signal?.reason);
    try {
      controller.close();
    } catch {
      // Already closed or cancelled.
    }
  };

  const write = async (text: string): Promise<boolean> => {
    if (closed) return false;
    controller.enqueue(encoder.encode(text));
    if ((controller.desiredSize ?? 1) <= 0) {
      await new Promise<void>((resolve) => waiting.push(resolve));
    }
    return !closed;
  };

  const writer: EventStreamWriter = {
    send: (event) => write(formatServerSentEvent(event)),
    comment: (text) => write(`: ${singleLine(text)}\n\n`),
    signal: abortController.signal,
  };

  const body = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController;
      },
      pull() {
        wake();
      },
      cancel(reason) {
        close(reason);
      },
    },
    { highWaterMark: 1 },
  );

  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  if (heartbeatMs > 0 && !closed) {
    heartbeat = setInterval(() => void writer.comment('keep-alive'), heartbeatMs);
    heartbeat.unref?.();
  }

  void (async () => {
    try {
      await producer(writer);
    } catch (error) {
      if (!closed) {
        const safe = ChurnError.isInstance(error)
          ? { code: error.code, message: error.message }
          : { code: 'internal', message: 'The stream failed on our side.' };
        if (!ChurnError.isInstance(error)) console.error('[churn] An event stream failed.', error);
        await writer.send({ event: 'error', data: safe });
      }
    } finally {
      if (!closed) {
        close();
        try {
          controller.close();
        } catch {
          // Already closed or cancelled.
        }
      }
    }
  })();

  const headers = new Headers(options.init?.headers);
  for (const [name, value] of Object.entries(eventStreamHeaders)) headers.set(name, value);
  return new Response(body, { ...options.init, headers });
}
