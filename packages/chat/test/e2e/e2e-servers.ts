// The end-to-end tests' world: a real Churn server (`createChurnHandler` over PGlite in a
// temporary folder, served by `toNodeHandler` on port 0) and, on another origin, the tenant's
// website: the static script-tag page, the built widget next to its lazy chunks, and a local
// stand-in for Stripe.js whose API calls are forwarded to the Stripe emulator (as js.stripe.com
// talks to api.stripe.com). The widget is the built `dist/churn-chat.js`.
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createKnowledgeBase, type LanguageModelV1 } from '@churn/core';
import { toNodeHandler } from '../../../server/src/adapters/node/index.js';
// The server from its source, by path: @churn/server depends on @churn/admin, which bundles
// this widget, so a dependency back would make a cycle that breaks the workspace's build order.
import {
  type ChurnLogger,
  createChurnHandler,
  createStorage,
  createTenant,
  type PostgresStorage,
  type RecoverySettings,
  signCustomerToken,
} from '../../../server/src/index.js';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const standIn = fileURLToPath(new URL('./stripe-js-stand-in.js', import.meta.url));

/** The tenant's help centre, served as pages of its site and ingested from there. */
export const helpCentre: Record<string, { title: string; body: string }> = {
  'update-card': {
    title: 'Update your card',
    body: 'To change the card on file, open Settings, choose Billing and click Update card. The new card is charged for the next invoice. Cards are verified with a small authorisation that is released at once.',
  },
  refunds: {
    title: 'Refunds',
    body: 'Refunds are sent to the original payment method within 5 to 10 business days. Annual plans can be refunded within 30 days of purchase.',
  },
  invoices: {
    title: 'Invoices',
    body: 'Invoices are emailed on the first day of each billing period. Download past invoices from Settings, Billing, Invoice history.',
  },
};

const helpPage = (id: string) => {
  const page = helpCentre[id];
  return page
    ? `<!doctype html><html lang="en"><head><title>${page.title}</title></head><body><main><h1>${page.title}</h1><p>${page.body}</p></main></body></html>`
    : undefined;
};

/** A logger that keeps what it was told (quiet test output, and something to print on failure). */
export function createQuietLogger(): ChurnLogger & { lines: string[] } {
  const lines: string[] = [];
  const keep =
    (level: string) =>
    (message: string, fields?: Record<string, unknown>): void => {
      lines.push(`${level} ${message} ${fields ? JSON.stringify(fields).slice(0, 500) : ''}`);
    };
  return { lines, warn: keep('warn'), error: keep('error') };
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

const contentTypes: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** What the tenant's page carries on its script tag, besides the key and the server. */
export interface PageOptions {
  /** A customer identity token signed by the tenant's backend (a verified customer). */
  customerToken?: string;
  /** Where the card step loads Stripe.js from: the stand-in. */
  stripeJs?: boolean;
}

/** Settings of {@link startE2eServers}. */
export interface E2eServerOptions {
  payments?: RecoverySettings;
  languageModel?: LanguageModelV1;
  /** Where the stand-in's `/v1/...` calls go (the Stripe emulator's base URL). */
  stripeApiUrl?: string;
}

/** The running servers, the tenant and helpers. */
export type E2eServers = Awaited<ReturnType<typeof startE2eServers>>;

/** Starts the Churn server and the tenant's website; `close()` stops both and deletes the data. */
export async function startE2eServers(options: E2eServerOptions = {}) {
  if (!existsSync(join(dist, 'churn-chat.js'))) {
    throw new Error(
      'packages/chat/dist/churn-chat.js is missing: run `pnpm --filter @churn/chat build` first.',
    );
  }
  const dataDir = await mkdtemp(join(tmpdir(), 'churn-e2e-'));
  const storage: PostgresStorage = await createStorage({ dataDir: join(dataDir, 'data') });
  const logger = createQuietLogger();
  const handler = createChurnHandler({
    dataDir,
    storage,
    logger,
    chat: options.languageModel ? { knowledgeBase: { languageModel: options.languageModel } } : {},
    payments: { sweepIntervalMs: 0, ...options.payments },
    secret: 'e2e-test-secret-e2e-test-secret-0123456789abcdef',
    rateLimits: { enabled: false },
  });
  const nodeHandler = toNodeHandler(handler, { logger });
  /** Sockets of answers being streamed (POST .../messages), so a test can cut them. */
  const streamSockets = new Set<Socket>();
  const churnServer = createServer((request, response) => {
    if (request.method === 'POST' && /\/messages$/.test(request.url ?? '')) {
      streamSockets.add(request.socket);
      response.on('close', () => streamSockets.delete(request.socket));
    }
    nodeHandler(request, response);
  });
  const churnUrl = await listen(churnServer);

  const page = await readFile(join(fixtures, 'script-tag.html'), 'utf8');
  let tenantKey = '';
  const pages = new Map<string, PageOptions>();
  const siteServer = createServer((request, response) => {
    void serveSite(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(String(error));
    });
  });
  const siteUrl = await listen(siteServer);

  async function serveSite(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', siteUrl);
    if (url.pathname.startsWith('/page/')) {
      const settings = pages.get(url.pathname.slice('/page/'.length));
      if (!settings) {
        response.statusCode = 404;
        response.end();
        return;
      }
      const html = page
        .replaceAll('%CHURN_WIDGET_URL%', `${siteUrl}/widget/churn-chat.js`)
        .replaceAll('%CHURN_TENANT_KEY%', tenantKey)
        .replaceAll('%CHURN_SERVER%', churnUrl)
        .replaceAll('%CHURN_CUSTOMER_TOKEN%', settings.customerToken ?? '')
        .replaceAll('%CHURN_STRIPE_JS_URL%', settings.stripeJs ? `${siteUrl}/stripe/v3.js` : '');
      response.setHeader('content-type', contentTypes['.html']!);
      response.end(html);
      return;
    }
    if (url.pathname.startsWith('/widget/')) {
      const file = url.pathname.slice('/widget/'.length);
      if (!/^[\w.-]+$/.test(file) || !existsSync(join(dist, file))) {
        response.statusCode = 404;
        response.end();
        return;
      }
      response.setHeader('content-type', contentTypes[extname(file)] ?? 'application/octet-stream');
      response.end(await readFile(join(dist, file)));
      return;
    }
    if (url.pathname.startsWith('/help/')) {
      const html = helpPage(url.pathname.slice('/help/'.length));
      response.statusCode = html ? 200 : 404;
      response.setHeader('content-type', contentTypes['.html']!);
      response.end(html ?? '');
      return;
    }
    if (url.pathname === '/stripe/v3.js') {
      response.setHeader('content-type', contentTypes['.js']!);
      response.end(await readFile(standIn));
      return;
    }
    if (url.pathname.startsWith('/stripe/v1/') && options.stripeApiUrl) {
      // The stand-in's API calls, forwarded to the emulator (which speaks no CORS).
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const forwarded = await fetch(
        `${options.stripeApiUrl}${url.pathname.slice('/stripe'.length)}`,
        {
          method: request.method ?? 'GET',
          headers: {
            authorization: request.headers.authorization ?? '',
            'content-type': request.headers['content-type'] ?? 'application/x-www-form-urlencoded',
          },
          ...(request.method === 'POST' ? { body: Buffer.concat(chunks) } : {}),
        },
      );
      response.statusCode = forwarded.status;
      response.setHeader('content-type', 'application/json');
      response.end(Buffer.from(await forwarded.arrayBuffer()));
      return;
    }
    response.statusCode = 404;
    response.end();
  }

  const created = await createTenant(storage, {
    name: 'Acme Analytics',
    allowedOrigins: [siteUrl],
    customBranding: {
      name: 'Acme Analytics',
      greeting: 'Hi! Ask me about billing, invoices and cards.',
      primaryColor: '#4338ca',
    },
  });
  tenantKey = created.publishableKey.key;
  const tenantId = created.tenant.id;
  // Ingested before the first question: the server loads its index from the stored chunks then.
  const report = await createKnowledgeBase({
    store: storage.knowledge,
    tenantId,
    ingest: { allowPrivateNetwork: true, limits: { delayMs: 0 } },
  }).ingest(Object.keys(helpCentre).map((id) => ({ type: 'url', url: `${siteUrl}/help/${id}` })));
  if (report.totals.added !== Object.keys(helpCentre).length) {
    throw new Error(`The help centre was not ingested: ${JSON.stringify(report.totals)}`);
  }
  let pageCount = 0;

  return {
    storage,
    logger,
    tenantId,
    churnUrl,
    siteUrl,
    publishableKey: created.publishableKey.key,
    secretKey: created.secretKey.key,
    /** A page of the tenant's site with only the script tag; answers its URL. */
    pageUrl(settings: PageOptions = {}): string {
      pageCount += 1;
      const name = `p${pageCount}`;
      pages.set(name, settings);
      return `${siteUrl}/page/${name}`;
    },
    /** What the tenant's backend does for a signed-in customer. */
    customerToken(customerId: string): Promise<string> {
      return signCustomerToken({
        tenantId,
        customerId,
        secret: created.identitySecret,
        expiresInSeconds: 3600,
      });
    },
    /** Calls the API with the tenant's secret key, as the operator's console does. */
    async operator(path: string, init: { method?: string; body?: unknown } = {}) {
      const response = await fetch(`${churnUrl}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          authorization: `Bearer ${created.secretKey.key}`,
          'content-type': 'application/json',
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
      });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
    /** Cuts the connections of the answers being streamed now (a network drop). */
    cutStreams(): number {
      const count = streamSockets.size;
      for (const socket of streamSockets) socket.destroy();
      streamSockets.clear();
      return count;
    },
    async close(): Promise<void> {
      await closeServer(siteServer);
      await closeServer(churnServer);
      await storage.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
