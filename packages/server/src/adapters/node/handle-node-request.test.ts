import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { listenOnLocalhost } from '../../../test/fixtures/adapter-conformance.js';
import { toNodeHandler } from './to-node-handler.js';

function get(url: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    httpRequest(url, { headers }, resolve).on('error', reject).end();
  });
}

describe('toNodeHandler', () => {
  it('waits for a slow client instead of buffering the whole body (backpressure)', async () => {
    const chunk = new Uint8Array(64 * 1024);
    const total = 1000; // 64 MiB if it were all buffered
    let pulled = 0;
    const server = await listenOnLocalhost(
      createServer(
        toNodeHandler(
          async () =>
            new Response(
              new ReadableStream<Uint8Array>({
                pull(controller) {
                  if (pulled === total) controller.close();
                  else {
                    pulled++;
                    controller.enqueue(chunk);
                  }
                },
              }),
            ),
        ),
      ),
    );
    try {
      const response = await get(server.url);
      response.pause();
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Only what fits the socket buffers was produced while the client did not read.
      expect(pulled).toBeLessThan(total / 4);
      let received = 0;
      response.on('data', (data: Buffer) => {
        received += data.byteLength;
      });
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      expect(received).toBe(total * chunk.byteLength);
    } finally {
      await server.close();
    }
  });

  it('builds the URL from the Host header and survives a malformed one', async () => {
    const urls: string[] = [];
    const server = await listenOnLocalhost(
      createServer(
        toNodeHandler(async (request) => {
          urls.push(request.url);
          return new Response('ok');
        }),
      ),
    );
    try {
      (await get(`${server.url}/a?b=1`, { host: 'shop.example:8080' })).resume();
      (await get(`${server.url}/c`, { host: 'bad host[' })).resume();
      expect(urls).toEqual(['http://shop.example:8080/a?b=1', 'http://localhost/c']);
    } finally {
      await server.close();
    }
  });

  it('writes no body for HEAD and keeps repeated request headers', async () => {
    let cookie: string | null = null;
    const server = await listenOnLocalhost(
      createServer(
        toNodeHandler(async (request) => {
          cookie = request.headers.get('x-many');
          return new Response('body', { headers: { 'x-answer': 'yes' } });
        }),
      ),
    );
    try {
      const response = await new Promise<IncomingMessage>((resolve, reject) => {
        const outgoing = httpRequest(`${server.url}/`, { method: 'HEAD' }, resolve);
        outgoing.on('error', reject);
        outgoing.setHeader('x-many', ['one', 'two']);
        outgoing.end();
      });
      expect(response.headers['x-answer']).toBe('yes');
      let bytes = 0;
      response.on('data', (data: Buffer) => {
        bytes += data.byteLength;
      });
      await new Promise((resolve) => response.on('end', resolve));
      expect(bytes).toBe(0);
      expect(cookie).toBe('one, two');
    } finally {
      await server.close();
    }
  });
});
