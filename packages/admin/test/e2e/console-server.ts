import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { StorageV1 } from '@churn/core';
import { toNodeHandler } from '../../../server/src/adapters/node/index.js';
// The server from its source, by path: @churn/server depends on @churn/admin (it serves the
// console), so a dependency back would make a cycle that breaks the workspace's build order.
import {
  createChurnHandler,
  createTenant,
  parseCreateTenantInput,
} from '../../../server/src/index.js';
import { adminAppDirectory } from '../../src/index.js';

/** The built console, or a failure that says how to build it. */
export function builtConsoleDirectory(): string {
  const directory = adminAppDirectory();
  if (!existsSync(join(directory, 'index.html'))) {
    throw new Error(
      `The console is not built (${join(directory, 'index.html')} is missing): run \`pnpm --filter @churn/admin build\` first.`,
    );
  }
  return directory;
}

/** The admin users the tests sign in as. */
export const consoleUsers = {
  admin: {
    name: 'Alex Morgan',
    email: 'alex@acme.example',
    password: 'correct horse battery staple',
    role: 'admin',
  },
  agent: {
    name: 'Sam Rivera',
    email: 'sam@acme.example',
    password: 'another long password 42',
    role: 'support-agent',
  },
} as const;

/** A running server with one tenant, its admins and a few at-risk customers. */
export interface ConsoleServer {
  url: string;
  tenantId: string;
  secretKey: string;
  storage: StorageV1;
  /** Another server on the same storage, with the console at `consolePath` below `basePath`. */
  mount(options: {
    basePath?: string;
    consolePath?: string;
  }): Promise<{ url: string; close(): Promise<void> }>;
  close(): Promise<void>;
}

/** Starts the real handler on `storage` over a real socket, the built console at /admin. */
export async function startConsoleServer(options: {
  storage: StorageV1;
  dataDir: string;
}): Promise<ConsoleServer> {
  const { storage } = options;
  const main = await listen({ storage, dataDir: options.dataDir });
  const { url } = main;

  const created = await createTenant(
    storage,
    parseCreateTenantInput({
      id: 'acme',
      name: 'Acme Analytics',
      usageQuota: 10_000,
      customBranding: { name: 'Acme support', primaryColor: '#4f46e5' },
      allowedOrigins: ['https://shop.acme.example'],
      admin: consoleUsers.admin,
    }),
  );
  const secretKey = created.secretKey.key;
  const addAgent = await fetch(`${url}/api/admin-users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${secretKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(consoleUsers.agent),
  });
  if (!addAgent.ok) throw new Error(`Adding the support agent failed: ${await addAgent.text()}`);
  await seedCustomers(storage, created.tenant.id);
  return {
    url,
    tenantId: created.tenant.id,
    secretKey,
    storage,
    // A data folder of its own: the handler keeps its files (knowledge bases) there.
    mount: async (mount) =>
      listen({ storage, dataDir: await mkdtemp(join(options.dataDir, 'mount-')), ...mount }),
    close: main.close,
  };
}

/**
 * The real handler on `storage` over a real socket, serving the built console at `/admin`, or
 * at `consolePath` below `basePath`.
 */
async function listen(options: {
  storage: StorageV1;
  dataDir: string;
  basePath?: string;
  consolePath?: string;
}): Promise<{ url: string; close(): Promise<void> }> {
  const directory = builtConsoleDirectory();
  // The server serves the built console at /admin itself (SPA fallback, strict CSP); `root`
  // points it at this workspace's build, which a real install finds through @churn/admin.
  const handler = createChurnHandler({
    console: { root: directory, ...(options.consolePath ? { path: options.consolePath } : {}) },
    ...(options.basePath ? { basePath: options.basePath } : {}),
    storage: options.storage,
    dataDir: options.dataDir,
    secret: 'console-e2e-secret-console-e2e-secret-0123456789',
    rateLimits: { enabled: false },
    // No background sweep of recovery sessions: it would outlive the storage the test closes.
    payments: { sweepIntervalMs: 0 },
    // The test's webhook receiver listens on 127.0.0.1; no background workers.
    operations: { workers: false, integrations: { allowPrivateNetwork: true } },
    // Unexpected server errors show in the test output; warnings (rate limits off) do not.
    logger: {
      error: (message, details) => console.error(`[server] ${message}`, details ?? ''),
      warn: () => undefined,
    },
  });
  const server: Server = createServer(toNodeHandler(handler));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await handler.close();
    },
  };
}

/** The seeded customers: two at risk (one with a name that tries to inject markup), one active. */
export const seededCustomers = [
  { id: 'cus_ada', name: 'Ada Lovelace', accountValue: 249, status: 'at-risk', severity: 'high' },
  {
    id: 'cus_xss',
    name: '<img src=x onerror="window.__pwned=1">Mallory',
    accountValue: 19,
    status: 'at-risk',
    severity: 'low',
  },
  { id: 'cus_bob', name: 'Bob Active', accountValue: 49, status: 'active', severity: undefined },
] as const;

async function seedCustomers(storage: StorageV1, tenantId: string): Promise<void> {
  const failedAt = new Date(Date.now() - 2 * 86_400_000);
  for (const seed of seededCustomers) {
    const atRisk = seed.status === 'at-risk';
    await storage.customers.create({
      id: seed.id,
      tenantId,
      name: seed.name,
      email: `${seed.id}@example.com`,
      accountStatus: seed.status,
      ...(atRisk ? { riskCategory: 'failed-payment' as const, riskSeverity: seed.severity } : {}),
      accountValue: seed.accountValue,
      metadata: atRisk
        ? {
            paymentRisk: {
              failureCount: 1,
              lastFailureDate: failedAt.toISOString(),
              openInvoice: {
                invoiceId: `in_${seed.id}`,
                amountDue: seed.accountValue,
                currency: 'usd',
                failedAt: failedAt.toISOString(),
              },
            },
          }
        : {},
    } as never);
    await storage.paymentMethods.create({
      tenantId,
      customerId: seed.id,
      cardType: 'visa',
      lastFourDigits: '4242',
      expiryMonth: 12,
      expiryYear: 2030,
      status: atRisk ? 'failed' : 'active',
      isDefault: true,
    });
  }
}
