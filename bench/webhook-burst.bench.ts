/**
 * Load: a burst of signed Stripe webhooks with duplicates and reordering.
 *
 * BENCH_CUSTOMERS customers (default 60), each linked to a customer of the Stripe emulator of
 * `@churn/testing` with a failed invoice. Each gets two events, signed by the emulator like
 * Stripe signs them: `invoice.payment_failed` (a minute ago) and `invoice.paid` (ten seconds
 * ago). Every event is delivered BENCH_COPIES times (default 3, Stripe's retries), and all the
 * deliveries are shuffled (so a payment often arrives before its failure) and posted with
 * BENCH_IN_FLIGHT at once (default 24) to `POST /api/webhooks/stripe/:tenantId`.
 *
 * Then it checks, and prints every violation: each event was applied exactly once (one
 * delivery answered `duplicate: false`, the others `duplicate: true`, one `webhook_events` row
 * processed), and each customer ends as the newest event says: not at risk, its card active with
 * no failure counted (a failure that arrives after the payment is stale and changes nothing).
 *
 * Prints throughput, latency (p50, p99), errors (any status but 200) and the violations.
 * Run: `pnpm exec tsx bench/webhook-burst.bench.ts` (about 15 s). BENCH_DATABASE_URL runs it
 * on PostgreSQL (a temporary schema; concurrent transactions on a pool).
 */
import { createStripePaymentProvider } from '../packages/core/src/providers/stripe/index.js';
import { createTestTenant } from '../packages/server/src/chat/chat-test-helpers.js';
import { createChurnHandler } from '../packages/server/src/handler/create-churn-handler.js';
import { createAtRiskCustomer } from '../packages/server/src/recovery/recovery-test-helpers.js';
import { startStripeEmulator } from '../packages/testing/src/emulators/stripe-emulator.js';
import {
  benchLogger,
  latencies,
  listen,
  loadAverage,
  machineLine,
  openBenchStorage,
  pool,
  runFromSources,
  storageName,
} from './bench-helpers.js';

const customers = Number(process.env.BENCH_CUSTOMERS ?? 60);
const copies = Number(process.env.BENCH_COPIES ?? 3);
const inFlight = Number(process.env.BENCH_IN_FLIGHT ?? 24);

/** A deterministic shuffle (a fixed seed: runs are comparable). */
function shuffle<Item>(items: Item[], seed = 42): Item[] {
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  for (let index = items.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [items[index], items[other]] = [items[other]!, items[index]!];
  }
  return items;
}

async function main(): Promise<void> {
  const loadBefore = loadAverage();
  const emulator = await startStripeEmulator();
  const { storage, close } = await openBenchStorage();
  const tenant = await createTestTenant(storage, 'Bench');
  const tenantId = tenant.tenant.id;
  const provider = createStripePaymentProvider({
    secretKey: emulator.secretKey,
    publishableKey: emulator.publishableKey,
    webhookSecret: emulator.webhookSecret,
    apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
    timeoutMs: 5_000,
  });
  const handler = createChurnHandler({
    storage,
    logger: benchLogger,
    payments: { provider, sweepIntervalMs: 0 },
    secret: 'bench-secret-bench-secret-bench-secret-0123456789',
    rateLimits: { enabled: false },
  });
  const http = await listen(handler, benchLogger);
  const url = `${http.base}/api/webhooks/stripe/${tenantId}`;

  type Delivery = { customerId: string; eventId: string; payload: string; signature: string };
  const deliveries: Delivery[] = [];
  const eventsOf = new Map<string, string[]>();
  const now = Date.now();
  for (let index = 0; index < customers; index++) {
    const seeded = emulator.seedFailedPayment({ name: `Customer ${index}`, unitAmount: 4900 });
    const customerId = `cust_bench_${index}`;
    await createAtRiskCustomer(storage, tenant, {
      id: customerId,
      name: `Customer ${index}`,
      accountStatus: 'active',
      stripeCustomerId: seeded.customerId,
      stripePaymentMethodId: seeded.paymentMethodId,
    });
    const failed = emulator.buildWebhook('invoice.payment_failed', seeded.invoiceId, {
      created: new Date(now - 60_000),
    });
    const paid = emulator.buildWebhook(
      'invoice.paid',
      {
        ...emulator.getObject<Record<string, unknown>>(seeded.invoiceId),
        status: 'paid',
        status_transitions: { paid_at: Math.floor(now / 1000) - 10 },
      },
      { created: new Date(now - 10_000) },
    );
    const ids: string[] = [];
    for (const event of [failed, paid]) {
      const eventId = event.event.id as string;
      ids.push(eventId);
      for (let copy = 0; copy < copies; copy++) {
        deliveries.push({
          customerId,
          eventId,
          payload: event.payload,
          signature: event.signature,
        });
      }
    }
    eventsOf.set(customerId, ids);
  }
  shuffle(deliveries);

  const durations: number[] = [];
  const errors: string[] = [];
  const firstTimes = new Map<string, number>();
  const seconds = await pool(deliveries, inFlight, async (delivery) => {
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
        body: delivery.payload,
      });
      const text = await response.text();
      durations.push(performance.now() - started);
      if (response.status !== 200) {
        errors.push(`${delivery.eventId}: ${response.status} ${text.slice(0, 160)}`);
        return;
      }
      const body = JSON.parse(text) as { duplicate: boolean };
      if (!body.duplicate) {
        firstTimes.set(delivery.eventId, (firstTimes.get(delivery.eventId) ?? 0) + 1);
      }
    } catch (error) {
      errors.push(`${delivery.eventId}: ${String(error)}`);
    }
  });

  const violations: string[] = [];
  const recorded = await storage.db
    .selectFrom('webhook_events')
    .select(['event_id', 'processed_at'])
    .where('tenant_id', '=', tenantId)
    .execute();
  const rows = new Map<string, number>();
  for (const row of recorded) {
    rows.set(row.event_id, (rows.get(row.event_id) ?? 0) + 1);
    if (!row.processed_at) violations.push(`${row.event_id}: recorded, never marked processed`);
  }
  for (const [customerId, ids] of eventsOf) {
    for (const eventId of ids) {
      if (firstTimes.get(eventId) !== 1) {
        violations.push(`${eventId}: applied ${firstTimes.get(eventId) ?? 0} times, not once`);
      }
      if (rows.get(eventId) !== 1) {
        violations.push(`${eventId}: ${rows.get(eventId) ?? 0} webhook_events rows, not 1`);
      }
    }
    const customer = await storage.customers.get({ tenantId, id: customerId });
    const [method] = await storage.paymentMethods.listByCustomer({ tenantId, customerId });
    if (!customer || customer.accountStatus === 'at-risk') {
      violations.push(`${customerId}: ${customer?.accountStatus ?? 'missing'} after its payment`);
    }
    if (method?.status !== 'active' || method.failureCount !== 0) {
      violations.push(
        `${customerId}: card ${method?.status ?? 'missing'} with ${method?.failureCount} failures after its payment`,
      );
    }
  }

  console.log(
    `webhook burst: ${deliveries.length} deliveries (${customers} customers × 2 events × ${copies} copies, shuffled), ${inFlight} in flight: ${(deliveries.length / seconds).toFixed(0)} deliveries/s, ${latencies(durations)}; errors ${errors.length}; exactly-once and final-state violations ${violations.length}`,
  );
  for (const error of errors.slice(0, 5)) console.log(`  error: ${error}`);
  for (const violation of violations.slice(0, 10)) console.log(`  violation: ${violation}`);
  console.log(machineLine(storageName(), loadBefore));

  await http.close();
  await emulator.close();
  await close();
  if (errors.length > 0 || violations.length > 0) process.exitCode = 1;
}

await runFromSources(main);
