/**
 * SSRF through the real handler: the crawler (`POST /api/knowledge/sources`) and the
 * integrations (`POST /api/integrations`, then `/test`) are given addresses of the server's
 * own network in every spelling (loopback, private, link-local and cloud metadata, IPv6,
 * IPv4-mapped IPv6, decimal, hex, octal and short IPv4, names that resolve to loopback, and a
 * public address that redirects inside). A canary HTTP server listens on loopback (IPv4 and
 * IPv6): it must receive nothing, and every job must end with nothing written.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant, waitFor } from '../../src/chat/chat-test-helpers.js';
import { createChurnHandler } from '../../src/handler/create-churn-handler.js';
import { createPGliteStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';
import { memoryLogger, testServerSecret } from '../../src/tenants/tenant-test-helpers.js';

let storage: PostgresStorage;
let tenant: TestTenant;
let handler: ReturnType<typeof createChurnHandler>;
let canary: Server;
let port = 0;
const canaryHits: string[] = [];
/** A public address (TEST-NET is private, so a real one) whose fetch is answered by the test. */
const publicRedirector = 'http://93.184.216.34';

beforeAll(async () => {
  canary = createServer((request, response) => {
    canaryHits.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'text/html' });
    response.end('<html><body><h1>Internal admin</h1><p>secret internal page</p></body></html>');
  });
  // Any TCP connection counts (an https attempt on this http server would not make a request).
  canary.on('connection', (socket) => canaryHits.push(`connection from ${socket.remoteAddress}`));
  // '::' listens on IPv6 and IPv4 (dual stack): every loopback spelling reaches it.
  canary.listen(0, '::');
  await once(canary, 'listening');
  port = (canary.address() as AddressInfo).port;
  storage = await createPGliteStorage();
  tenant = await createTestTenant(storage as StorageV1, 'Acme');
  handler = createChurnHandler({
    storage,
    logger: memoryLogger(),
    secret: testServerSecret,
    rateLimits: { enabled: false },
    knowledge: {
      // The crawler's fetch: the "public" address answers a redirect into the network; every
      // other URL goes to the real network (so a missed guard would reach the canary).
      fetch: async (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        if (url.startsWith(publicRedirector)) {
          if (new URL(url).pathname === '/robots.txt') return new Response('', { status: 404 });
          const target = new URL(url).searchParams.get('to') ?? `http://127.0.0.1:${port}/`;
          return new Response(null, { status: 302, headers: { location: target } });
        }
        return fetch(input, init);
      },
    },
  });
}, 60_000);

afterAll(async () => {
  await handler?.close?.();
  await storage?.close();
  canary?.closeAllConnections();
  await new Promise<void>((resolve) => canary?.close(() => resolve()));
});

function internalUrls(): string[] {
  const p = port;
  return [
    `http://127.0.0.1:${p}/`,
    `http://localhost:${p}/`,
    `http://localhost.:${p}/`,
    `http://127.1:${p}/`,
    `http://2130706433:${p}/`,
    `http://0x7f000001:${p}/`,
    `http://0177.0.0.1:${p}/`,
    `http://0.0.0.0:${p}/`,
    `http://[::1]:${p}/`,
    `http://[::ffff:127.0.0.1]:${p}/`,
    `http://[::ffff:7f00:1]:${p}/`,
    `http://[0:0:0:0:0:ffff:7f00:1]:${p}/`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[fe80::1]/',
    'http://[fd00::1]/',
    'http://10.0.0.1/',
    'http://172.16.0.1/',
    'http://192.168.0.1/',
    'http://100.64.0.1/',
    `${publicRedirector}/start`,
    `${publicRedirector}/start?to=${encodeURIComponent(`http://[::1]:${p}/`)}`,
    `${publicRedirector}/start?to=${encodeURIComponent('http://169.254.169.254/latest/meta-data/')}`,
  ];
}

async function call(method: string, path: string, body?: unknown) {
  const response = await handler(
    new Request(`http://churn.test${path}`, {
      method,
      headers: { authorization: `Bearer ${tenant.secretKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Answer };
}

/** The parts of the answers this suite reads. */
interface Answer {
  error?: { code: string; message: string };
  id?: string;
  job?: JobView;
  integration?: { id: string };
}

interface JobView {
  id?: string;
  status?: string;
  progress?: { documentsWritten?: number };
  report?: unknown;
  error?: string;
}

describe('SSRF', () => {
  it('the crawler refuses every internal address, redirects included, and writes nothing', async () => {
    const outcomes: string[] = [];
    for (const url of internalUrls()) {
      const started = await call('POST', '/api/knowledge/sources', { kind: 'site', url });
      if (started.status >= 400) {
        // Refused at the door is fine too, with a clear error.
        expect(started.status, url).toBeLessThan(500);
        outcomes.push(`${url}: ${started.status} ${started.body.error?.code}`);
        continue;
      }
      expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
      const jobId = started.body.job?.id ?? started.body.id;
      let job: JobView = {};
      await waitFor(async () => {
        job = (await call('GET', `/api/knowledge/jobs/${jobId}`)).body.job ?? {};
        return job.status === 'succeeded' || job.status === 'failed';
      }, 15_000);
      expect(job.progress?.documentsWritten ?? 0, `${url}: ${JSON.stringify(job)}`).toBe(0);
      // Refused as private (a name that does not resolve here is refused by DNS instead).
      // Refused as private; a redirect out of the site is refused before that (a crawl stays
      // on its origin); a name that does not resolve here is refused by DNS.
      const expected = url.startsWith(publicRedirector)
        ? /"reason":"cross-origin"/
        : url.includes('localhost.')
          ? /does not resolve/
          : /"reason":"private-address"/;
      expect(JSON.stringify(job.report ?? job.error), url).toMatch(expected);
      outcomes.push(
        `${url}: ${job.status} ${JSON.stringify(job.report ?? job.error).slice(0, 160)}`,
      );
    }
    console.info(`[ssrf] crawler outcomes:\n${outcomes.join('\n')}`);
    expect(canaryHits).toEqual([]);
    const documents = await call('GET', '/api/knowledge/documents');
    expect(JSON.stringify(documents.body)).not.toMatch(/secret internal page|Internal admin/);
  }, 90_000);

  it('integrations refuse internal webhook URLs at creation or delivery, never reaching them', async () => {
    const outcomes: string[] = [];
    const urls = internalUrls()
      .filter((url) => !url.startsWith(publicRedirector))
      .map((url) => url.replace(/^http:/, 'https:'));
    for (const url of urls) {
      const created = await call('POST', '/api/integrations', {
        platform: 'webhook',
        webhookUrl: url,
      });
      if (created.status >= 400) {
        expect(created.status, url).toBeLessThan(500);
        expect(JSON.stringify(created.body.error), url).toMatch(/private|not resolve/);
        outcomes.push(`${url}: create ${created.status} ${created.body.error?.code}`);
        continue;
      }
      const id = created.body.integration?.id ?? created.body.id;
      const tested = await call('POST', `/api/integrations/${id}/test`, {});
      expect(tested.status, `${url}: ${JSON.stringify(tested.body)}`).toBeGreaterThanOrEqual(400);
      expect(tested.status, url).toBeLessThan(500);
      outcomes.push(`${url}: test ${tested.status} ${tested.body.error?.code}`);
    }
    console.info(`[ssrf] integration outcomes:\n${outcomes.join('\n')}`);
    expect(canaryHits).toEqual([]);
  }, 60_000);
});
