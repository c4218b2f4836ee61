/**
 * The process killed (SIGKILL, no cleanup) at the worst moments, then started again on the same
 * PostgreSQL schema: a Churn server in a child process (fixtures/churn-process.ts, run with tsx
 * from source), the Stripe emulator and the database in this one.
 *
 * - During ingestion: killed after some documents were written. Every stored document is whole
 *   (its chunks are all there, indexes 0..n-1, each with an embedding); ingesting again
 *   completes the rest and duplicates nothing.
 * - During a card update: Stripe charged the invoice but the answer never reached the server
 *   (the emulator's `lost-answer` fault), and the server is killed before it recorded anything.
 *   Right after the restart a confirmation is refused (the dead process's claim could be a live
 *   one elsewhere); past the claim's lease it completes the recovery with exactly one charge
 *   (the retry reuses the idempotency key, so Stripe replays its first answer).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StorageV1 } from '@churn/core';
import { STRIPE_API_VERSION } from '@churn/core/stripe';
import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant, waitFor } from '../../src/chat/chat-test-helpers.js';
import { staleProcessingClaimMs } from '../../src/recovery/recovery-payments.js';
import {
  createAtRiskCustomer,
  paymentParts,
  recoveryClient,
} from '../../src/recovery/recovery-test-helpers.js';
import { createPostgresStorage, type PostgresStorage } from '../../src/storage/postgres-storage.js';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `churn_h3_kill_${randomBytes(5).toString('hex')}`;
const serverSecret = 'kill-test-secret-kill-test-secret-0123456789';
const script = fileURLToPath(new URL('./fixtures/churn-process.ts', import.meta.url));
const root = fileURLToPath(new URL('../../../../', import.meta.url));

let storage: PostgresStorage;
let emulator: StripeEmulator;
let tenant: TestTenant;
const children = new Set<ChildProcess>();

interface Child {
  process: ChildProcess;
  lines: string[];
  /** Resolves with the first line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

function start(env: Record<string, string>): Child {
  const child = spawn(process.execPath, ['--conditions=churn-source', '--import', 'tsx', script], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      CHURN_SCHEMA: schema,
      CHURN_SECRET: serverSecret,
      STRIPE_EMULATOR: `${emulator.host}:${emulator.port}`,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => {
    lines.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const errors: string[] = [];
  child.stderr!.on('data', (data: Buffer) => errors.push(data.toString()));
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return {
    process: child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no line ${pattern} in time; stderr: ${errors.join('').slice(-2000)}`),
            ),
          timeoutMs,
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
        void exited.then((code) => {
          clearTimeout(timer);
          reject(
            new Error(
              `exited (${code}) before ${pattern}; stderr: ${errors.join('').slice(-2000)}`,
            ),
          );
        });
      });
    },
  };
}

async function kill(child: Child): Promise<void> {
  child.process.kill('SIGKILL');
  await child.exited;
}

beforeAll(async () => {
  const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
  } catch (error) {
    throw new Error(
      `PostgreSQL is unreachable at ${databaseUrl}: start it. This test does not skip.`,
      {
        cause: error,
      },
    );
  }
  await probe.end();
  emulator = await startStripeEmulator();
  storage = await createPostgresStorage({ databaseUrl, schema });
  tenant = await createTestTenant(storage as StorageV1, 'Acme');
}, 60_000);

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await emulator?.close();
  await storage?.db.schema.dropSchema(schema).ifExists().cascade().execute();
  await storage?.close();
}, 30_000);

describe('killed during ingestion', () => {
  it('leaves only whole documents, and a second run completes without duplicates', async () => {
    const total = 24;
    const first = start({ CHURN_INGEST_COUNT: String(total), CHURN_TENANT_ID: tenant.tenant.id });
    await first.waitForLine(/^ingested 3$/, 90_000);
    await kill(first);
    const documents = await storage.knowledge.listDocuments({ tenantId: tenant.tenant.id });
    const chunks = await storage.knowledge.listChunks({ tenantId: tenant.tenant.id });
    console.info(
      `[process-kill] ingestion killed after ${first.lines.filter((line) => line.startsWith('ingested')).length} reported documents: ${documents.length} stored, ${chunks.length} chunks`,
    );
    expect(documents.length).toBeGreaterThanOrEqual(3);
    expect(documents.length).toBeLessThan(total);
    const killedRun = new Map<string, number[]>();
    for (const document of documents) {
      const own = chunks
        .filter((chunk) => chunk.documentId === document.id)
        .sort((x, y) => x.metadata.index - y.metadata.index);
      killedRun.set(
        document.id,
        own.map((chunk) => chunk.metadata.index),
      );
      for (const chunk of own) expect(chunk.embedding?.length ?? 0, chunk.id).toBeGreaterThan(0);
    }

    const second = start({ CHURN_INGEST_COUNT: String(total), CHURN_TENANT_ID: tenant.tenant.id });
    await second.waitForLine(/^ingest done$/, 120_000);
    await second.exited;
    const after = await storage.knowledge.listDocuments({ tenantId: tenant.tenant.id });
    expect(after.map((document) => document.title).sort()).toEqual(
      Array.from({ length: total }, (_, index) => `Article ${index}`).sort(),
    );
    // The documents that survived the kill were kept as they were (unchanged, not rewritten).
    for (const document of documents) {
      expect(after.find((other) => other.id === document.id)?.contentHash).toBe(
        document.contentHash,
      );
    }
    const allChunks = await storage.knowledge.listChunks({ tenantId: tenant.tenant.id });
    const ids = allChunks.map((chunk) => chunk.id);
    expect(new Set(ids).size).toBe(ids.length);
    // Every generated article has the same shape, so a whole one has the same chunks as any
    // other: the documents that survived the kill must have exactly those.
    const countOf = (id: string) => allChunks.filter((chunk) => chunk.documentId === id).length;
    const whole = countOf(after.find((document) => document.title === `Article ${total - 1}`)!.id);
    expect(whole).toBeGreaterThan(1);
    for (const document of after) expect(countOf(document.id), document.id).toBe(whole);
    for (const [id, indexes] of killedRun) {
      expect(indexes, id).toEqual(Array.from({ length: whole }, (_, index) => index));
    }
  }, 240_000);
});

describe('killed during a card update', () => {
  it('after a restart the recovery completes with exactly one charge', async () => {
    const sdk = new Stripe(emulator.secretKey, {
      host: emulator.host,
      port: emulator.port,
      protocol: 'http',
      apiVersion: STRIPE_API_VERSION,
      maxNetworkRetries: 0,
    });
    const seeded = emulator.seedFailedPayment({ name: 'Grace Hopper', unitAmount: 4900 });
    await createAtRiskCustomer(storage as StorageV1, tenant, {
      id: 'cust_grace',
      name: 'Grace Hopper',
      stripeCustomerId: seeded.customerId,
      stripePaymentMethodId: seeded.paymentMethodId,
    });
    const first = start({});
    const firstPort = (await first.waitForLine(/^listening \d+$/)).split(' ')[1];
    let client = recoveryClient(`http://127.0.0.1:${firstPort}`, tenant);
    const started = await client.startInterventions(['cust_grace']);
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
      .conversationId;
    const reply = await client.send(conversationId, 'cust_grace', 'Yes please, update my card');
    const [payment] = paymentParts(reply.chunks);
    const setupIntentId = String(payment!.clientSecret).split('_secret_')[0]!;
    await sdk.setupIntents.confirm(setupIntentId, { payment_method: 'pm_card_visa' });

    // Stripe pays the invoice, but the answer is lost; the server dies waiting for it.
    emulator.queueFault({ type: 'lost-answer' }, { path: `/v1/invoices/${seeded.invoiceId}/pay` });
    const chargesBefore = emulator.charges.length;
    const confirming = client
      .confirm(conversationId, 'cust_grace', setupIntentId)
      .catch((error: unknown) => error);
    await waitFor(
      () => emulator.getObject<{ status: string }>(seeded.invoiceId).status === 'paid',
      30_000,
    );
    await kill(first);
    expect(await confirming).toBeInstanceOf(Error);
    const paidCharges = () =>
      emulator.charges
        .slice(chargesBefore)
        .filter((charge) => charge.invoice === seeded.invoiceId && charge.status === 'succeeded');
    expect(paidCharges()).toHaveLength(1);
    const interrupted = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    console.info(
      `[process-kill] card update killed after the charge: recovery status ${interrupted?.recovery?.status}`,
    );

    // Restarted at once: the claim of the dead process still protects the payment (it could
    // be a live process on another instance), so a confirmation waits.
    const second = start({});
    const secondPort = (await second.waitForLine(/^listening \d+$/)).split(' ')[1];
    client = recoveryClient(`http://127.0.0.1:${secondPort}`, tenant);
    const early = await client.confirm(conversationId, 'cust_grace', setupIntentId);
    expect(early.status).toBe(409);
    await kill(second);
    expect(paidCharges()).toHaveLength(1);

    // Later (past the claim's lease), the customer presses confirm again: it completes.
    const third = start({ CHURN_CLOCK_OFFSET_MS: String(staleProcessingClaimMs + 60_000) });
    const thirdPort = (await third.waitForLine(/^listening \d+$/)).split(' ')[1];
    client = recoveryClient(`http://127.0.0.1:${thirdPort}`, tenant);
    const confirmed = await client.confirm(conversationId, 'cust_grace', setupIntentId);
    console.info(`[process-kill] confirm after restart: ${JSON.stringify(confirmed)}`);
    expect(confirmed).toEqual({ status: 200, body: { status: 'succeeded' } });
    expect(paidCharges()).toHaveLength(1);
    const payRequests = emulator.requests.filter((request) => request.path.endsWith('/pay'));
    expect(new Set(payRequests.map((request) => request.headers['idempotency-key'])).size).toBe(1);
    const done = await storage.conversations.get({
      tenantId: tenant.tenant.id,
      id: conversationId,
    });
    expect(done!.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
    const customer = await storage.customers.get({ tenantId: tenant.tenant.id, id: 'cust_grace' });
    expect(customer!.accountStatus).toBe('resolved');
    await kill(third);
  }, 120_000);
});
