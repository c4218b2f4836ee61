import {
  createSandboxPaymentProvider,
  type SandboxPaymentProvider,
  type StorageV1,
} from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type TestTenant } from '../chat/chat-test-helpers.js';
import {
  createAtRiskCustomer,
  createManualClock,
  paymentParts,
  recoveryClient,
  startRecoveryServer,
} from './recovery-test-helpers.js';

interface ConversationBody {
  conversation: {
    id: string;
    purpose: string;
    status: string;
  };
  messages: { role: string; content: string }[];
}

/**
 * The recovery flow in sandbox mode over a real socket, against one storage implementation:
 * intervention, greeting, the card step with the sandbox's test cards, declines, "not now",
 * the 180-second budget and the metrics.
 */
export function describeSandboxRecovery(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`payment recovery in the sandbox (${name})`, () => {
    let storage: StorageV1;
    let tenant: TestTenant;
    let sandbox: SandboxPaymentProvider;
    let server: Awaited<ReturnType<typeof startRecoveryServer>>;
    let client: ReturnType<typeof recoveryClient>;
    const time = createManualClock(new Date('2026-11-20T12:00:00Z'));

    beforeAll(async () => {
      storage = await openStorage();
      tenant = await createTestTenant(storage, 'Acme');
      sandbox = createSandboxPaymentProvider({ clock: time.clock });
      server = await startRecoveryServer({
        storage,
        payments: { provider: () => sandbox, clock: time.clock },
      });
      client = recoveryClient(server.url, tenant);
    });

    afterAll(async () => {
      await server?.close();
    });

    const storedCustomer = (id: string) =>
      storage.customers.get({ tenantId: tenant.tenant.id, id });
    const storedConversation = (id: string) =>
      storage.conversations.get({ tenantId: tenant.tenant.id, id });

    /** Starts an intervention and asks for the card form; answers the conversation id. */
    const untilCardForm = async (customerId: string, name: string) => {
      await createAtRiskCustomer(storage, tenant, { id: customerId, name });
      const started = await client.startInterventions([customerId]);
      expect(started.status).toBe(201);
      const [intervention] = started.body.interventions as { conversationId: string }[];
      const conversationId = intervention!.conversationId;
      const reply = await client.send(conversationId, customerId, 'Yes, let us fix it');
      expect(reply.status).toBe(200);
      const [payment] = paymentParts(reply.chunks);
      expect(payment).toMatchObject({ step: 'payment-requested', mode: 'sandbox' });
      expect(typeof payment!.clientSecret).toBe('string');
      return conversationId;
    };

    it('runs the whole flow: greeting, card form, 0341 declined at charge, then 4242 pays', async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_ada', name: 'Ada Lovelace' });
      const started = await client.startInterventions(['cust_ada', 'cust_missing']);
      expect(started.status).toBe(201);
      const [intervention] = started.body.interventions as {
        conversationId: string;
        status: string;
        link: string;
      }[];
      expect(intervention!.status).toBe('initiated');
      expect(intervention!.link).toMatch(/\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
      expect(started.body.skipped).toEqual([
        { customerId: 'cust_missing', reason: 'No such customer in this tenant.' },
      ]);
      const conversationId = intervention!.conversationId;

      // Starting again returns the open session instead of a second one.
      const again = await client.startInterventions(['cust_ada']);
      expect(again.status).toBe(200);
      expect((again.body.interventions as { conversationId: string }[])[0]!.conversationId).toBe(
        conversationId,
      );

      // The verified customer finds the pending conversation and its greeting.
      const pending = await client.pending('cust_ada');
      expect(pending.status).toBe(200);
      expect((pending.body.conversation as { id: string }).id).toBe(conversationId);
      const opened = (await client.conversation(conversationId, 'cust_ada'))
        .body as unknown as ConversationBody;
      expect(opened.conversation.purpose).toBe('recovery');
      const greeting = opened.messages[0]!.content;
      expect(greeting).toContain('Ada');
      expect(greeting).toContain('Visa ending 4242');
      expect(greeting).toContain('$49.00');
      expect(greeting).toContain('November 3');

      // Another customer sees nothing of it.
      expect((await client.conversation(conversationId, 'cust_other')).status).toBe(404);
      expect((await client.pending('cust_other')).body.conversation).toBeNull();

      const reply = await client.send(conversationId, 'cust_ada', 'Sure, update my card');
      const [payment] = paymentParts(reply.chunks);
      expect(payment).toMatchObject({ step: 'payment-requested', mode: 'sandbox' });
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );

      // A malformed card changes nothing.
      const malformed = await client.sandboxConfirm(conversationId, 'cust_ada', '1234');
      expect(malformed.status).toBe(400);
      expect(JSON.stringify(malformed.body)).not.toContain('1234 ');
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );

      // 0341 saves, but the charge is declined: plain words, the form stays open.
      const declined = await client.sandboxConfirm(conversationId, 'cust_ada', '4000000000000341');
      expect(declined.status).toBe(200);
      expect(declined.body.status).toBe('failed');
      expect(declined.body.message).toMatch(/declined/i);
      const afterDecline = await storedConversation(conversationId);
      expect(afterDecline!.recovery).toMatchObject({
        status: 'payment-requested',
        paymentAttempted: true,
      });

      const paid = await client.sandboxConfirm(conversationId, 'cust_ada', '4242424242424242');
      expect(paid).toEqual({ status: 200, body: { status: 'succeeded' } });
      const done = await storedConversation(conversationId);
      expect(done!.recovery).toMatchObject({ status: 'completed', outcome: 'payment-updated' });
      expect(done!.recovery!.resolutionTime).toBeGreaterThan(0);
      expect((await storedCustomer('cust_ada'))!.accountStatus).toBe('resolved');
      const view = sandbox.readCustomer('cust_ada');
      expect(view.invoices.every((invoice) => invoice.status === 'paid')).toBe(true);
      const methods = await storage.paymentMethods.listByCustomer({
        tenantId: tenant.tenant.id,
        customerId: 'cust_ada',
      });
      expect(methods[0]).toMatchObject({
        isDefault: true,
        lastFourDigits: '4242',
        status: 'active',
      });

      // Confirming again is idempotent.
      expect(
        (await client.sandboxConfirm(conversationId, 'cust_ada', '4242424242424242')).body,
      ).toEqual({
        status: 'succeeded',
      });
      const metrics = await client.metrics('?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z');
      expect(metrics.status).toBe(200);
      expect(metrics.body.metrics).toMatchObject({
        totalInterventions: 1,
        successfulResolutions: 1,
      });
      expect(metrics.body.recovery).toMatchObject({
        failedAmount: 49,
        recoveredAmount: 49,
        recoveryRate: 100,
      });
      expect((metrics.body.resolutionTimes as { count: number }).count).toBe(1);
    });

    it('0002 is declined when saved, then 4242 succeeds', async () => {
      const conversationId = await untilCardForm('cust_bob', 'Bob Marley');
      const declined = await client.sandboxConfirm(conversationId, 'cust_bob', '4000000000000002');
      expect(declined.body).toMatchObject({ status: 'failed' });
      expect(declined.body.message).toMatch(/declined/i);
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );
      const paid = await client.sandboxConfirm(conversationId, 'cust_bob', '4242424242424242');
      expect(paid.body).toEqual({ status: 'succeeded' });
    });

    it('3155 needs the bank to confirm: plain words, the form stays for another card', async () => {
      const conversationId = await untilCardForm('cust_cy', 'Cy Twombly');
      const action = await client.sandboxConfirm(conversationId, 'cust_cy', '4000002500003155');
      expect(action.body).toMatchObject({ status: 'failed' });
      expect(action.body.message).toMatch(/bank/i);
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );
      const paid = await client.sandboxConfirm(conversationId, 'cust_cy', '4242424242424242');
      expect(paid.body).toEqual({ status: 'succeeded' });
    });

    it('"not now" ends the session as customer-declined and leaves the customer at-risk', async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_dee', name: 'Dee Dee' });
      const started = await client.startInterventions(['cust_dee']);
      const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
        .conversationId;
      const reply = await client.send(conversationId, 'cust_dee', 'Not now, thanks');
      expect(reply.text.length).toBeGreaterThan(10);
      expect(paymentParts(reply.chunks)).toEqual([]);
      expect((await storedConversation(conversationId))!.recovery).toMatchObject({
        status: 'completed',
        outcome: 'customer-declined',
      });
      expect((await storedCustomer('cust_dee'))!.accountStatus).toBe('at-risk');
    });

    it('abandons a silent session after 180 s (swept on read), unless a payment is processing', async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_eve', name: 'Eve Arden' });
      const started = await client.startInterventions(['cust_eve']);
      const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
        .conversationId;
      await client.send(conversationId, 'cust_eve', 'yes');
      time.advance(180_000);
      expect(((await client.pending('cust_eve')).body.conversation as { id: string }).id).toBe(
        conversationId,
      );
      time.advance(1);
      expect((await client.pending('cust_eve')).body.conversation).toBeNull();
      const stored = await storedConversation(conversationId);
      expect(stored!.recovery).toMatchObject({ status: 'abandoned', outcome: 'abandoned' });
      const late = await client.sandboxConfirm(conversationId, 'cust_eve', '4242424242424242');
      expect(late.status).toBe(409);
      expect((await storedCustomer('cust_eve'))!.accountStatus).toBe('at-risk');
    });

    it('answers "what happened?" from the session facts (card, amount, date), not from the docs', async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_hal', name: 'Hal Foster' });
      const started = await client.startInterventions(['cust_hal']);
      const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
        .conversationId;
      for (const question of [
        'What happened?',
        'Why was my payment declined?',
        'How much do I owe?',
      ]) {
        const reply = await client.send(conversationId, 'cust_hal', question);
        expect(reply.status).toBe(200);
        expect(reply.text).toContain('Visa ending 4242');
        expect(reply.text).toContain('$49.00');
        expect(reply.text).toContain('November 3');
        expect(
          reply.chunks.some(
            ({ chunk }) => typeof chunk !== 'string' && chunk.type === 'source-url',
          ),
        ).toBe(false);
        expect(paymentParts(reply.chunks)).toEqual([]);
      }
      // After a decline, the answer also says what the bank said about the last card.
      const card = await client.send(conversationId, 'cust_hal', 'ok, update it');
      expect(paymentParts(card.chunks)).toHaveLength(1);
      await client.sandboxConfirm(conversationId, 'cust_hal', '4000000000000002');
      const after = await client.send(conversationId, 'cust_hal', 'what happened?');
      expect(after.text).toContain('Visa ending 4242');
      expect(after.text).toMatch(/bank declined the card/i);
    });

    it("measures the resolution time from the customer's first message, not from the operator's click", async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_kai', name: 'Kai Moreau' });
      time.advance(1_000);
      const started = await client.startInterventions(['cust_kai']);
      const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
        .conversationId;
      const startedAt = (await storedConversation(conversationId))!.startedAt;
      // The customer opens the emailed link two hours after the operator started it.
      time.advance(2 * 60 * 60_000);
      await client.send(conversationId, 'cust_kai', 'ok, update my card');
      time.advance(40_000);
      const paid = await client.sandboxConfirm(conversationId, 'cust_kai', '4242424242424242');
      expect(paid.body).toEqual({ status: 'succeeded' });

      // Only this session started in the period: forty seconds of conversation, not two hours.
      const metrics = await client.metrics(
        `?from=${startedAt.toISOString()}&to=2026-12-01T00:00:00Z`,
      );
      expect(metrics.status).toBe(200);
      expect(metrics.body.metrics).toMatchObject({
        totalInterventions: 1,
        successfulResolutions: 1,
        averageResolutionTime: 40,
      });
      const times = metrics.body.resolutionTimes as { count: number; max: number };
      expect(times).toMatchObject({ count: 1, withinBudgetRate: 100 });
      // The manual clock ticks a millisecond per reading.
      expect(times.max).toBeCloseTo(40, 1);
    });

    it("counts the 180 s budget from the customer's last activity, and waits for a customer who has not answered yet", async () => {
      await createAtRiskCustomer(storage, tenant, { id: 'cust_ivy', name: 'Ivy Baker' });
      const started = await client.startInterventions(['cust_ivy']);
      const conversationId = (started.body.interventions as { conversationId: string }[])[0]!
        .conversationId;
      // The operator started it; the customer opens the site an hour later: still pending.
      time.advance(60 * 60_000);
      expect(((await client.pending('cust_ivy')).body.conversation as { id: string }).id).toBe(
        conversationId,
      );
      // Each message restarts the 180 s of silence: 5 minutes of conversation in all.
      await client.send(conversationId, 'cust_ivy', 'what happened?');
      time.advance(150_000);
      await client.send(conversationId, 'cust_ivy', 'how much do I owe?');
      time.advance(150_000);
      const form = await client.send(conversationId, 'cust_ivy', 'ok, let us fix it');
      expect(paymentParts(form.chunks)).toHaveLength(1);
      time.advance(150_000);
      // A card submitted is activity too (declined: the form stays open).
      const declined = await client.sandboxConfirm(conversationId, 'cust_ivy', '4000000000000002');
      expect(declined.body).toMatchObject({ status: 'failed' });
      time.advance(180_000);
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );
      const paid = await client.sandboxConfirm(conversationId, 'cust_ivy', '4242424242424242');
      expect(paid.body).toEqual({ status: 'succeeded' });

      // Silence after the last activity ends it: 180 s is within, 180.001 s is not.
      await createAtRiskCustomer(storage, tenant, { id: 'cust_jo', name: 'Jo March' });
      const second = (
        (await client.startInterventions(['cust_jo'])).body.interventions as {
          conversationId: string;
        }[]
      )[0]!.conversationId;
      time.advance(10 * 60_000);
      await client.send(second, 'cust_jo', 'what happened?');
      time.advance(180_000);
      expect((await client.pending('cust_jo')).body.conversation).not.toBeNull();
      time.advance(1);
      expect((await client.pending('cust_jo')).body.conversation).toBeNull();
      expect((await storedConversation(second))!.recovery).toMatchObject({
        status: 'abandoned',
        outcome: 'abandoned',
      });

      // A session nobody answered waits as long as its signed link lives (7 days), no longer.
      await createAtRiskCustomer(storage, tenant, { id: 'cust_kim', name: 'Kim Gordon' });
      const third = (
        (await client.startInterventions(['cust_kim'])).body.interventions as {
          conversationId: string;
        }[]
      )[0]!.conversationId;
      time.advance(7 * 24 * 60 * 60_000);
      expect(((await client.pending('cust_kim')).body.conversation as { id: string }).id).toBe(
        third,
      );
      time.advance(1);
      expect((await client.pending('cust_kim')).body.conversation).toBeNull();
      expect((await storedConversation(third))!.recovery!.status).toBe('abandoned');
    });

    it('refuses the card step to anonymous visitors and to other customers', async () => {
      const conversationId = await untilCardForm('cust_fay', 'Fay Wray');
      const other = await client.sandboxConfirm(conversationId, 'cust_ada', '4242424242424242');
      expect(other.status).toBe(404);
      const anonymous = await fetch(
        `${server.url}/api/conversations/${conversationId}/payment/sandbox-confirm`,
        {
          method: 'POST',
          headers: {
            authorization: `Bearer ${tenant.publishableKey}`,
            'content-type': 'application/json',
            'x-churn-visitor-id': 'visitor-12345678',
          },
          body: JSON.stringify({
            card: { number: '4242424242424242', expMonth: 12, expYear: 2034, cvc: '123' },
          }),
        },
      );
      expect(anonymous.status).toBe(403);
      expect((await storedConversation(conversationId))!.recovery!.status).toBe(
        'payment-requested',
      );
    });
  });
}
