// Payment recovery end to end, in a real Chromium: a seeded at-risk customer, an operator
// starts the intervention (POST /api/interventions), the customer opens the widget on the
// tenant's page (only the script tag), talks, enters a card (the sandbox demo form; the Stripe
// Payment Element through a local stand-in for Stripe.js against the Stripe emulator), the
// invoice is paid, the customer is resolved and GET /api/recovery/metrics moves. And the
// customer's own way in, with no intervention: a billing question in an ordinary support chat
// hands them to their recovery session (`trigger: 'customer'`, the `data-recovery` part), the
// widget goes on there with its greeting, "yes" opens the card form and 4242 pays.
import {
  createSandboxPaymentProvider,
  type SandboxPaymentProvider,
  type StorageJsonObject,
} from '@churn/core';
import { createStripePaymentProvider } from '@churn/core/stripe';
import { type StripeEmulator, startStripeEmulator } from '@churn/testing';
import { expectAccessible, launchChromium } from '@churn/testing/browser';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The stored recovery state as the server reads it, from the server's source by path, as
// e2e-servers.ts imports the server.
import { recoveryStateOf } from '../../../server/src/recovery/recovery-records.js';
import { type E2eServers, startE2eServers } from './e2e-servers.js';

const period = '?from=2020-01-01T00:00:00Z&to=2100-01-01T00:00:00Z';

interface Metrics {
  metrics: { totalInterventions: number; successfulResolutions: number };
  recovery: { failedAmount: number; recoveredAmount: number; recoveryRate: number };
}

/** A customer at risk for a failed $49 payment, with a Visa ending 4242 on file. */
async function seedAtRiskCustomer(
  servers: E2eServers,
  options: { id: string; name: string; stripeCustomerId?: string; accountStatus?: 'active' },
): Promise<void> {
  const failedAt = new Date('2026-11-03T10:00:00Z');
  const atRisk = options.accountStatus === undefined;
  await servers.storage.customers.create({
    id: options.id,
    tenantId: servers.tenantId,
    name: options.name,
    email: `${options.id}@example.com`,
    accountStatus: options.accountStatus ?? 'at-risk',
    ...(atRisk ? { riskCategory: 'failed-payment' as const, riskSeverity: 'medium' as const } : {}),
    accountValue: 49,
    ...(options.stripeCustomerId ? { stripeCustomerId: options.stripeCustomerId } : {}),
    metadata: atRisk
      ? ({
          paymentRisk: {
            failureCount: 1,
            lastFailureDate: failedAt.toISOString(),
            openInvoice: {
              invoiceId: 'in_seed',
              amountDue: 49,
              currency: 'usd',
              failedAt: failedAt.toISOString(),
            },
          },
        } satisfies StorageJsonObject)
      : {},
  });
  await servers.storage.paymentMethods.create({
    tenantId: servers.tenantId,
    customerId: options.id,
    cardType: 'visa',
    lastFourDigits: '4242',
    expiryMonth: 12,
    expiryYear: 2030,
    status: atRisk ? 'failed' : 'active',
    isDefault: true,
  });
}

async function startIntervention(servers: E2eServers, customerId: string): Promise<string> {
  const started = await servers.operator('/api/interventions', {
    method: 'POST',
    body: { customerIds: [customerId] },
  });
  expect(started.status).toBe(201);
  const [intervention] = started.body.interventions as { conversationId: string }[];
  return intervention!.conversationId;
}

async function metrics(servers: E2eServers): Promise<Metrics> {
  const answer = await servers.operator(`/api/recovery/metrics${period}`);
  expect(answer.status).toBe(200);
  return answer.body as unknown as Metrics;
}

/** Opens the widget and waits for the recovery greeting the operator's intervention stored. */
async function openWidget(page: Page): Promise<void> {
  await page.locator('churn-chat .launcher').click();
  await expect
    .poll(() => page.locator('churn-chat .message.assistant').allTextContents())
    .toEqual(expect.arrayContaining([expect.stringContaining('Visa ending 4242')]));
}

async function say(page: Page, text: string): Promise<void> {
  const before = await page.locator('churn-chat .message.assistant').count();
  await page.locator('churn-chat textarea.input').fill(text);
  await page.locator('churn-chat textarea.input').press('Enter');
  await expect
    .poll(async () => {
      const replies = page.locator('churn-chat .message.assistant');
      if ((await replies.count()) <= before) return 'waiting';
      return (await page.locator('churn-chat .messages .typing').count()) === 0 ? 'done' : 'typing';
    })
    .toBe('done');
}

const lastReply = (page: Page) =>
  page.locator('churn-chat .message.assistant').last().locator('.bubble').textContent();

describe('payment recovery in Chromium, from an operator click to a paid invoice', () => {
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
  });

  describe('sandbox mode: the labelled demo card form', () => {
    let servers: E2eServers;
    let sandbox: SandboxPaymentProvider;

    beforeAll(async () => {
      sandbox = createSandboxPaymentProvider();
      servers = await startE2eServers({ payments: { provider: () => sandbox } });
    }, 120_000);

    afterAll(async () => {
      await servers?.close();
    });

    it('greets, answers "what happened?", takes a declined card then a good one, pays and resolves', async () => {
      await seedAtRiskCustomer(servers, { id: 'cust_ada', name: 'Ada Lovelace' });
      const before = await metrics(servers);
      expect(before.metrics).toMatchObject({ totalInterventions: 0, successfulResolutions: 0 });
      const conversationId = await startIntervention(servers, 'cust_ada');
      expect((await metrics(servers)).metrics.totalInterventions).toBe(1);

      const page = await browser.newPage();
      await page.goto(servers.pageUrl({ customerToken: await servers.customerToken('cust_ada') }));
      await openWidget(page);
      const greeting = await page.locator('churn-chat .message.assistant').allTextContents();
      expect(greeting.join(' ')).toContain('Ada');
      expect(greeting.join(' ')).toContain('$49.00');

      await say(page, 'What happened?');
      const facts = await lastReply(page);
      expect(facts).toContain('Visa ending 4242');
      expect(facts).toContain('$49.00');
      expect(facts).toContain('November 3');
      const stored = await servers.storage.conversations.get({
        tenantId: servers.tenantId,
        id: conversationId,
      });
      expect(stored?.recovery?.status).toBe('in-progress');

      await say(page, "Yes, let's update my card");
      const form = page.locator('churn-chat .card-form');
      await expect.poll(() => form.count()).toBe(1);
      expect(await page.locator('churn-chat .demo-badge').textContent()).toContain('DEMO');
      await expectAccessible(page);

      // 0341: saved, but the charge is declined. The form stays for another card.
      await form.locator('input[name="number"]').fill('4000 0000 0000 0341');
      await form.locator('input[name="expiry"]').fill('12/34');
      await form.locator('input[name="cvc"]').fill('123');
      await form.locator('input[name="cvc"]').press('Enter');
      await expect
        .poll(() => page.locator('churn-chat .payment-error').textContent())
        .toMatch(/declined/i);
      expect(await form.count()).toBe(1);
      await expectAccessible(page);

      await form.locator('input[name="number"]').fill('4242 4242 4242 4242');
      await form.locator('input[name="cvc"]').press('Enter');
      await expect.poll(() => page.locator('churn-chat .payment .success').count()).toBe(1);
      expect(await page.locator('churn-chat .payment .success').textContent()).toContain(
        'Your card has been updated',
      );
      await expectAccessible(page);

      const customer = await servers.storage.customers.get({
        tenantId: servers.tenantId,
        id: 'cust_ada',
      });
      expect(customer?.accountStatus).toBe('resolved');
      expect(
        sandbox.readCustomer('cust_ada').invoices.every((invoice) => invoice.status === 'paid'),
      ).toBe(true);
      const done = await servers.storage.conversations.get({
        tenantId: servers.tenantId,
        id: conversationId,
      });
      expect(done?.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
      const after = await metrics(servers);
      expect(after.metrics).toMatchObject({ totalInterventions: 1, successfulResolutions: 1 });
      expect(after.recovery).toMatchObject({
        failedAmount: 49,
        recoveredAmount: 49,
        recoveryRate: 100,
      });
      await page.close();
    });

    it('a billing question in a support chat hands the customer to the card update, which pays', async () => {
      // No intervention: the customer comes to the chat on their own.
      await seedAtRiskCustomer(servers, { id: 'cust_lin', name: 'Lin Wei' });
      const recoveries = () =>
        servers.storage.conversations.list({
          tenantId: servers.tenantId,
          purpose: 'recovery',
          customerId: 'cust_lin',
          limit: 20,
        });
      expect(await recoveries()).toEqual([]);

      const page = await browser.newPage();
      await page.goto(servers.pageUrl({ customerToken: await servers.customerToken('cust_lin') }));
      await page.locator('churn-chat .launcher').click();
      const transcript = () =>
        page
          .locator('churn-chat .messages .message')
          .evaluateAll((messages) =>
            messages.map((message) => [
              message.classList.contains('user') ? 'user' : 'assistant',
              message.querySelector('.bubble')?.textContent?.trim() ?? '',
            ]),
          );
      expect(await transcript()).toEqual([
        ['assistant', 'Hi! Ask me about billing, invoices and cards.'],
      ]);

      await say(page, 'My payment failed, can I update my card?');
      // The hand-off sentence, then the recovery session's greeting joins the transcript.
      await expect.poll(async () => (await transcript()).length).toBe(4);
      const [tenantGreeting, question, handoff, greeting] = await transcript();
      expect(tenantGreeting).toEqual([
        'assistant',
        'Hi! Ask me about billing, invoices and cards.',
      ]);
      expect(question).toEqual(['user', 'My payment failed, can I update my card?']);
      expect(handoff![0]).toBe('assistant');
      expect(handoff![1]).toMatch(/card update/i);
      expect(greeting![0]).toBe('assistant');
      expect(greeting![1]).toContain('Lin');
      expect(greeting![1]).toContain('4242');
      expect(greeting![1]).toContain('$49.00');
      // The customer can answer at once: the message field still has the focus.
      expect(
        await page.evaluate(
          () => document.querySelector('churn-chat')?.shadowRoot?.activeElement?.id,
        ),
      ).toBe('composer-input');
      await expectAccessible(page);

      // The session the question started: one, started by the customer.
      const [session, ...more] = await recoveries();
      expect(more).toEqual([]);
      expect(session!.recovery?.status).toBe('initiated');
      expect(recoveryStateOf(session!).trigger).toBe('customer');

      // The answer goes to the recovery conversation: "yes" opens the card step.
      await say(page, 'yes');
      const form = page.locator('churn-chat .card-form');
      await expect.poll(() => form.count()).toBe(1);
      expect(await page.locator('churn-chat .demo-badge').textContent()).toContain('DEMO');
      await form.locator('input[name="number"]').fill('4242 4242 4242 4242');
      await form.locator('input[name="expiry"]').fill('12/34');
      await form.locator('input[name="cvc"]').fill('123');
      await form.locator('input[name="cvc"]').press('Enter');
      await expect.poll(() => page.locator('churn-chat .payment .success').count()).toBe(1);
      expect(await page.locator('churn-chat .payment .success').textContent()).toContain(
        'Your card has been updated',
      );

      const customer = await servers.storage.customers.get({
        tenantId: servers.tenantId,
        id: 'cust_lin',
      });
      expect(customer?.accountStatus).toBe('resolved');
      const invoices = sandbox.readCustomer('cust_lin').invoices;
      expect(invoices.length).toBeGreaterThan(0);
      expect(invoices.every((invoice) => invoice.status === 'paid')).toBe(true);
      const done = await servers.storage.conversations.get({
        tenantId: servers.tenantId,
        id: session!.id,
      });
      expect(done?.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
      expect(recoveryStateOf(done!).trigger).toBe('customer');
      // The customer's "yes" was stored in the recovery conversation, after its greeting.
      const stored = await servers.storage.messages.list({
        tenantId: servers.tenantId,
        conversationId: session!.id,
      });
      expect(stored.slice(0, 2).map((message) => message.role)).toEqual(['assistant', 'user']);
      expect(stored[1]!.content).toBe('yes');
      await page.close();
    });
  });

  describe('Stripe mode: the Payment Element through a Stripe.js stand-in, against the emulator', () => {
    let servers: E2eServers;
    let emulator: StripeEmulator;

    beforeAll(async () => {
      emulator = await startStripeEmulator();
      const provider = createStripePaymentProvider({
        secretKey: emulator.secretKey,
        publishableKey: emulator.publishableKey,
        webhookSecret: emulator.webhookSecret,
        apiBase: { host: emulator.host, port: emulator.port, protocol: 'http' },
        initialRetryDelayMs: 5,
        timeoutMs: 5_000,
      });
      servers = await startE2eServers({ payments: { provider }, stripeApiUrl: emulator.url });
    }, 120_000);

    afterAll(async () => {
      await servers?.close();
      await emulator?.close();
    });

    it('a signed webhook puts the customer at risk; a card refused at charging remounts the form; the next card pays', async () => {
      const seeded = emulator.seedFailedPayment({
        name: 'Grace Hopper',
        email: 'grace@example.com',
        unitAmount: 4900,
      });
      await seedAtRiskCustomer(servers, {
        id: 'cust_grace',
        name: 'Grace Hopper',
        stripeCustomerId: seeded.customerId,
        accountStatus: 'active',
      });
      const delivery = await emulator.sendWebhook('invoice.payment_failed', seeded.invoiceId, {
        url: `${servers.churnUrl}/api/webhooks/stripe/${servers.tenantId}`,
      });
      expect(delivery.status).toBe(200);
      const atRisk = await servers.storage.customers.get({
        tenantId: servers.tenantId,
        id: 'cust_grace',
      });
      expect(atRisk).toMatchObject({ accountStatus: 'at-risk', riskCategory: 'failed-payment' });

      const conversationId = await startIntervention(servers, 'cust_grace');
      const page = await browser.newPage();
      await page.goto(
        servers.pageUrl({
          customerToken: await servers.customerToken('cust_grace'),
          stripeJs: true,
        }),
      );
      await openWidget(page);
      await say(page, 'Sure, update my card');

      // The Payment Element (the stand-in's field) lives in the light DOM, slotted into the card step.
      const field = page.locator('churn-chat > [data-churn-payment] input');
      await expect.poll(() => field.count()).toBe(1);
      const save = page.locator('churn-chat .stripe-form .primary-button');
      await expect.poll(() => save.isEnabled()).toBe(true);
      await expectAccessible(page);

      // 0341 is saved by the SetupIntent, then refused when the invoice is charged.
      await field.fill('4000 0000 0000 0341');
      await save.click();
      await expect
        .poll(() => page.locator('churn-chat .payment-error').textContent())
        .toMatch(/declined/i);
      const standIn = () =>
        page.evaluate(() => {
          const log = (
            window as unknown as {
              __stripeStandIn: {
                mounts: { clientSecret: string; connected: () => boolean }[];
                confirms: { redirect: string; clientSecret: string }[];
              };
            }
          ).__stripeStandIn;
          return {
            mounts: log.mounts.map((mount) => ({
              clientSecret: mount.clientSecret,
              connected: mount.connected(),
            })),
            confirms: log.confirms.map(({ redirect, clientSecret }) => ({
              redirect,
              clientSecret,
            })),
          };
        });
      // The server made a new SetupIntent for the next card: the widget mounted it afresh.
      await expect.poll(async () => (await standIn()).mounts.length).toBe(2);
      const { mounts, confirms } = await standIn();
      expect(mounts[0]!.connected).toBe(false);
      expect(mounts[1]!.connected).toBe(true);
      expect(mounts[1]!.clientSecret).not.toBe(mounts[0]!.clientSecret);
      expect(confirms[0]).toEqual({
        redirect: 'if_required',
        clientSecret: mounts[0]!.clientSecret,
      });
      expect(await page.locator('churn-chat > [data-churn-payment]').count()).toBe(1);

      await field.fill('4242 4242 4242 4242');
      await expect.poll(() => save.isEnabled()).toBe(true);
      await save.click();
      await expect.poll(() => page.locator('churn-chat .payment .success').count()).toBe(1);
      await expectAccessible(page);

      const invoice = emulator.getObject<{ status: string }>(seeded.invoiceId);
      expect(invoice.status).toBe('paid');
      const customer = await servers.storage.customers.get({
        tenantId: servers.tenantId,
        id: 'cust_grace',
      });
      expect(customer?.accountStatus).toBe('resolved');
      const done = await servers.storage.conversations.get({
        tenantId: servers.tenantId,
        id: conversationId,
      });
      expect(done?.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
      const after = await metrics(servers);
      expect(after.metrics).toMatchObject({ totalInterventions: 1, successfulResolutions: 1 });
      expect(after.recovery.recoveredAmount).toBe(49);
      await page.close();
    });
  });
});
