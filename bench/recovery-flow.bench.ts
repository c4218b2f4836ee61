/**
 * Recovery flow benchmark: the time the system itself adds to one payment recovery, from
 * the operator's click to a paid invoice, with a scripted customer over loopback HTTP
 * (`node:http` + `toNodeHandler`, Node's `fetch` as the client, both in this process). The
 * customer "thinks" for no time at all, so every millisecond counted is Churn's (and the
 * payment provider's): storage, the state machine, the offline recovery engine, the UI
 * message stream, the SetupIntent, verification, default card, invoice payment, analytics.
 *
 * Per customer, the same steps as the end-to-end test:
 *   1. operator      POST /api/interventions (greeting stored, link signed)
 *   2. open          GET /api/recovery/pending, then GET /api/conversations/:id
 *   3. side question POST /api/conversations/:id/messages "What happened?" (to [DONE])
 *   4. card form     POST .../messages "Yes, let's update my card" (data-payment, SetupIntent)
 *   5. declined card POST .../payment/sandbox-confirm 4000 0000 0000 0341 (saved, charge declined)
 *   6. good card     POST .../payment/sandbox-confirm 4242 4242 4242 4242 (paid, resolved)
 *   7. metrics       GET /api/recovery/metrics
 * printed as p50/p99 per step and per whole recovery, against the 3-minute budget a
 * customer has.
 *
 * Two providers: the in-process sandbox (the system alone), and, with `BENCH_PROVIDER=stripe`,
 * the Stripe adapter through the official SDK against the local Stripe emulator (steps 4 to 6
 * then include the SDK and loopback HTTP to the emulator; the emulator's Payment Element step
 * is the SetupIntent confirmation a browser would make, done here with the publishable key).
 *
 * Run: `node --conditions=churn-source --import tsx bench/recovery-flow.bench.ts [customers]`
 * (default 40 customers; under a minute on the sandbox). Storage is in-memory PGlite.
 */
import os from 'node:os';
import type { StorageV1 } from '../packages/core/src/index.js';
import { createSandboxPaymentProvider } from '../packages/core/src/index.js';
import { createStripePaymentProvider } from '../packages/core/src/providers/stripe/index.js';
import {
  createTestTenant,
  type TestTenant,
} from '../packages/server/src/chat/chat-test-helpers.js';
import type { RecoverySettings } from '../packages/server/src/recovery/recovery-service.js';
import {
  createAtRiskCustomer,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from '../packages/server/src/recovery/recovery-test-helpers.js';
import { createPGliteStorage } from '../packages/server/src/storage/postgres-storage.js';
import { type StripeEmulator, startStripeEmulator } from '../packages/testing/src/index.js';

const customers = Number(process.argv[2] ?? 40);
const useStripe = process.env.BENCH_PROVIDER === 'stripe';
const steps = [
  'operator',
  'open',
  'side question',
  'card form',
  'declined card',
  'good card',
  'metrics',
] as const;
type Step = (typeof steps)[number];

function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? Number.NaN;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`recovery flow broke: ${message}`);
}

async function timed<T>(times: Map<Step, number[]>, step: Step, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  times.get(step)?.push(performance.now() - start);
  return result;
}

/** Confirms a SetupIntent at the emulator as Stripe.js would (publishable key + client secret). */
async function confirmAtEmulator(
  emulator: StripeEmulator,
  clientSecret: string,
  paymentMethod: string,
): Promise<string> {
  const id = clientSecret.split('_secret_')[0]!;
  const response = await fetch(`${emulator.url}/v1/setup_intents/${id}/confirm`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${emulator.publishableKey}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ client_secret: clientSecret, payment_method: paymentMethod }),
  });
  check(response.status === 200, `emulator confirm answered ${response.status}`);
  return id;
}

async function main(): Promise<void> {
  const storage: StorageV1 = await createPGliteStorage();
  const tenant: TestTenant = await createTestTenant(storage, 'Bench');
  let emulator: StripeEmulator | undefined;
  let payments: RecoverySettings;
  if (useStripe) {
    emulator = await startStripeEmulator();
    payments = {
      provider: createStripePaymentProvider({
        secretKey: emulator.secretKey,
        publishableKey: emulator.publishableKey,
        webhookSecret: emulator.webhookSecret,
        apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
      }),
    };
  } else {
    const sandbox = createSandboxPaymentProvider();
    payments = { provider: () => sandbox };
  }
  const server = await startRecoveryServer({ storage, payments });
  const client = recoveryClient(server.url, tenant);
  const times = new Map<Step, number[]>(steps.map((step) => [step, []]));
  const totals: number[] = [];

  // One customer first, not counted: module loading, the first SQL of each shape, JIT.
  for (let index = -1; index < customers; index += 1) {
    const id = `cust_bench_${index + 1}`;
    const seeded = emulator?.seedFailedPayment({ name: `Bench ${index}`, unitAmount: 4900 });
    await createAtRiskCustomer(storage, tenant, {
      id,
      name: `Bench Customer ${index + 1}`,
      ...(seeded ? { stripeCustomerId: seeded.customerId } : {}),
    });
    const run = new Map<Step, number[]>(steps.map((step) => [step, []]));
    const started = await timed(run, 'operator', () => client.startInterventions([id]));
    check(started.status === 201, `interventions answered ${started.status}`);
    const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
      .conversationId;
    await timed(run, 'open', async () => {
      const pending = await client.pending(id);
      check(pending.status === 200, 'pending');
      const opened = await client.conversation(conversationId, id);
      check(opened.status === 200, 'conversation');
    });
    const side = await timed(run, 'side question', () =>
      client.send(conversationId, id, 'What happened?'),
    );
    check(side.text.includes('$49.00'), `the side question was answered with "${side.text}"`);
    const form = await timed(run, 'card form', () =>
      client.send(conversationId, id, "Yes, let's update my card"),
    );
    const [payment] = paymentParts(form.chunks);
    check(payment?.step === 'payment-requested', 'no card form');
    if (emulator) {
      const first = await confirmAtEmulator(
        emulator,
        String(payment.clientSecret),
        'pm_card_chargeCustomerFail',
      );
      const declined = await timed(run, 'declined card', () =>
        client.confirm(conversationId, id, first),
      );
      check(declined.body.status === 'failed', 'the 0341 card was not declined');
      const next = declined.body.payment as { clientSecret: string };
      const second = await confirmAtEmulator(emulator, next.clientSecret, 'pm_card_visa');
      const paid = await timed(run, 'good card', () => client.confirm(conversationId, id, second));
      check(paid.body.status === 'succeeded', 'the 4242 card did not pay');
    } else {
      const declined = await timed(run, 'declined card', () =>
        client.sandboxConfirm(conversationId, id, '4000000000000341'),
      );
      check(declined.body.status === 'failed', 'the 0341 card was not declined');
      const paid = await timed(run, 'good card', () =>
        client.sandboxConfirm(conversationId, id, '4242424242424242'),
      );
      check(paid.body.status === 'succeeded', 'the 4242 card did not pay');
    }
    const metrics = await timed(run, 'metrics', () => client.metrics());
    check(metrics.status === 200, 'metrics');
    if (index < 0) continue;
    let total = 0;
    for (const step of steps) {
      const value = run.get(step)![0]!;
      times.get(step)!.push(value);
      total += value;
    }
    totals.push(total);
  }

  const provider = useStripe
    ? 'Stripe adapter (official SDK) -> local Stripe emulator'
    : 'in-process sandbox';
  console.log(
    `recovery flow, ${customers} customers one after another, scripted customer with no think time, provider: ${provider}`,
  );
  for (const step of steps) {
    const sorted = [...times.get(step)!].sort((a, b) => a - b);
    console.log(
      `  ${step.padEnd(14)} p50 ${percentile(sorted, 0.5).toFixed(1).padStart(7)} ms   p99 ${percentile(sorted, 0.99).toFixed(1).padStart(7)} ms`,
    );
  }
  const sorted = totals.sort((a, b) => a - b);
  const p50 = percentile(sorted, 0.5);
  console.log(
    `  whole recovery  p50 ${p50.toFixed(1)} ms, p99 ${percentile(sorted, 0.99).toFixed(1)} ms of the system's time (${((p50 / 180_000) * 100).toFixed(3)} % of the 180 s budget)`,
  );
  console.log(
    `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1073741824)} GB, node ${process.version}; storage PGlite (in memory); load average ${os
      .loadavg()
      .map((value) => value.toFixed(1))
      .join(' / ')}`,
  );
  await server.close();
  await emulator?.close();
  await storage.close();
}

await main();
