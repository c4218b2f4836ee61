import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test receiver got. */
export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What a test receiver answers. */
export interface ReceiverAnswer {
  status: number;
  body?: string;
}

/** A real HTTP receiver on 127.0.0.1 that can go down and come back on the same port. */
export interface TestReceiver {
  url: string;
  port: number;
  requests: ReceivedRequest[];
  /** Stops listening: connections are refused until {@link TestReceiver.up}. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Starts a receiver answering with `answer(request)`. */
export async function startReceiver(
  answer: (request: ReceivedRequest) => ReceiverAnswer,
): Promise<TestReceiver> {
  const requests: ReceivedRequest[] = [];
  const make = () =>
    createServer((incoming, outgoing) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.on('end', () => {
        const request = {
          path: incoming.url ?? '/',
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        };
        requests.push(request);
        const result = answer(request);
        outgoing.writeHead(result.status, { 'content-type': 'application/json' });
        outgoing.end(result.body ?? '');
      });
    });
  let server: Server | undefined = make();
  const port = await listen(server, 0);
  const stop = async () => {
    const current = server;
    server = undefined;
    if (!current) return;
    current.closeAllConnections();
    await new Promise<void>((resolve) => current.close(() => resolve()));
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    down: stop,
    async up() {
      if (server) return;
      server = make();
      await listen(server, port);
    },
    close: stop,
  };
}

/** A clock tests move by hand. */
export function manualClock(start = new Date('2030-01-01T00:00:00Z')) {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(milliseconds: number) {
      current += milliseconds;
    },
  };
}

/** A fixed 32-byte test key (base64). */
export const testEncryptionKey = Buffer.alloc(32, 7).toString('base64');
