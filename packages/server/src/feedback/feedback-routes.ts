import type { MessageRecord, StorageV1 } from '@churn/core';
import { z } from 'zod';
import { mayUseConversation } from '../chat/chat-conversations.js';
import { escalationNotifierOf } from '../escalations/escalation-notifier.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { limitParameter, offsetParameter } from '../http/page-query.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import { FeedbackBodySchema, submitFeedback } from './submit-feedback.js';

type Context = RouteContext<ChurnHandlerState>;

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

/** Query of `GET /api/feedback`. */
export const FeedbackListQuerySchema = z.object({
  messageId: z.string().max(128).optional(),
  limit: limitParameter(100, 50),
  offset: offsetParameter,
});

function messageNotFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No message "${id.slice(0, 128)}" for this caller: check the id, and send the same customer token or visitor id that started the conversation.`,
  );
}

async function loadMessage(
  storage: StorageV1,
  tenantId: string,
  id: string | undefined,
): Promise<MessageRecord> {
  const message =
    id !== undefined && idPattern.test(id)
      ? await storage.messages.get({ tenantId, id })
      : undefined;
  if (!message) throw messageNotFound(id ?? '');
  return message;
}

/**
 * The widget's feedback route (wrap it with `withWidgetCors`):
 * `POST /api/messages/:id/feedback` `{ type: 'thumbs_up' | 'thumbs_down', rating?, comment? }`.
 * Only the conversation's owner (the same verified customer, or the same visitor id) may
 * rate its answers (404 for anyone else); a tenant's secret key may, for its user.
 */
export function feedbackWidgetRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/messages/:id/feedback',
      description:
        'Rate an assistant message ({ type: thumbs_up | thumbs_down, rating?: 1-5, comment? }); again to change it.',
      handler: async (context: Context) => {
        const principal = await authenticateRoute(context);
        if (principal.kind === 'platform' || principal.kind === 'admin') {
          throw new HttpError(
            403,
            'forbidden',
            'Feedback comes from the customer who got the answer: send it from the widget (publishable key) or from your server with a secret key.',
          );
        }
        const { storage } = await context.state.services.load();
        const body = await readJsonBody(context.request, {
          schema: FeedbackBodySchema,
          limit: 16 * 1024,
          subject: 'feedback',
        });
        const message = await loadMessage(storage, principal.tenantId, context.params.id);
        const conversation = await storage.conversations.get({
          tenantId: principal.tenantId,
          id: message.conversationId,
        });
        if (!conversation || !(await mayUseConversation(storage, principal, conversation))) {
          throw messageNotFound(message.id);
        }
        if (message.role !== 'assistant') {
          throw new HttpError(
            400,
            'validation_failed',
            "Feedback is for the assistant's answers: this message is not one (role must be assistant).",
          );
        }
        const visitorId = conversation.metadata.visitorId;
        const userId =
          principal.kind === 'publishable'
            ? (principal.customer?.id ?? principal.visitorId)
            : (conversation.userId ?? (typeof visitorId === 'string' ? visitorId : undefined));
        if (userId === undefined) {
          throw new HttpError(
            400,
            'validation_failed',
            'Feedback needs to know who gives it: send the customer token or the "x-churn-visitor-id" header.',
          );
        }
        const result = await submitFeedback({
          storage,
          logger: context.state.logger,
          notifier: escalationNotifierOf(context.state),
          message,
          conversation,
          userId,
          feedback: body,
        });
        return jsonResponse(result, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}

/**
 * The operators' view of feedback (permission `conversations:read`):
 * `GET /api/feedback?messageId&limit&offset` (newest first) and
 * `GET /api/messages/:id/feedback`.
 */
export function feedbackAdminRoutes(): Route<ChurnHandlerState>[] {
  const load = async (context: Context) => {
    const principal = await authenticateRoute(context);
    requirePermission(principal, 'conversations:read');
    const { storage } = await context.state.services.load();
    return { storage, tenantId: principal.tenantId };
  };
  return [
    {
      method: 'GET',
      path: '/api/feedback',
      description: "Feedback on the tenant's answers, newest first (?messageId&limit&offset).",
      handler: async (context) => {
        const { storage, tenantId } = await load(context);
        const query = readQuery(context.url, FeedbackListQuerySchema);
        const feedback = await storage.feedback.list({
          tenantId,
          limit: query.limit + 1,
          offset: query.offset,
          ...(query.messageId ? { messageId: query.messageId } : {}),
        });
        const more = feedback.length > query.limit;
        return jsonResponse(
          {
            feedback: feedback.slice(0, query.limit),
            ...(more ? { nextOffset: query.offset + query.limit } : {}),
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/messages/:id/feedback',
      description: 'The feedback on one message.',
      handler: async (context) => {
        const { storage, tenantId } = await load(context);
        const message = await loadMessage(storage, tenantId, context.params.id);
        const feedback = await storage.feedback.list({
          tenantId,
          messageId: message.id,
          limit: 1000,
        });
        return jsonResponse({ feedback }, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}
