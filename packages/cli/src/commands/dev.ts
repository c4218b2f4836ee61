import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createKnowledgeBase, type KnowledgeBase, type StorageV1 } from '@churn/core';
import {
  type ChurnFetchHandler,
  createChurnHandler,
  createStorage,
  type PostgresStorage,
  resolveFieldEncryptor,
  signCustomerToken,
  useIdentitySecretEncryptor,
} from '@churn/server';
import { toNodeHandler } from '@churn/server/node';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import { demoCustomerId, demoCustomers, demoTenantId } from '../demo/demo-customers.js';
import {
  type DemoServices,
  formatServiceTable,
  resolveDemoServices,
} from '../demo/demo-services.js';
import { type DemoSeed, seedDemo } from '../demo/seed-demo.js';
import { storefrontPage, widgetAsset, widgetDistDir } from '../demo/storefront.js';
import type { CliCommand } from '../run-cli.js';

/** The help of `churn dev`. */
export const devUsage = `Usage: churn dev [--port N] [--host HOST] [--data-dir DIR] [--no-demo] [--keep-history]

Starts Churn in one process with the demo: the "Acme Analytics" tenant, about fifty
customers with mixed risk, its help centre as the knowledge base (seeded on the first
start, found again on later ones), and a storefront page at / carrying the chat widget.
Each restart clears the demo's conversations and restores its customers as seeded, so the
card update can be tried again (--keep-history keeps them).

Every seam runs embedded unless its variables are set: DATABASE_URL (PostgreSQL),
OPENAI_API_KEY [+ OPENAI_BASE_URL, OPENAI_MODEL, OPENAI_EMBEDDING_MODEL] (language model
and embeddings), PINECONE_API_KEY + PINECONE_INDEX_HOST (vectors). A table printed at
start says which are used. Stops on Ctrl-C.

Options:
  --port N          Port to listen on. Default: $PORT, else 3000.
  --host HOST       Address to listen on. Default 127.0.0.1.
  --data-dir DIR    Folder for the embedded data and the demo credentials. Default ./.churn
  --no-demo         Serve the API only: no seed, no storefront.
  --keep-history    Keep the demo's conversations and customers' states from earlier runs.
  -h, --help        Show this help.
`;

/** A running `churn dev` server. */
export interface DevServer {
  url: string;
  server: Server;
  /** The seed, unless started with `demo: false`. */
  demo?: DemoSeed;
  services: DemoServices;
  close(): Promise<void>;
}

/** Settings of {@link startDevServer}. */
export interface DevServerOptions {
  port: number;
  host: string;
  dataDir: string;
  /** Seed the demo and serve the storefront. Default true. */
  demo?: boolean;
  /** Keep the demo's conversations and customers' states across restarts (`seedDemo`'s `keepHistory`). Default false. */
  keepHistory?: boolean;
  /** The environment to read the services from. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** One knowledge base per storage, one bound per tenant: what the chat API expects. */
function knowledgeBaseCache(settings: DemoServices['knowledgeBase']) {
  const byStorage = new WeakMap<
    StorageV1,
    { base: KnowledgeBase; tenants: Map<string, KnowledgeBase> }
  >();
  return {
    forTenant(storage: StorageV1, tenantId: string): KnowledgeBase {
      let entry = byStorage.get(storage);
      if (!entry) {
        entry = {
          base: createKnowledgeBase({ ...settings, store: storage.knowledge }),
          tenants: new Map(),
        };
        byStorage.set(storage, entry);
      }
      let bound = entry.tenants.get(tenantId);
      if (!bound) {
        bound = entry.base.forTenant(tenantId);
        entry.tenants.set(tenantId, bound);
      }
      return bound;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      const address = server.address();
      done(typeof address === 'object' && address ? address.port : port);
    });
  });
}

function money(amount: number): string {
  return `$${amount.toLocaleString('en-US')}`;
}

/**
 * Starts the server: opens the storage, seeds the demo (unless `demo: false`), and serves the
 * storefront at `/`, the widget under `/widget/` and the Churn handler for everything else.
 * Resolves once `/healthz` answers 200.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const env = options.env ?? process.env;
  const demo = options.demo ?? true;
  const services = await resolveDemoServices(env, options.dataDir);
  const storage: PostgresStorage = await createStorage({
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
    dataDir: resolve(options.dataDir, 'data'),
  });
  // The handler's encryptor (CHURN_ENCRYPTION_KEY, else <dataDir>/encryption-key), attached
  // before the seed so the demo tenant's identity secret is never stored in plaintext.
  const encryptionKey = env.CHURN_ENCRYPTION_KEY || undefined;
  try {
    useIdentitySecretEncryptor(
      storage,
      await resolveFieldEncryptor({ key: encryptionKey, dataDir: options.dataDir }),
    );
  } catch (error) {
    await storage.close();
    throw error;
  }
  const knowledgeBases = knowledgeBaseCache(services.knowledgeBase);
  const handler = createChurnHandler({
    dataDir: options.dataDir,
    storage,
    chat: { knowledgeBases },
    ...(encryptionKey ? { operations: { encryptionKey } } : {}),
  });
  let seed: DemoSeed | undefined;
  // Until the demo is seeded (or started over), every request is told to come back: a tab left
  // open from the last run must not meet the demo half reset.
  let front: ChurnFetchHandler = demo ? startingUp : handler;
  const server = createServer(toNodeHandler((request) => front(request)));
  let port: number;
  try {
    port = await listen(server, options.port, options.host);
  } catch (error) {
    await storage.close();
    throw error;
  }
  const host = options.host === '0.0.0.0' || options.host === '::' ? 'localhost' : options.host;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const close = async () => {
    await new Promise<void>((done) => server.close(() => done()));
    await storage.close();
  };
  try {
    if (demo) {
      const origins = [...new Set([url, `http://localhost:${port}`, `http://127.0.0.1:${port}`])];
      seed = await seedDemo({
        storage,
        knowledgeBase: knowledgeBases.forTenant(storage, demoTenantId),
        dataDir: options.dataDir,
        origins,
        keepHistory: options.keepHistory ?? false,
      });
      const credentials = seed.credentials;
      const distDir = widgetDistDir();
      const customer = demoCustomers().find(
        (candidate) => candidate.customer.id === demoCustomerId,
      );
      const amount = customer?.customer.accountValue ?? 99;
      front = async (request) => {
        const requestUrl = new URL(request.url);
        if (
          request.method === 'GET' &&
          (requestUrl.pathname === '/' || requestUrl.pathname === '/index.html')
        ) {
          const customerToken = await signCustomerToken({
            tenantId: demoTenantId,
            customerId: demoCustomerId,
            secret: credentials.identitySecret,
            expiresInSeconds: 4 * 3600,
          });
          return new Response(
            storefrontPage({
              publishableKey: credentials.publishableKey,
              server: requestUrl.origin,
              customerToken,
              customerName: customer?.customer.name ?? 'Jordan Lee',
              billingNotice: `your last payment of ${money(amount)} for the Team plan failed (card ending 4242).`,
            }),
            {
              headers: {
                'content-type': 'text/html; charset=utf-8',
                'cache-control': 'no-store',
                'x-content-type-options': 'nosniff',
                'referrer-policy': 'same-origin',
              },
            },
          );
        }
        if (request.method === 'GET' || request.method === 'HEAD') {
          const asset = await widgetAsset(requestUrl.pathname, distDir);
          if (asset) return asset;
        }
        return handler(request);
      };
    }
    const health = await handler(new Request(`${url}/healthz`));
    if (health.status !== 200) {
      throw new Error(
        `Storage did not open (healthz answered ${health.status}): see the log above.`,
      );
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { url, server, ...(seed ? { demo: seed } : {}), services, close };
}

/** What the dev server answers while the demo is being seeded: 503, come back in a moment. */
async function startingUp(): Promise<Response> {
  return Response.json(
    {
      error: {
        code: 'unavailable',
        message: 'Churn is starting: the demo is being seeded. Try again in a moment.',
      },
    },
    { status: 503, headers: { 'retry-after': '2', 'cache-control': 'no-store' } },
  );
}

function parsePort(value: string | undefined): number {
  const text = value ?? process.env.PORT ?? '3000';
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new UsageError(`--port must be a whole number from 0 to 65535, got "${text}".`);
  }
  return port;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The lines printed once the server is up: URLs, the demo's keys and sign-in. */
export function startupMessage(dev: DevServer, dataDir: string): string {
  const lines = ['', `Churn is running at ${dev.url}`, ''];
  const seed = dev.demo;
  if (seed) {
    lines.push(
      `  storefront  ${dev.url}/            (Acme Analytics, with the chat widget)`,
      `  widget      ${dev.url}/widget/churn-chat.js`,
      `  API         ${dev.url}/api`,
      `  health      ${dev.url}/healthz`,
      `  console     ${dev.url}/admin/     (operators: at-risk customers, live conversations, metrics)`,
      '',
      `Demo tenant "Acme Analytics" (${seed.credentials.tenantId}): ${seed.customers} customers, ${seed.documents} help-centre documents${seed.createdTenant ? ' (seeded now)' : ''}.`,
      ...(seed.reset.customers > 0 || seed.reset.conversations > 0
        ? [
            `  started over: ${plural(seed.reset.conversations, 'conversation')} cleared, ${plural(seed.reset.customers, 'customer')} restored as seeded (--keep-history keeps them)`,
          ]
        : []),
      `  publishable key  ${seed.credentials.publishableKey}`,
      `  secret key       ${seed.credentials.secretKey.slice(0, 14)}... (in ${resolve(dataDir, 'demo-credentials.json')})`,
      `  admin sign-in    ${seed.credentials.adminEmail} / ${seed.credentials.adminPassword ?? '(unknown: the credentials file was missing when the tenant already existed)'}`,
      '                   POST /api/auth/sign-in {"tenantId":"acme-analytics","email":...,"password":...}',
    );
  } else {
    lines.push(`  API         ${dev.url}/api`, `  health      ${dev.url}/healthz`);
  }
  lines.push(
    '',
    'Services:',
    formatServiceTable(dev.services.rows),
    '',
    'Press Ctrl-C to stop.',
    '',
  );
  return lines.join('\n');
}

async function run(argv: string[], io: CliIo): Promise<number> {
  let values: {
    port?: string;
    host?: string;
    'data-dir'?: string;
    'no-demo'?: boolean;
    'keep-history'?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'data-dir': { type: 'string' },
        'no-demo': { type: 'boolean' },
        'keep-history': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr(`${(error as Error).message}\n\n${devUsage}`);
    return exitCodes.usage;
  }
  if (values.help) {
    io.stdout(devUsage);
    return exitCodes.ok;
  }
  let port: number;
  try {
    port = parsePort(values.port);
  } catch (error) {
    io.stderr(`${(error as Error).message}\n`);
    return exitCodes.usage;
  }
  const dataDir = resolve(values['data-dir'] ?? '.churn');
  const storage = process.env.DATABASE_URL
    ? 'PostgreSQL (DATABASE_URL)'
    : `embedded PostgreSQL in ${dataDir}`;
  io.stderr(`Starting Churn on ${storage}...\n`);
  let dev: DevServer;
  try {
    dev = await startDevServer({
      port,
      host: values.host ?? '127.0.0.1',
      dataDir,
      demo: !values['no-demo'],
      keepHistory: values['keep-history'] ?? false,
    });
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
        ? `port ${port} is already in use: stop the other process or pass --port`
        : (error as Error).message;
    io.stderr(`Churn could not start: ${reason}\n`);
    return exitCodes.failed;
  }
  for (const warning of dev.services.warnings) io.stderr(`Warning: ${warning}\n`);
  io.stdout(startupMessage(dev, dataDir));
  await new Promise<void>((done) => {
    const stop = () => {
      io.stderr('\nStopping...\n');
      void dev.close().then(done);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return exitCodes.ok;
}

/** `churn dev`: the demo server (embedded defaults unless services are configured). */
export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Start Churn with the demo (storefront, seeded tenant, help centre).',
  run,
};
