import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createMemoryKnowledgeStore } from '../../providers/memory/memory-knowledge-store.js';
import { createMemoryVectorStore } from '../../providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../../providers/offline/offline-embedding-model.js';
import { ingest } from './ingest.js';

// DNS rebinding: the name answers a public address to the crawler's early check
// (`dns/promises`), then loopback when the connection is made (`dns.lookup`). Only a check
// at connection time can catch it.
vi.mock('node:dns/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:dns/promises')>();
  const lookup = (async (host: string, options: unknown) =>
    host === 'rebind.example'
      ? [{ address: '93.184.216.34', family: 4 }]
      : actual.lookup(host, options as never)) as typeof actual.lookup;
  return { ...actual, lookup, default: { ...actual, lookup } };
});
vi.mock('node:dns', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:dns')>();
  const lookup = ((host: string, options: unknown, callback: (...args: unknown[]) => void) => {
    if (host === 'rebind.example') {
      callback(null, [{ address: '127.0.0.1', family: 4 }]);
      return;
    }
    (actual.lookup as (...args: unknown[]) => void)(host, options, callback);
  }) as typeof actual.lookup;
  return { ...actual, lookup, default: { ...actual, lookup } };
});

describe('the crawler checks the address it connects to (DNS rebinding)', () => {
  let server: Server;
  let port: number;
  let connections = 0;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end('<html><head><title>Internal</title></head><body><h1>secret</h1></body></html>');
    });
    server.on('connection', () => {
      connections += 1;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('refuses a name that turns into loopback between the check and the connection', async () => {
    const report = await ingest({
      tenantId: 'tenant-a',
      store: createMemoryKnowledgeStore(),
      embedder: createOfflineEmbeddingModel({ dimensions: 64 }),
      vectorStore: createMemoryVectorStore({ dimensions: 64 }),
      sources: [{ type: 'url', url: `http://rebind.example:${port}/internal` }],
      limits: { delayMs: 0 },
    });
    const [source] = report.sources;
    expect(source?.skipped.map((item) => item.reason)).toEqual(['private-address']);
    expect(source?.skipped[0]?.message).toMatch(/when connecting: refused/);
    expect(report.totals.added).toBe(0);
    expect(connections).toBe(0);
  });
});
