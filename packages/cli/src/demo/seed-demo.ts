import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KnowledgeBase, KnowledgeSource, StorageV1, StorageV1Repositories } from '@churn/core';
import {
  createApiKey,
  createTenant,
  findTenant,
  parseCreateTenantInput,
  rotateIdentitySecret,
  updateTenant,
} from '@churn/server';
import { demoCustomerId, demoCustomers, demoTenantId } from './demo-customers.js';

/** The demo tenant's name. */
export const demoTenantName = 'Acme Analytics';

/** The demo admin's email. */
export const demoAdminEmail = 'admin@acme-analytics.example';

/** The demo tenant's branding (the widget's header and colours). */
export const demoBranding = {
  name: 'Acme Analytics',
  greeting: 'Hi! I can answer questions about billing, invoices, cards and webhooks.',
  primaryColor: '#4f46e5',
} as const;

/** What the seed keeps in `<data dir>/demo-credentials.json` (mode 0600): the keys shown once. */
export interface DemoCredentials {
  tenantId: string;
  publishableKey: string;
  secretKey: string;
  identitySecret: string;
  adminEmail: string;
  /** Generated on the first seed; absent when the tenant was seeded without this file. */
  adminPassword?: string;
}

/** What {@link seedDemo} did and what the demo needs to run. */
export interface DemoSeed {
  credentials: DemoCredentials;
  /** The customer the storefront signs in as (a failed payment). */
  demoCustomerId: string;
  /** Whether this run created the tenant (first start). */
  createdTenant: boolean;
  /** Customers created by this run (0 on a restart with `keepHistory`). */
  createdCustomers: number;
  /**
   * What a restart cleared to give the demo back its starting point (`keepHistory: false`):
   * the conversations deleted and the customers restored to their seeded state. Zero on the
   * first start and with `keepHistory`.
   */
  reset: { conversations: number; customers: number };
  /** Customers of the demo in total. */
  customers: number;
  /** Documents ingested by this run (0 on a restart). */
  ingestedDocuments: number;
  /** Documents in the knowledge base. */
  documents: number;
}

/** Settings of {@link seedDemo}. */
export interface SeedDemoOptions {
  storage: StorageV1;
  /** The demo tenant's knowledge base (the one the server answers from, so it is indexed at once). */
  knowledgeBase: KnowledgeBase;
  /** Where the credentials file lives (the data dir). */
  dataDir: string;
  /** Origins allowed to embed the widget: the demo's own URL. */
  origins: readonly string[];
  /** Folder of the help-centre docs. Default: the package's `demo/docs`. */
  docsDir?: string;
  /** Default now. */
  now?: Date;
  /**
   * Keep the conversations and the customers' states of earlier runs. Default `false`: as the
   * churn seed asks ("chat history maintained during the demo, cleared on restart"), a restart
   * deletes the demo tenant's conversations (their messages, retrievals, feedback and
   * escalations with them) and restores every demo customer as seeded (the signed-in customer's
   * payment has failed again), so the demo can be run again from the start. The tenant, its
   * keys, the admin user and the documents are kept.
   */
  keepHistory?: boolean;
}

/**
 * The help-centre docs shipped with the CLI (`packages/cli/demo/docs`, generated from
 * `eval/docs` by the build: `scripts/demo-docs.mjs`), from `dist/` or `src/demo/`.
 */
export function demoDocsDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    resolve(here, '..', 'demo', 'docs'),
    resolve(here, '..', '..', 'demo', 'docs'),
  ];
  return candidates.find((candidate) => existsSync(candidate)) ?? candidates[0]!;
}

const formats: Record<string, 'markdown' | 'html' | 'text'> = {
  '.md': 'markdown',
  '.html': 'html',
  '.txt': 'text',
};

/** The docs folder as text sources: the file name without its extension is the stable id. */
export async function readDemoDocs(docsDir: string = demoDocsDir()): Promise<KnowledgeSource[]> {
  let names: string[];
  try {
    names = await readdir(docsDir);
  } catch (error) {
    throw new Error(
      `The demo's help-centre docs are missing (${docsDir}): they are generated from eval/docs by \`pnpm --filter @churn/cli build\` (scripts/demo-docs.mjs).`,
      { cause: error },
    );
  }
  const files = names.filter((file) => formats[extname(file)]).sort();
  return Promise.all(
    files.map(async (file) => ({
      type: 'text' as const,
      id: file.slice(0, -extname(file).length),
      content: await readFile(join(docsDir, file), 'utf8'),
      format: formats[extname(file)]!,
    })),
  );
}

function credentialsFile(dataDir: string): string {
  return join(dataDir, 'demo-credentials.json');
}

async function readCredentials(dataDir: string): Promise<DemoCredentials | undefined> {
  try {
    const value = JSON.parse(await readFile(credentialsFile(dataDir), 'utf8')) as DemoCredentials;
    return value.tenantId === demoTenantId && value.publishableKey?.startsWith('pk_')
      ? value
      : undefined;
  } catch {
    return undefined;
  }
}

async function writeCredentials(dataDir: string, credentials: DemoCredentials): Promise<void> {
  const file = credentialsFile(dataDir);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/**
 * Seeds the demo: the "Acme Analytics" tenant (keys, branding, its own URL as allowed origin,
 * an admin with a generated password), about fifty customers with mixed risk, their cards and
 * sandbox invoice history, and the help-centre docs as its knowledge base. Every row has a
 * fixed id and is created only when missing, and documents are ingested only when the
 * knowledge base lacks some. On a restart the tenant, keys and documents are found again (the
 * allowed origins gain the new port), and the demo starts over unless `keepHistory`: its
 * conversations are deleted and its customers created again as seeded.
 *
 * The keys are shown once by the server, so the seed keeps them in
 * `<dataDir>/demo-credentials.json` (mode 0600). When the tenant exists but that file does
 * not (another data dir on the same `DATABASE_URL`), new keys and a new identity secret are
 * made; the admin password cannot be recovered then.
 */
export async function seedDemo(options: SeedDemoOptions): Promise<DemoSeed> {
  const { storage, dataDir } = options;
  const now = options.now ?? new Date();
  let credentials = await readCredentials(dataDir);
  const existing = await findTenant(storage, demoTenantId);
  let createdTenant = false;
  if (!existing) {
    const adminPassword = randomBytes(12).toString('base64url');
    const created = await createTenant(
      storage,
      parseCreateTenantInput({
        id: demoTenantId,
        name: demoTenantName,
        usageQuota: 100_000,
        customBranding: demoBranding,
        allowedOrigins: [...options.origins],
        admin: {
          name: 'Alex Morgan',
          email: demoAdminEmail,
          role: 'admin',
          password: adminPassword,
        },
      }),
    );
    credentials = {
      tenantId: demoTenantId,
      publishableKey: created.publishableKey.key,
      secretKey: created.secretKey.key,
      identitySecret: created.identitySecret,
      adminEmail: demoAdminEmail,
      adminPassword,
    };
    await writeCredentials(dataDir, credentials);
    createdTenant = true;
  } else {
    const missing = options.origins.filter((origin) => !existing.allowedOrigins.includes(origin));
    if (missing.length > 0) {
      await updateTenant(storage, demoTenantId, {
        allowedOrigins: [...existing.allowedOrigins, ...missing].slice(-100),
      });
    }
    if (!credentials) {
      const publishable = await createApiKey(storage, {
        tenantId: demoTenantId,
        scope: 'publishable',
        name: 'Demo publishable key',
      });
      const secret = await createApiKey(storage, {
        tenantId: demoTenantId,
        scope: 'secret',
        name: 'Demo secret key',
      });
      const { identitySecret } = await rotateIdentitySecret(storage, { tenantId: demoTenantId });
      credentials = {
        tenantId: demoTenantId,
        publishableKey: publishable.key,
        secretKey: secret.key,
        identitySecret,
        adminEmail: demoAdminEmail,
      };
      await writeCredentials(dataDir, credentials);
    }
  }
  if (!credentials) throw new Error('The demo credentials could not be created.');

  const customers = demoCustomers(now);
  // One transaction: the reset and the customers created again, so no reader ever sees the demo
  // without its customers.
  const { reset, createdCustomers } = await storage.transaction(async (repositories) => {
    const reset =
      existing && !options.keepHistory
        ? await resetDemo(repositories)
        : { conversations: 0, customers: 0 };
    let created = 0;
    for (const { customer, paymentMethods } of customers) {
      const found = await repositories.customers.get({ tenantId: demoTenantId, id: customer.id });
      if (found) continue;
      await repositories.customers.create(customer);
      for (const paymentMethod of paymentMethods) {
        await repositories.paymentMethods.create(paymentMethod);
      }
      created += 1;
    }
    return { reset, createdCustomers: created };
  });

  const sources = await readDemoDocs(options.docsDir);
  const before = await options.knowledgeBase.listDocuments();
  let ingestedDocuments = 0;
  if (before.length < sources.length) {
    const report = await options.knowledgeBase.ingest(sources);
    ingestedDocuments = report.totals.added + report.totals.updated;
  }
  const documents =
    ingestedDocuments > 0 ? (await options.knowledgeBase.listDocuments()).length : before.length;

  return {
    credentials,
    demoCustomerId,
    createdTenant,
    createdCustomers,
    reset,
    customers: customers.length,
    ingestedDocuments,
    documents,
  };
}

/**
 * Gives a restarted demo its starting point, inside the caller's transaction: deletes every
 * conversation of the demo tenant (anonymous visitors' too) and every demo customer with their
 * cards; the caller creates the customers again as seeded, with dates relative to this start
 * (a card that "expires next month" still does). Analytics rows stay: the console's metrics
 * keep counting earlier runs' interventions and resolutions, as a real tenant's would.
 */
async function resetDemo(
  repositories: StorageV1Repositories,
): Promise<{ conversations: number; customers: number }> {
  let conversations = 0;
  for (;;) {
    const page = await repositories.conversations.list({ tenantId: demoTenantId, limit: 100 });
    if (page.length === 0) break;
    let deleted = 0;
    for (const { id } of page) {
      if (await repositories.conversations.delete({ tenantId: demoTenantId, id })) deleted += 1;
    }
    // A storage that lists what it cannot delete must not loop for ever.
    if (deleted === 0) break;
    conversations += deleted;
  }
  let restored = 0;
  for (const { customer } of demoCustomers()) {
    if (await repositories.customers.delete({ tenantId: demoTenantId, id: customer.id })) {
      restored += 1;
    }
  }
  return { conversations, customers: restored };
}
