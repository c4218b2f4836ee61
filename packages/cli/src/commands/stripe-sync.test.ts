import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStorage } from '@churn/server';
import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { runCli } from '../run-cli.js';

const folder = mkdtempSync(join(tmpdir(), 'churn-stripe-sync-'));
let emulator: StripeEmulator;
const saved = { ...process.env };

beforeAll(async () => {
  emulator = await startStripeEmulator();
});
afterAll(async () => {
  process.env = saved;
  await emulator.close();
  rmSync(folder, { recursive: true, force: true });
});

describe('churn stripe sync', () => {
  it('prints its help, and says what is missing', async () => {
    const help = captureIo();
    expect(await runCli(['stripe', '--help'], help.io)).toBe(0);
    expect(help.output.stdout).toMatch(
      /churn stripe sync \[--tenant ID\] \[--expiring-within DAYS\]/,
    );
    delete process.env.STRIPE_SECRET_KEY;
    const missing = captureIo();
    expect(await runCli(['stripe', 'sync', '--data-dir', folder], missing.io)).toBe(2);
    expect(missing.output.stderr).toMatch(/STRIPE_SECRET_KEY/);
    const days = captureIo();
    process.env.STRIPE_SECRET_KEY = emulator.secretKey;
    expect(
      await runCli(['stripe', 'sync', '--expiring-within', 'soon', '--data-dir', folder], days.io),
    ).toBe(2);
  });

  it('fills at-risk customers and their cards from Stripe, idempotently', {
    timeout: 60_000,
  }, async () => {
    const storage = await createStorage({ dataDir: join(folder, 'data') });
    let tenantId: string;
    try {
      tenantId = (await storage.tenants.create({ name: 'Synced' })).id;
    } finally {
      await storage.close();
    }
    const failing = emulator.seedFailedPayment({
      name: 'Failing Fran',
      email: 'fran@example.com',
      unitAmount: 12_000,
      attemptCount: 2,
    });
    const expiringCustomer = emulator.seedCustomer({
      name: 'Expiring Ed',
      email: 'ed@example.com',
    });
    const now = new Date();
    emulator.seedPaymentMethod({
      card: 'visa',
      customer: expiringCustomer,
      expMonth: now.getUTCMonth() + 1,
      expYear: now.getUTCFullYear(),
      setAsCustomerDefault: true,
    });
    emulator.seedSubscription({ customer: expiringCustomer, unitAmount: 2900 });
    process.env.STRIPE_SECRET_KEY = emulator.secretKey;
    process.env.STRIPE_API_BASE = emulator.url;

    const args = [
      'stripe',
      'sync',
      '--tenant',
      tenantId,
      '--expiring-within',
      '30',
      '--data-dir',
      folder,
    ];
    const first = captureIo();
    expect(await runCli(args, first.io)).toBe(0);
    const report = JSON.parse(first.output.stdout) as Record<string, unknown>;
    expect(report).toMatchObject({ tenantId, scanned: 2, created: 2, updated: 0, newlyAtRisk: 2 });

    const second = captureIo();
    expect(await runCli(args, second.io)).toBe(0);
    expect(JSON.parse(second.output.stdout)).toMatchObject({
      created: 0,
      updated: 2,
      newlyAtRisk: 0,
    });

    const check = await createStorage({ dataDir: join(folder, 'data') });
    try {
      const fran = await check.customers.findByStripeCustomerId({
        tenantId,
        stripeCustomerId: failing.customerId,
      });
      expect(fran).toMatchObject({
        name: 'Failing Fran',
        accountStatus: 'at-risk',
        riskCategory: 'failed-payment',
        accountValue: 120,
      });
      expect(fran!.riskSeverity).toBeDefined();
      const [card] = await check.paymentMethods.listByCustomer({ tenantId, customerId: fran!.id });
      expect(card).toMatchObject({
        status: 'failed',
        isDefault: true,
        stripePaymentMethodId: failing.paymentMethodId,
      });
      expect(card!.lastFourDigits).toMatch(/^\d{4}$/);
      const ed = await check.customers.findByStripeCustomerId({
        tenantId,
        stripeCustomerId: expiringCustomer,
      });
      expect(ed).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'expiring-card' });
    } finally {
      await check.close();
    }
  });
});
