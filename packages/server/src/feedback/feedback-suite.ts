import type { FeedbackRecord, StorageV1 } from '@churn/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SupportServer, startSupportServer } from '../escalations/support-test-helpers.js';

/** Feedback end to end over HTTP, against one storage implementation. */
export function describeFeedback(name: string, openStorage: () => Promise<StorageV1>): void {
  describe(`feedback (${name})`, () => {
    let context: SupportServer;

    beforeAll(async () => {
      context = await startSupportServer(await openStorage());
    });
    afterAll(async () => {
      await context?.server.close();
    });

    /** A conversation of `visitor` with one answered question; the answer's id. */
    const answered = async (visitor: string) => {
      const { acme, createConversation, send, storage } = context;
      const id = await createConversation(acme, { visitor });
      await send(acme, id, 'How long do refunds take?', { visitor });
      const messages = await storage.messages.list({
        tenantId: acme.tenant.id,
        conversationId: id,
      });
      const answer = messages.find((message) => message.role === 'assistant');
      const question = messages.find((message) => message.role === 'user');
      return { id, answerId: answer!.id, questionId: question!.id };
    };

    it('stores thumbs, rating and comment, one per user and message; a second vote changes it', async () => {
      const { acme, call, storage } = context;
      const visitor = 'visitor-feedback-1';
      const { answerId } = await answered(visitor);
      const path = `/api/messages/${answerId}/feedback`;

      const first = await call<{ feedback: FeedbackRecord; escalated: boolean }>(
        acme,
        'POST',
        path,
        {
          visitor,
          body: { type: 'thumbs_up', rating: 5 },
        },
      );
      expect(first.status).toBe(200);
      expect(first.body.feedback).toMatchObject({
        messageId: answerId,
        userId: visitor,
        feedbackType: 'thumbs_up',
        rating: 5,
      });
      expect(first.body.escalated).toBe(false);

      const changed = await call<{ feedback: FeedbackRecord }>(acme, 'POST', path, {
        visitor,
        body: { type: 'thumbs_down', rating: 3, comment: 'The steps were out of date.' },
      });
      expect(changed.status).toBe(200);
      expect(changed.body.feedback.id).toBe(first.body.feedback.id);
      expect(changed.body.feedback).toMatchObject({
        feedbackType: 'thumbs_down',
        rating: 3,
        comment: 'The steps were out of date.',
      });

      const listed = await call<{ feedback: FeedbackRecord[] }>(acme, 'GET', path, {
        secret: true,
      });
      expect(listed.status).toBe(200);
      expect(listed.body.feedback).toHaveLength(1);
      expect(listed.body.feedback[0]).toMatchObject({
        feedbackType: 'thumbs_down',
        comment: 'The steps were out of date.',
      });
      const all = await call<{ feedback: FeedbackRecord[] }>(
        acme,
        'GET',
        `/api/feedback?messageId=${answerId}`,
        {
          secret: true,
        },
      );
      expect(all.body.feedback.map((feedback) => feedback.id)).toEqual([first.body.feedback.id]);

      // The metric follows the change: one `feedback` row, now 0 (thumbs down).
      const rows = (
        await storage.analytics.list({ tenantId: acme.tenant.id, metricName: 'feedback' })
      ).filter((row) => row.id === `feedback-${first.body.feedback.id}`);
      expect(rows.map((row) => row.metricValue)).toEqual([0]);
      const ratings = (
        await storage.analytics.list({ tenantId: acme.tenant.id, metricName: 'rating' })
      ).filter((row) => row.id === `rating-${first.body.feedback.id}`);
      expect(ratings.map((row) => row.metricValue)).toEqual([3]);
    });

    it('answers clear validation errors', async () => {
      const { acme, call } = context;
      const visitor = 'visitor-feedback-2';
      const { answerId, questionId } = await answered(visitor);
      const path = `/api/messages/${answerId}/feedback`;
      const cases: [unknown, RegExp][] = [
        [{ type: 'meh' }, /type: must be thumbs_up or thumbs_down/],
        [{ type: 'thumbs_up', rating: 6 }, /rating: must be a whole number from 1 to 5/],
        [{ type: 'thumbs_up', rating: 2.5 }, /rating: must be a whole number from 1 to 5/],
        [{ type: 'thumbs_up', comment: '   ' }, /comment: must not be empty/],
        [
          { type: 'thumbs_up', comment: 'x'.repeat(2001) },
          /comment: must be at most 2000 characters/,
        ],
        [{ type: 'thumbs_up', stars: 5 }, /stars/],
      ];
      for (const [body, message] of cases) {
        const answer = await call(acme, 'POST', path, { visitor, body });
        expect(answer.status).toBe(400);
        expect(answer.body.error?.code).toBe('validation_failed');
        expect(answer.body.error?.message).toMatch(message);
      }
      const onQuestion = await call(acme, 'POST', `/api/messages/${questionId}/feedback`, {
        visitor,
        body: { type: 'thumbs_up' },
      });
      expect(onQuestion.status).toBe(400);
      expect(onQuestion.body.error?.message).toMatch(/assistant/);
    });

    it('only the conversation owner may rate: another visitor, another customer and another tenant get 404; admins read, widgets may not', async () => {
      const { acme, globex, call, createConversation, send, storage } = context;
      const { answerId } = await answered('visitor-feedback-3');
      const path = `/api/messages/${answerId}/feedback`;
      const body = { type: 'thumbs_up' };
      expect(
        (await call(acme, 'POST', path, { visitor: 'visitor-feedback-other', body })).status,
      ).toBe(404);
      expect((await call(acme, 'POST', path, { customer: 'cus_feedback_1', body })).status).toBe(
        404,
      );
      expect(
        (await call(globex, 'POST', path, { visitor: 'visitor-feedback-3', body })).status,
      ).toBe(404);
      expect((await call(globex, 'POST', path, { secret: true, body })).status).toBe(404);
      expect(
        (
          await call(acme, 'POST', '/api/messages/no-such-message/feedback', {
            visitor: 'visitor-feedback-3',
            body,
          })
        ).status,
      ).toBe(404);
      expect((await call(acme, 'GET', path, { visitor: 'visitor-feedback-3' })).status).toBe(403);
      expect((await call(globex, 'GET', path, { secret: true })).status).toBe(404);

      // A verified customer rates their own answer from any device (the visitor id differs).
      const customer = 'cus_feedback_2';
      const id = await createConversation(acme, { customer, visitor: 'device-a-000' });
      await send(acme, id, 'How do I verify webhooks?', { customer, visitor: 'device-a-000' });
      const answer = (
        await storage.messages.list({ tenantId: acme.tenant.id, conversationId: id })
      ).find((message) => message.role === 'assistant')!;
      const own = await call<{ feedback: FeedbackRecord }>(
        acme,
        'POST',
        `/api/messages/${answer.id}/feedback`,
        {
          customer,
          visitor: 'device-b-000',
          body: { type: 'thumbs_up', rating: 4 },
        },
      );
      expect(own.status).toBe(200);
      expect(own.body.feedback.userId).toBe(customer);
      expect(
        (
          await call(acme, 'POST', `/api/messages/${answer.id}/feedback`, {
            visitor: 'device-a-000',
            body,
          })
        ).status,
      ).toBe(404);
    });

    it('a second thumbs down in a conversation hands it to a person (negative_feedback)', async () => {
      const { acme, call, send, storage } = context;
      const visitor = 'visitor-feedback-4';
      const { id, answerId } = await answered(visitor);
      await send(acme, id, 'How do I verify the webhook signature?', { visitor });
      const answers = (
        await storage.messages.list({ tenantId: acme.tenant.id, conversationId: id })
      ).filter((message) => message.role === 'assistant');
      expect(answers).toHaveLength(2);
      const first = await call<{ escalated: boolean }>(
        acme,
        'POST',
        `/api/messages/${answerId}/feedback`,
        {
          visitor,
          body: { type: 'thumbs_down' },
        },
      );
      expect(first.body.escalated).toBe(false);
      const second = await call<{ escalated: boolean }>(
        acme,
        'POST',
        `/api/messages/${answers[1]!.id}/feedback`,
        {
          visitor,
          body: { type: 'thumbs_down', rating: 2 },
        },
      );
      expect(second.body.escalated).toBe(true);
      const escalations = await storage.escalations.list({
        tenantId: acme.tenant.id,
        conversationId: id,
      });
      expect(escalations.map((escalation) => escalation.reason)).toEqual(['negative_feedback']);
      expect((await storage.conversations.get({ tenantId: acme.tenant.id, id }))?.status).toBe(
        'escalated',
      );
    });
  });
}
