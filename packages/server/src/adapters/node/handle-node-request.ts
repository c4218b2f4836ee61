import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ChurnLogger, consoleLogger, errorToResponse } from '../../http/error-to-response.js';
import { HttpError } from '../../http/http-error.js';
import { setClientAddress } from '../../limits/client-address.js';

/** A Web-standard fetch handler, as returned by `createChurnHandler`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** How a framework adapter tunes the bridge between Node's HTTP objects and the handler. */
export interface NodeBridgeOptions {
  /** The path and query to put in the Web request's URL. Default `incoming.url` (Express passes `originalUrl`). */
  path?: string;
  /** What to tell the developer when a body parser read the body before the handler. */
  bodyConsumedMessage?: string;
  /** Where unexpected errors and misconfigurations are logged. Default `console`. */
  logger?: ChurnLogger;
  /** Set once the misconfiguration was logged, so it is logged once per adapter, not per request. */
  warned?: { bodyConsumed: boolean };
}

const defaultBodyConsumedMessage =
  'The request body was already read before the Churn handler (a body parser?): mount the Churn handler before any body parser, so it gets the raw body.';

interface RequestInitWithDuplex extends RequestInit {
  duplex: 'half';
}

function hasBody(incoming: IncomingMessage): boolean {
  const length = incoming.headers['content-length'];
  return (
    incoming.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0')
  );
}

/** Whether something (a body parser) already read the body of `incoming`. */
export function isBodyConsumed(incoming: IncomingMessage): boolean {
  if (!hasBody(incoming)) return false;
  // body-parser (Express) marks what it parsed; any reader sets `readableDidRead`.
  const marked = (incoming as IncomingMessage & { _body?: unknown })._body === true;
  return marked || incoming.readableDidRead || incoming.readableEnded;
}

function webRequestUrl(incoming: IncomingMessage, path: string): string {
  const encrypted = (incoming.socket as { encrypted?: boolean } | null)?.encrypted === true;
  const protocol = encrypted ? 'https' : 'http';
  const host = incoming.headers.host ?? incoming.headers[':authority'];
  const origin = `${protocol}://${typeof host === 'string' && host !== '' ? host : 'localhost'}`;
  try {
    return new URL(path, origin).href;
  } catch {
    // A malformed Host header must not break routing.
    return new URL(path, `${protocol}://localhost`).href;
  }
}

function webRequestHeaders(incoming: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value === undefined || name.startsWith(':')) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  return headers;
}

/**
 * The body of `incoming` as a Web stream that reads only when the handler reads: a body
 * nobody reads is left to Node, which discards it after the answer.
 */
function webRequestBody(incoming: IncomingMessage): ReadableStream<Uint8Array> {
  let started = false;
  // Set once the stream is closed, errored or cancelled: later events are ignored.
  let settled = false;
  let onData: (chunk: Buffer) => void = () => undefined;
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (!started) {
          started = true;
          onData = (chunk) => {
            if (settled) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) incoming.pause();
          };
          incoming.on('data', onData);
          incoming.once('end', () => {
            if (settled) return;
            settled = true;
            controller.close();
          });
          incoming.once('error', (error) => {
            if (settled) return;
            settled = true;
            controller.error(error);
          });
          incoming.once('close', () => {
            if (settled) return;
            settled = true;
            controller.error(new DOMException('The client closed the connection.', 'AbortError'));
          });
        }
        incoming.resume();
      },
      cancel() {
        // The handler stopped reading (a body over the limit): discard the rest.
        settled = true;
        incoming.off('data', onData);
        incoming.resume();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Converts Node's request into a Web `Request` whose `signal` aborts when the client goes
 * away before the answer is complete.
 */
export function toWebRequest(
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  options: Pick<NodeBridgeOptions, 'path'> = {},
): Request {
  const controller = new AbortController();
  outgoing.once('close', () => {
    if (!outgoing.writableFinished) {
      controller.abort(new DOMException('The client closed the connection.', 'AbortError'));
    }
  });
  const method = incoming.method ?? 'GET';
  const init: RequestInitWithDuplex = {
    method,
    headers: webRequestHeaders(incoming),
    signal: controller.signal,
    duplex: 'half',
  };
  if (method !== 'GET' && method !== 'HEAD') init.body = webRequestBody(incoming);
  const request = new Request(webRequestUrl(incoming, options.path ?? incoming.url ?? '/'), init);
  setClientAddress(request, incoming.socket.remoteAddress);
  return request;
}

function waitForDrain(outgoing: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      outgoing.off('drain', done);
      outgoing.off('close', done);
      resolve();
    };
    outgoing.on('drain', done);
    outgoing.on('close', done);
  });
}

/**
 * Writes a Web `Response` to Node's response: status, headers (each `set-cookie` kept
 * apart), then the body chunk by chunk as it comes, waiting for `drain` when the socket is
 * full (backpressure). Event streams get their headers flushed at once. When the client
 * goes away, the body stream is cancelled so the producer stops.
 */
export async function writeWebResponse(
  response: Response,
  outgoing: ServerResponse,
  method = 'GET',
): Promise<void> {
  outgoing.statusCode = response.status;
  if (response.statusText) outgoing.statusMessage = response.statusText;
  for (const [name, value] of response.headers) {
    if (name !== 'set-cookie') outgoing.setHeader(name, value);
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) outgoing.setHeader('set-cookie', cookies);

  const body = response.body;
  if (body === null || method === 'HEAD' || response.status === 204 || response.status === 304) {
    outgoing.end();
    await body?.cancel().catch(() => undefined);
    return;
  }
  if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
    outgoing.flushHeaders();
  }

  const reader = body.getReader();
  const onClose = () => {
    if (!outgoing.writableFinished) {
      reader
        .cancel(new DOMException('The client closed the connection.', 'AbortError'))
        .catch(() => undefined);
    }
  };
  outgoing.once('close', onClose);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (outgoing.destroyed) break;
      if (!outgoing.write(value)) await waitForDrain(outgoing);
    }
    if (!outgoing.destroyed) outgoing.end();
  } finally {
    outgoing.off('close', onClose);
    reader.releaseLock();
  }
}

/**
 * Runs the fetch handler for one Node request: refuses a body a parser already read (with
 * a clear message, logged once), converts the request, writes the answer. Never rejects:
 * a handler that throws answers 500 with a generic message (or, when the answer had already
 * started, the connection is closed).
 */
export async function handleNodeRequest(
  handler: FetchHandler,
  incoming: IncomingMessage,
  outgoing: ServerResponse,
  options: NodeBridgeOptions = {},
): Promise<void> {
  const logger = options.logger ?? consoleLogger;
  const method = incoming.method ?? 'GET';
  try {
    let response: Response;
    if (isBodyConsumed(incoming)) {
      const message = options.bodyConsumedMessage ?? defaultBodyConsumedMessage;
      if (!options.warned?.bodyConsumed) {
        logger.error(message);
        if (options.warned) options.warned.bodyConsumed = true;
      }
      response = errorToResponse(new HttpError(500, 'configuration', message), {
        logger: { ...logger, error: () => undefined },
      });
    } else {
      try {
        response = await handler(toWebRequest(incoming, outgoing, options));
      } catch (error) {
        response = errorToResponse(error, { logger });
      }
    }
    await writeWebResponse(response, outgoing, method);
  } catch (error) {
    logger.error('Could not write the answer to the client.', { error });
    if (!outgoing.headersSent) {
      await writeWebResponse(errorToResponse(error, { logger }), outgoing, method).catch(
        () => undefined,
      );
    } else {
      outgoing.destroy();
    }
  }
}
