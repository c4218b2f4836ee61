import type { EscalationRecord, StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  alreadyEscalatedText,
  escalateConversation,
  handoverText,
} from './escalate-conversation.js';
import type { EscalationNotifier } from './escalation-notifier.js';
import { dataParts, type SupportServer, startSupportServer } from './support-test-helpers.js';

/** Escalations end to end over HTTP, against one storage implementation. */
export function describeEscalations(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`escalations (${name})`, () => {
    let context: SupportServer;

    beforeAll(async () => {
      context = await startSupportServer(await openStorage());
    });
    afterAll(async () => {
      await context?.server.close();
    });

    const conversationStatus = async (tenantId: string, id: string) =>
      (await context.storage.conversations.get({ tenantId, id }))?.status;

    it('a customer asking for a person gets the handover, no model call, an escalation and an escalated conversation', async () => {
      const { acme, createConversation, send, model, call } = context;
      const visitor = 'visitor-human-1';
      const id = await createConversation(acme, { visitor });
      const calls = model.prompts.length;
      const reply = await send(acme, id, 'Can I talk to a human please?', { visitor });
      expect(model.prompts.length).toBe(calls);
      expect(reply.text).toBe(handoverText);
      const [part] = dataParts(reply.received, 'data-escalation');
      expect(part?.data.reason).toBe('customer_request');
      expect(typeof part?.data.escalationId).toBe('string');
      expect(await conversationStatus(acme.tenant.id, id)).toBe('escalated');
      const queue = await call<{ escalations: EscalationRecord[] }>(
        acme,
        'GET',
        `/api/escalations?status=pending&conversationId=${id}`,
        { secret: true },
      );
      expect(queue.status).toBe(200);
      expect(queue.body.escalations.map((escalation) => escalation.reason)).toEqual([
        'customer_request',
      ]);

      // Asking again files nothing new (the conversation machine's no-op).
      const again = await send(acme, id, 'Agent please!', { visitor });
      expect(model.prompts.length).toBe(calls);
      expect(again.text).toBe(alreadyEscalatedText);
      expect(dataParts(again.received, 'data-escalation')).toHaveLength(0);
      const after = await context.storage.escalations.list({
        tenantId: acme.tenant.id,
        conversationId: id,
      });
      expect(after).toHaveLength(1);
    });

    it('frustration words hand over after the answer', async () => {
      const { acme, createConversation, send } = context;
      const visitor = 'visitor-upset-1';
      const id = await createConversation(acme, { visitor });
      const reply = await send(acme, id, 'This is useless, how long do refunds take?!', {
        visitor,
      });
      expect(reply.text.endsWith(handoverText)).toBe(true);
      expect(reply.text.length).toBeGreaterThan(handoverText.length);
      expect(dataParts(reply.received, 'data-escalation')[0]?.data.reason).toBe('user_frustration');
      expect(await conversationStatus(acme.tenant.id, id)).toBe('escalated');
    });

    it('the third similar question in a row hands over (repeated rephrasing)', async () => {
      const { acme, createConversation, send } = context;
      const visitor = 'visitor-rephrase-1';
      const id = await createConversation(acme, { visitor });
      for (const question of ['How long do refunds take?', 'How long does a refund take?']) {
        const reply = await send(acme, id, question, { visitor });
        expect(dataParts(reply.received, 'data-confidence')[0]?.data.escalate).toBe(false);
        expect(dataParts(reply.received, 'data-escalation')).toHaveLength(0);
      }
      const third = await send(acme, id, 'How long will my refund take?', { visitor });
      expect(dataParts(third.received, 'data-escalation')[0]?.data.reason).toBe(
        'repeated_rephrasing',
      );
      const escalations = await context.storage.escalations.list({
        tenantId: acme.tenant.id,
        conversationId: id,
      });
      expect(escalations.map((escalation) => escalation.reason)).toEqual(['repeated_rephrasing']);
    });

    it('a low-confidence answer records an escalation and tells the customer', async () => {
      const { acme, createConversation, send } = context;
      const visitor = 'visitor-unsure-1';
      const id = await createConversation(acme, { visitor });
      const reply = await send(acme, id, 'What is the airspeed velocity of an unladen swallow?', {
        visitor,
      });
      const [confidence] = dataParts(reply.received, 'data-confidence');
      expect(confidence?.data.escalate).toBe(true);
      const [part] = dataParts(reply.received, 'data-escalation');
      expect(part?.data).toMatchObject({
        reason: 'low_confidence',
        confidence: confidence?.data.score,
      });
      expect(reply.text.endsWith(handoverText)).toBe(true);
      const stored = await context.storage.messages.list({
        tenantId: acme.tenant.id,
        conversationId: id,
      });
      expect(stored.at(-1)?.content.endsWith(handoverText)).toBe(true);
      expect(await conversationStatus(acme.tenant.id, id)).toBe('escalated');
    });

    it('POST /api/conversations/:id/escalate: the owner from the widget, an operator with the secret key; nobody else', async () => {
      const { acme, globex, createConversation, call } = context;
      const visitor = 'visitor-button-1';
      const id = await createConversation(acme, { visitor });
      const stranger = await call(acme, 'POST', `/api/conversations/${id}/escalate`, {
        visitor: 'visitor-stranger-1',
        body: { reason: 'customer_request' },
      });
      expect(stranger.status).toBe(404);
      const otherTenant = await call(globex, 'POST', `/api/conversations/${id}/escalate`, {
        secret: true,
        body: {},
      });
      expect(otherTenant.status).toBe(404);
      const bad = await call(acme, 'POST', `/api/conversations/${id}/escalate`, {
        visitor,
        body: { reason: 'Not A Slug' },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error?.message).toMatch(/reason/);

      const owner = await call<{
        escalation: EscalationRecord;
        created: boolean;
        message: { content: string };
      }>(acme, 'POST', `/api/conversations/${id}/escalate`, {
        visitor,
        body: { reason: 'low_confidence' },
      });
      expect(owner.status).toBe(201);
      expect(owner.body.escalation).toMatchObject({ reason: 'low_confidence', status: 'pending' });
      expect(owner.body.message.content).toBe(handoverText);
      const again = await call<{ created: boolean }>(
        acme,
        'POST',
        `/api/conversations/${id}/escalate`,
        {
          secret: true,
          body: { reason: 'operator' },
        },
      );
      expect(again.status).toBe(200);
      expect(again.body.created).toBe(false);

      const operatorConversation = await createConversation(acme, {
        visitor: 'visitor-operator-1',
      });
      const operator = await call<{ escalation: EscalationRecord }>(
        acme,
        'POST',
        `/api/conversations/${operatorConversation}/escalate`,
        { secret: true, body: {} },
      );
      expect(operator.status).toBe(201);
      expect(operator.body.escalation.reason).toBe('operator');
    });

    it('PATCH /api/escalations/:id follows the state machine: resolve hands back, closed is final (409)', async () => {
      const { acme, globex, createConversation, call } = context;
      const id = await createConversation(acme, { visitor: 'visitor-patch-1' });
      const created = await call<{ escalation: EscalationRecord }>(
        acme,
        'POST',
        `/api/conversations/${id}/escalate`,
        {
          secret: true,
          body: { reason: 'operator' },
        },
      );
      const escalationId = created.body.escalation.id;
      const path = `/api/escalations/${escalationId}`;

      expect(
        (await call(globex, 'PATCH', path, { secret: true, body: { status: 'resolved' } })).status,
      ).toBe(404);
      expect((await call(globex, 'GET', path, { secret: true })).status).toBe(404);
      expect(
        (
          await call(acme, 'PATCH', path, {
            visitor: 'visitor-patch-1',
            body: { status: 'resolved' },
          })
        ).status,
      ).toBe(403);
      expect(
        (await call(acme, 'GET', '/api/escalations', { visitor: 'visitor-patch-1' })).status,
      ).toBe(403);
      const invalid = await call(acme, 'PATCH', path, { secret: true, body: { status: 'done' } });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error?.message).toMatch(
        /status: must be one of: pending, resolved, closed/,
      );

      const resolved = await call<{ escalation: EscalationRecord }>(acme, 'PATCH', path, {
        secret: true,
        body: { status: 'resolved', ticketId: 'ZD-1042' },
      });
      expect(resolved.status).toBe(200);
      expect(resolved.body.escalation).toMatchObject({ status: 'resolved', ticketId: 'ZD-1042' });
      expect(await conversationStatus(acme.tenant.id, id)).toBe('active');

      const reopened = await call<{ escalation: EscalationRecord }>(acme, 'PATCH', path, {
        secret: true,
        body: { status: 'pending' },
      });
      expect(reopened.body.escalation.status).toBe('pending');
      expect(await conversationStatus(acme.tenant.id, id)).toBe('escalated');

      expect(
        (await call(acme, 'PATCH', path, { secret: true, body: { status: 'closed' } })).status,
      ).toBe(200);
      const illegal = await call(acme, 'PATCH', path, {
        secret: true,
        body: { status: 'resolved' },
      });
      expect(illegal.status).toBe(409);
      expect(illegal.body.error).toEqual({
        code: 'invalid_transition',
        message:
          'EscalationStatus cannot apply "resolve" while "closed": a closed escalation is final; escalate the conversation again to open a new one',
      });
      const closed = await call<{ escalations: EscalationRecord[] }>(
        acme,
        'GET',
        `/api/escalations?status=closed`,
        {
          secret: true,
        },
      );
      expect(closed.body.escalations.map((escalation) => escalation.id)).toContain(escalationId);
    });

    it('calls the notifier once per new escalation, and a failing notifier does not undo it', async () => {
      const { acme, storage } = context;
      const conversation = await storage.conversations.create({
        tenantId: acme.tenant.id,
        purpose: 'support',
        sessionId: 'session-notify-1',
      });
      const calls: [string, string][] = [];
      const notifier: EscalationNotifier = {
        notify: async (escalation, escalated) => {
          calls.push([escalation.id, escalated.status]);
          throw new Error('Slack is down');
        },
      };
      const warnings: string[] = [];
      const logger = { error: (message: string) => void warnings.push(message), warn: () => {} };
      const first = await escalateConversation({
        storage,
        conversation,
        reason: 'operator',
        logger,
        notifier,
      });
      expect(first.created).toBe(true);
      expect(calls).toEqual([[first.escalation.id, 'escalated']]);
      expect(warnings).toEqual(['The escalation notifier failed; the escalation is stored.']);
      const second = await escalateConversation({
        storage,
        conversation,
        reason: 'operator',
        logger,
        notifier,
      });
      expect(second.created).toBe(false);
      expect(calls).toHaveLength(1);
    });
  });
}
