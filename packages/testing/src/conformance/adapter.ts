import { createHash } from 'node:crypto';
import { ValidationError } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

/** A Web-standard fetch handler, the shape `createChurnHandler` returns. */
export type ConformanceFetchHandler = (request: Request) => Promise<Response>;

/** A framework server the suite started, listening on 127.0.0.1. */
export interface MountedServer {
  /** The server's origin, for example `http://127.0.0.1:54321` (no base path). */
  url: string;
  /** Stops the server (and closes its connections). */
  close(): Promise<void>;
}

/**
 * Starts a framework's server on `127.0.0.1:0` with `handler` mounted under `basePath`
 * (`''` for the root, otherwise for example `/churn`) through the adapter under test.
 */
export type AdapterMount = (
  handler: ConformanceFetchHandler,
  options: { basePath: string },
) => Promise<MountedServer>;

/** One route of the suite's test app, below the base path (`/api/echo`). */
export interface ConformanceRoute {
  method: 'GET' | 'POST';
  path: string;
  handler: (request: Request) => Promise<Response>;
}

/** The part of `stripe.webhooks` the suite signs and verifies with (pass `stripe.webhooks`). */
export interface ConformanceWebhooks {
  generateTestHeaderString(options: { payload: string; secret: string }): string;
  constructEvent(payload: string, header: string, secret: string): { id: string; type: string };
}

/** Settings of {@link describeAdapterConformance}. */
export interface AdapterConformanceOptions {
  /**
   * Builds the server's handler from the suite's routes, for example
   * `(routes, { basePath }) => createChurnHandler({ basePath, routes: ... })`. Errors the
   * routes throw must be mapped by it (the suite checks the mapping arrives intact).
   */
  createHandler(
    routes: readonly ConformanceRoute[],
    options: { basePath: string },
  ): ConformanceFetchHandler;
  /** Reads a JSON body with a size limit (413 above it), like the server's `readJsonBody`. */
  readJsonBody(request: Request, options: { limit: number }): Promise<unknown>;
  /** Stripe's webhook helpers: `stripe.webhooks`. */
  webhooks: ConformanceWebhooks;
  /**
   * Mounts the handler the wrong way: after the framework's body parser (Express with
   * `express.json()` first, a Fastify route with its default JSON parser). When given, the
   * suite checks the answer is a clear 500 `configuration` error, logged on `console.error`.
   */
  mountAfterBodyParser?: AdapterMount;
  /** What the body-parser message must say. Default: it mentions the body was already read or parsed. */
  bodyParserMessage?: RegExp;
  /** Per-test timeout in milliseconds. Default 20000. */
  timeoutMs?: number;
}

// Captured now: some frameworks (Next.js) patch the global `fetch` once they load.
const clientFetch = globalThis.fetch;
const webhookSecret = 'whsec_conformance_secret';
const echoLimit = 64 * 1024;

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, milliseconds: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), milliseconds);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  const result = new Headers(headers);
  result.set('content-type', 'application/json; charset=utf-8');
  return new Response(JSON.stringify(body), { status, headers: result });
}

function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Reads a response body until `needle` has arrived; returns everything read so far. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  decoder: TextDecoder,
  received: { text: string },
  needle: string,
): Promise<string> {
  while (!received.text.includes(needle)) {
    const { done, value } = await reader.read();
    if (done) break;
    received.text += decoder.decode(value, { stream: true });
  }
  return received.text;
}

/** What the test app's routes report to the tests, through the test process's memory. */
interface Probes {
  /** Resolved by the test once the client has the first event; the route then sends the next. */
  eventAcknowledged: Deferred<void>;
  streamAborted: Deferred<string>;
  pendingEntered: Deferred<void>;
  pendingAborted: Deferred<string>;
}

function freshProbes(): Probes {
  return {
    eventAcknowledged: deferred(),
    streamAborted: deferred<string>(),
    pendingEntered: deferred(),
    pendingAborted: deferred<string>(),
  };
}

function conformanceRoutes(
  options: AdapterConformanceOptions,
  probes: () => Probes,
  basePath: string,
): ConformanceRoute[] {
  const encoder = new TextEncoder();
  return [
    {
      method: 'POST',
      path: '/api/echo',
      async handler(request) {
        const body = await options.readJsonBody(request, { limit: echoLimit });
        const url = new URL(request.url);
        const headers = new Headers({ 'x-conformance-echo': 'yes' });
        headers.append('set-cookie', 'first=1; Path=/; HttpOnly');
        headers.append('set-cookie', 'second=2; Path=/');
        return json(
          {
            method: request.method,
            mountedAt: basePath,
            path: url.pathname,
            query: url.searchParams.get('q'),
            header: request.headers.get('x-conformance'),
            body,
          },
          201,
          headers,
        );
      },
    },
    {
      method: 'GET',
      path: '/api/events',
      async handler() {
        const current = probes();
        const stream = new ReadableStream<Uint8Array>({
          async start(controller) {
            controller.enqueue(encoder.encode('event: first\ndata: {"n":1}\n\n'));
            await current.eventAcknowledged.promise;
            controller.enqueue(encoder.encode('event: second\ndata: {"n":2}\n\n'));
            controller.close();
          },
        });
        return new Response(stream, {
          headers: {
            'content-type': 'text/event-stream; charset=utf-8',
            'cache-control': 'no-cache, no-transform',
            'x-accel-buffering': 'no',
          },
        });
      },
    },
    {
      method: 'POST',
      path: '/api/webhook',
      async handler(request) {
        const payload = await request.text();
        const signature = request.headers.get('stripe-signature') ?? '';
        try {
          const event = options.webhooks.constructEvent(payload, signature, webhookSecret);
          return json({
            id: event.id,
            type: event.type,
            sha256: sha256(payload),
            bytes: encoder.encode(payload).byteLength,
          });
        } catch (error) {
          return json({ error: { code: 'unauthorized', message: String(error) } }, 400);
        }
      },
    },
    {
      method: 'GET',
      path: '/api/streaming-forever',
      async handler(request) {
        const current = probes();
        request.signal.addEventListener(
          'abort',
          () => current.streamAborted.resolve(String(request.signal.reason)),
          { once: true },
        );
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(encoder.encode('started\n'));
          },
        });
        return new Response(stream, { headers: { 'content-type': 'text/plain' } });
      },
    },
    {
      method: 'GET',
      path: '/api/pending-forever',
      async handler(request) {
        const current = probes();
        const aborted = new Promise<Response>((resolve) => {
          request.signal.addEventListener(
            'abort',
            () => {
              current.pendingAborted.resolve(String(request.signal.reason));
              resolve(new Response(null, { status: 204 }));
            },
            { once: true },
          );
        });
        current.pendingEntered.resolve();
        return aborted;
      },
    },
    {
      method: 'GET',
      path: '/api/errors/validation',
      async handler() {
        throw new ValidationError('conformance input', [
          { path: ['email'], message: 'must be an email address' },
        ]);
      },
    },
    {
      method: 'GET',
      path: '/api/errors/unexpected',
      async handler() {
        throw new Error('secret-internal-detail: the database password is hunter2');
      },
    },
  ];
}

/** A JSON body with whitespace, escapes and characters a re-serialiser would change. */
const webhookPayload =
  '{\n  "id" : "evt_conformance_1",\t"object":"event",\r\n' +
  '  "type":   "invoice.payment_failed",\n' +
  '  "data": { "object": { "customer_name": "Zoë Ångström — café ☕ 😀", ' +
  '"escaped": "\\u00e9\\n", "amount_due": 4900.0, "list": [ 1,2 , 3 ] } }\n}\n';

/**
 * The conformance suite of a framework adapter: the same HTTP cases, over real sockets,
 * against every framework the server supports. It checks a JSON round trip (status, headers,
 * several `set-cookie`), that Server-Sent Events arrive one by one (the route waits until
 * the client has the first event before it writes the second, so a buffering adapter
 * times out), that a Stripe-signed webhook body arrives byte-identical, mounting under a
 * base path, that a client abort reaches `request.signal` (mid-stream and before the
 * answer), that errors arrive with their status and JSON body and never leak internals,
 * that a body over the limit answers 413 (declared or streamed), and, when the adapter can
 * be mounted after a body parser, that the mistake answers a clear, logged error.
 *
 * @example
 * describeAdapterConformance('express 5', mountExpress, {
 *   createHandler: (routes, { basePath }) => createChurnHandler({ basePath, routes: ... }),
 *   readJsonBody,
 *   webhooks: new Stripe('sk_test_x').webhooks,
 * });
 */
export function describeAdapterConformance(
  name: string,
  mount: AdapterMount,
  options: AdapterConformanceOptions,
): void {
  const timeout = options.timeoutMs ?? 20_000;
  let probes = freshProbes();
  const routes = conformanceRoutes(options, () => probes, '');
  const basedRoutes = conformanceRoutes(options, () => probes, '/churn');

  describe(`adapter conformance: ${name}`, () => {
    let server: MountedServer;

    beforeAll(async () => {
      server = await mount(options.createHandler(routes, { basePath: '' }), { basePath: '' });
    });
    afterAll(async () => {
      await server?.close();
    });

    it(
      'round-trips JSON: body, query, request and response headers, status, cookies',
      async () => {
        const sent = { text: 'Hello, Zoë 👋', amounts: [49, 0.5], nested: { ok: true } };
        const response = await clientFetch(`${server.url}/api/echo?q=caf%C3%A9`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-conformance': 'header value' },
          body: JSON.stringify(sent),
        });
        expect(response.status).toBe(201);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        expect(response.headers.get('x-conformance-echo')).toBe('yes');
        expect(response.headers.getSetCookie()).toEqual([
          'first=1; Path=/; HttpOnly',
          'second=2; Path=/',
        ]);
        expect(await response.json()).toEqual({
          method: 'POST',
          mountedAt: '',
          path: '/api/echo',
          query: 'café',
          header: 'header value',
          body: sent,
        });
      },
      timeout,
    );

    it(
      'delivers Server-Sent Events incrementally, not buffered',
      async () => {
        probes = freshProbes();
        const response = await within(
          clientFetch(`${server.url}/api/events`, { headers: { accept: 'text/event-stream' } }),
          5_000,
          'No response headers while the stream was open: the adapter buffers the response.',
        );
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
        expect(response.headers.get('cache-control')).toContain('no-cache');
        const reader = response.body!.getReader();
        const decoder = new TextDecoder();
        const received = { text: '' };
        // The route writes the second event only after this acknowledgement: if the
        // adapter buffers the first one, it never arrives and this times out.
        const first = await within(
          readUntil(reader, decoder, received, 'data: {"n":1}\n\n'),
          5_000,
          'The first event did not arrive while the stream was open: the adapter buffers the response.',
        );
        expect(first).toContain('event: first');
        expect(first).not.toContain('event: second');
        probes.eventAcknowledged.resolve();
        const all = await within(
          readUntil(reader, decoder, received, 'data: {"n":2}\n\n'),
          5_000,
          'The second event did not arrive.',
        );
        expect(all).toBe('event: first\ndata: {"n":1}\n\nevent: second\ndata: {"n":2}\n\n');
        expect((await reader.read()).done).toBe(true);
      },
      timeout,
    );

    it(
      'passes a Stripe-signed webhook body through byte-identical',
      async () => {
        const signature = options.webhooks.generateTestHeaderString({
          payload: webhookPayload,
          secret: webhookSecret,
        });
        const response = await clientFetch(`${server.url}/api/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
          body: webhookPayload,
        });
        expect(response.status).toBe(200);
        expect(await response.json()).toEqual({
          id: 'evt_conformance_1',
          type: 'invoice.payment_failed',
          sha256: sha256(webhookPayload),
          bytes: new TextEncoder().encode(webhookPayload).byteLength,
        });

        const tampered = await clientFetch(`${server.url}/api/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': signature },
          body: webhookPayload.replace('4900.0', '4900'),
        });
        expect(tampered.status).toBe(400);
        await tampered.body?.cancel();
      },
      timeout,
    );

    it(
      'mounts under a base path',
      async () => {
        const based = await mount(options.createHandler(basedRoutes, { basePath: '/churn' }), {
          basePath: '/churn',
        });
        try {
          const response = await clientFetch(`${based.url}/churn/api/echo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ based: true }),
          });
          expect(response.status).toBe(201);
          expect(await response.json()).toMatchObject({
            mountedAt: '/churn',
            path: '/churn/api/echo',
            body: { based: true },
          });
          // Outside its base path the handler never answers. Usually that is a 404; a
          // framework that serves several mounts from one server (the Next.js fixture has
          // a root route too) may answer from the root mount instead.
          const outside = await clientFetch(`${based.url}/api/echo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          if (outside.status === 404) {
            await outside.body?.cancel();
          } else {
            expect(outside.status).toBe(201);
            expect(await outside.json()).toMatchObject({ mountedAt: '', path: '/api/echo' });
          }
        } finally {
          await based.close();
        }
      },
      timeout,
    );

    it(
      'aborts request.signal when the client goes away mid-stream',
      async () => {
        probes = freshProbes();
        const client = new AbortController();
        const response = await clientFetch(`${server.url}/api/streaming-forever`, {
          signal: client.signal,
        });
        expect(response.status).toBe(200);
        const reader = response.body!.getReader();
        const first = await reader.read();
        expect(new TextDecoder().decode(first.value)).toBe('started\n');
        client.abort();
        await within(
          probes.streamAborted.promise,
          5_000,
          'request.signal did not abort within 5 s of the client going away.',
        );
      },
      timeout,
    );

    it(
      'aborts request.signal when the client goes away before the answer',
      async () => {
        probes = freshProbes();
        const client = new AbortController();
        const pending = clientFetch(`${server.url}/api/pending-forever`, {
          signal: client.signal,
        }).catch((error: unknown) => error);
        await within(probes.pendingEntered.promise, 5_000, 'The route was never reached.');
        client.abort();
        await within(
          probes.pendingAborted.promise,
          5_000,
          'request.signal did not abort within 5 s of the client going away.',
        );
        expect(await pending).toBeInstanceOf(Error);
      },
      timeout,
    );

    it(
      'maps a validation error to 400 with its issues',
      async () => {
        const response = await clientFetch(`${server.url}/api/errors/validation`);
        expect(response.status).toBe(400);
        expect(response.headers.get('content-type')).toMatch(/^application\/json/);
        const body = (await response.json()) as { error: Record<string, unknown> };
        expect(body.error).toMatchObject({
          code: 'validation_failed',
          issues: [{ path: ['email'], message: 'must be an email address' }],
        });
        expect(body.error.message).toContain('email');
      },
      timeout,
    );

    it(
      'answers an unknown route with 404 JSON',
      async () => {
        const response = await clientFetch(`${server.url}/api/does-not-exist`);
        expect(response.status).toBe(404);
        const body = (await response.json()) as { error: { code: string; message: string } };
        expect(body.error.code).toBe('not_found');
        expect(body.error.message).toContain('/api/does-not-exist');
      },
      timeout,
    );

    it(
      'maps an unexpected error to 500 with a generic message and an error id, no internals',
      async () => {
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        try {
          const response = await clientFetch(`${server.url}/api/errors/unexpected`);
          expect(response.status).toBe(500);
          const text = await response.text();
          expect(text).not.toContain('secret-internal-detail');
          expect(text).not.toContain('hunter2');
          expect(text).not.toMatch(/\bat .+:\d+:\d+/);
          const body = JSON.parse(text) as { error: { code: string; errorId: string } };
          expect(body.error.code).toBe('internal');
          expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
          // The details are in the log, under the same id.
          expect(JSON.stringify(logged.mock.calls.flat(), logReplacer)).toContain(
            body.error.errorId,
          );
        } finally {
          logged.mockRestore();
        }
      },
      timeout,
    );

    it(
      'answers 500 without internals when the handler itself rejects',
      async () => {
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        const failing = await mount(
          async () => {
            throw new Error('secret-internal-detail from a broken handler');
          },
          { basePath: '' },
        );
        try {
          const response = await clientFetch(`${failing.url}/api/anything`);
          expect(response.status).toBe(500);
          const text = await response.text();
          expect(text).not.toContain('secret-internal-detail');
          expect(text).not.toMatch(/\bat .+:\d+:\d+/);
        } finally {
          await failing.close();
          logged.mockRestore();
        }
      },
      timeout,
    );

    it(
      'answers 413 to a body over the limit, declared or streamed',
      async () => {
        const large = JSON.stringify({ padding: 'x'.repeat(echoLimit * 2) });
        const declared = await clientFetch(`${server.url}/api/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: large,
        });
        expect(declared.status).toBe(413);
        expect(await declared.json()).toMatchObject({ error: { code: 'payload_too_large' } });

        const bytes = new TextEncoder().encode(large);
        const chunkSize = 16 * 1024;
        let offset = 0;
        const streamed = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (offset >= bytes.byteLength) {
              controller.close();
              return;
            }
            controller.enqueue(bytes.slice(offset, offset + chunkSize));
            offset += chunkSize;
          },
        });
        const chunked = await clientFetch(`${server.url}/api/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: streamed,
          duplex: 'half',
        } as RequestInit);
        expect(chunked.status).toBe(413);
        expect(await chunked.json()).toMatchObject({ error: { code: 'payload_too_large' } });

        // The server is still healthy afterwards.
        const after = await clientFetch(`${server.url}/api/echo`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{"after":true}',
        });
        expect(after.status).toBe(201);
        await after.body?.cancel();
      },
      timeout,
    );

    const mountAfterBodyParser = options.mountAfterBodyParser;
    it.runIf(mountAfterBodyParser !== undefined)(
      'explains, with a logged 500, that a body parser ran first',
      async () => {
        const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
        const misplaced = await mountAfterBodyParser!(
          options.createHandler(routes, { basePath: '' }),
          { basePath: '' },
        );
        try {
          const response = await clientFetch(`${misplaced.url}/api/echo`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{"parsed":"too early"}',
          });
          expect(response.status).toBe(500);
          const body = (await response.json()) as { error: { code: string; message: string } };
          expect(body.error.code).toBe('configuration');
          const expected = options.bodyParserMessage ?? /already (read|parsed)/i;
          expect(body.error.message).toMatch(expected);
          const lines = logged.mock.calls.map((call) => call.map(String).join(' '));
          expect(lines.some((line) => expected.test(line))).toBe(true);
        } finally {
          await misplaced.close();
          logged.mockRestore();
        }
      },
      timeout,
    );
  });
}

function logReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { message: value.message } : value;
}
