import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request an emulator received, kept for assertions. */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string, for example `/v1/embeddings`. */
  path: string;
  /** Query parameters; repeated keys keep every value. */
  query: URLSearchParams;
  /** Header names in lower case. */
  headers: Record<string, string>;
  /** The raw body. */
  rawBody: string;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  /** The fault answered instead of the normal reply, if one was queued. */
  fault?: EmulatorFault;
  /** When it arrived (epoch milliseconds). */
  receivedAt: number;
}

/**
 * A failure an emulator answers instead of its normal reply.
 *
 * - `status`: that HTTP status with the vendor's error body for it; `retryAfterSeconds`
 *   and `retryAfterMs` set `Retry-After` / `retry-after-ms`.
 * - `malformed-body`: status 200 and a body that is not JSON (for streams: an SSE line
 *   whose data is not JSON).
 * - `hang`: never answers (until the client gives up or the emulator closes).
 * - `disconnect`: drops the connection without an answer.
 * - `stream-cut`: a stream that stops after `afterChunks` chunks, without finish or `[DONE]`.
 * - `lost-answer` (Stripe emulator): the request is carried out (a charge is made, an
 *   idempotency key is recorded) but no answer is sent, until the client gives up or the
 *   emulator closes: a process that dies, or a network that drops, after the vendor acted.
 */
export type EmulatorFault =
  | {
      type: 'status';
      status: number;
      retryAfterSeconds?: number;
      retryAfterMs?: number;
      /** Replaces the vendor-shaped error body. */
      body?: unknown;
    }
  | { type: 'malformed-body' }
  | { type: 'hang' }
  | { type: 'disconnect' }
  | { type: 'stream-cut'; afterChunks: number }
  | { type: 'lost-answer' };

/** Which requests a queued fault applies to. */
export interface FaultOptions {
  /** How many matching requests it answers. Default 1. */
  times?: number;
  /** Only requests to this path (for example `/v1/embeddings`). Default: any path. */
  path?: string;
}

interface QueuedFault {
  fault: EmulatorFault;
  remaining: number;
  path?: string;
}

/** The fault queue and request log every emulator shares. */
export class EmulatorState {
  readonly requests: EmulatorRequest[] = [];
  readonly #faults: QueuedFault[] = [];

  queueFault(fault: EmulatorFault, options: FaultOptions = {}): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1)
      throw new RangeError('times must be a positive integer');
    this.#faults.push({ fault, remaining: times, ...(options.path ? { path: options.path } : {}) });
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Takes the next fault that matches `path`, in queue order. */
  takeFault(path: string): EmulatorFault | undefined {
    const index = this.#faults.findIndex(
      (queued) => queued.path === undefined || queued.path === path,
    );
    if (index === -1) return undefined;
    const queued = this.#faults[index]!;
    queued.remaining -= 1;
    if (queued.remaining === 0) this.#faults.splice(index, 1);
    return queued.fault;
  }
}

/** A handler's view of one request. */
export interface EmulatorContext {
  request: EmulatorRequest;
  incoming: IncomingMessage;
  response: ServerResponse;
}

/** A running local HTTP server bound to 127.0.0.1 on a free port. */
export interface RunningServer {
  origin: string;
  close(): Promise<void>;
}

function readBody(incoming: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    incoming.on('data', (part: Buffer) => parts.push(part));
    incoming.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    incoming.on('error', reject);
  });
}

/**
 * Starts a server on 127.0.0.1, port 0. Each request is logged, then `handle` answers.
 * `close` ends open connections too (a hung request never keeps a test alive).
 */
export async function startEmulatorServer(
  state: EmulatorState,
  handle: (context: EmulatorContext) => Promise<void> | void,
): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer(async (incoming, response) => {
    try {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const rawBody = await readBody(incoming);
      let body: unknown;
      if (rawBody.length > 0) {
        try {
          body = JSON.parse(rawBody);
        } catch {
          body = undefined;
        }
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(incoming.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
      }
      const request: EmulatorRequest = {
        method: incoming.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers,
        rawBody,
        body,
        receivedAt: Date.now(),
      };
      state.requests.push(request);
      await handle({ request, incoming, response });
    } catch (error) {
      if (!response.headersSent) {
        response.writeHead(500, { 'content-type': 'text/plain' });
        response.end(`emulator failure: ${error instanceof Error ? error.message : String(error)}`);
      } else {
        response.destroy();
      }
    }
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Writes a JSON answer. */
export function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  response.end(text);
}

/** Retry headers of a `status` fault. */
export function retryHeaders(fault: EmulatorFault): Record<string, string> {
  if (fault.type !== 'status') return {};
  const headers: Record<string, string> = {};
  if (fault.retryAfterSeconds !== undefined)
    headers['retry-after'] = String(fault.retryAfterSeconds);
  if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
  return headers;
}

/**
 * Answers the faults that do not depend on the vendor (`hang`, `disconnect`,
 * `malformed-body` for plain JSON endpoints). Returns true when it answered.
 */
export function answerTransportFault(context: EmulatorContext, fault: EmulatorFault): boolean {
  if (fault.type === 'hang') {
    // Keep the socket open without a word; close() destroys it.
    return true;
  }
  if (fault.type === 'disconnect') {
    context.response.socket?.destroy();
    return true;
  }
  if (fault.type === 'malformed-body') {
    const text = '{"object": "list", "data": [ <html>upstream proxy error</html>';
    context.response.writeHead(200, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
    });
    context.response.end(text);
    return true;
  }
  return false;
}

/** A deterministic 32-bit FNV-1a hash. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let hash = seed >>> 0;
  for (let index = 0; index < text.length; index++) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}
