import {
  type ConversationRecord,
  type ConversationStatus,
  type EscalationStatus,
  type EscalationStatusEvent,
  escalationStatuses,
  type StorageV1,
  transitionConversationStatus,
  transitionEscalationStatus,
} from '@churn/core';
import { z } from 'zod';
import { publishConsoleEvent } from '../admin-conversations/console-events.js';
import { loadOwnConversation } from '../chat/chat-conversations.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { limitParameter, offsetParameter } from '../http/page-query.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import type { Principal } from '../identity/principal.js';
import { escalateConversation } from './escalate-conversation.js';
import { escalationNotifierOf } from './escalation-notifier.js';

type Context = RouteContext<ChurnHandlerState>;

const reasonSchema = z
  .string({ error: 'must be a reason slug like customer_request' })
  .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, {
    error: 'must be a lowercase slug like customer_request (letters, digits, - or _)',
  })
  .max(100, { error: 'must be at most 100 characters' });

/** Body of `POST /api/conversations/:id/escalate`. */
export const EscalateBodySchema = z.strictObject({ reason: reasonSchema.optional() });

/** Body of `PATCH /api/escalations/:id`. */
export const UpdateEscalationSchema = z.strictObject({
  status: z.enum(escalationStatuses, { error: 'must be one of: pending, resolved, closed' }),
  ticketId: z
    .string({ error: 'must be text' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(100, { error: 'must be at most 100 characters' })
    .nullable()
    .optional(),
});

/** Query of `GET /api/escalations`. */
export const EscalationListQuerySchema = z.object({
  status: z
    .enum(escalationStatuses, { error: 'must be one of: pending, resolved, closed' })
    .optional(),
  conversationId: z.string().max(128).optional(),
  limit: limitParameter(100, 50),
  offset: offsetParameter,
});

/** The escalation event that leads to `status` (the PATCH body names the target status). */
const eventFor: Readonly<Record<EscalationStatus, EscalationStatusEvent>> = {
  pending: 'reopen',
  resolved: 'resolve',
  closed: 'close',
};

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;

function escalationNotFound(id: string): HttpError {
  return new HttpError(
    404,
    'not_found',
    `No escalation "${id.slice(0, 128)}" in this tenant: check the id.`,
  );
}

async function readOptionalBody(request: Request): Promise<z.output<typeof EscalateBodySchema>> {
  if (request.body === null || request.headers.get('content-length') === '0') return {};
  return readJsonBody(request, { schema: EscalateBodySchema, limit: 4096, subject: 'escalation' });
}

/**
 * The conversation a caller may escalate: the widget its own (404 otherwise, like the chat
 * API), an operator or secret key any of the tenant's with `escalations:write`.
 */
async function loadEscalatable(
  storage: StorageV1,
  principal: Principal,
  id: string,
): Promise<ConversationRecord> {
  if (principal.kind === 'publishable') {
    if (!idPattern.test(id)) throw new HttpError(404, 'not_found', 'No such conversation.');
    return loadOwnConversation(storage, principal, id);
  }
  requirePermission(principal, 'escalations:write');
  const conversation = idPattern.test(id)
    ? await storage.conversations.get({ tenantId: principal.tenantId, id })
    : undefined;
  if (!conversation) {
    throw new HttpError(
      404,
      'not_found',
      `No conversation "${id.slice(0, 128)}" in this tenant: check the id.`,
    );
  }
  return conversation;
}

/**
 * The widget's escalation route (wrap it with `withWidgetCors`):
 * `POST /api/conversations/:id/escalate` `{ reason? }`.
 */
export function escalationWidgetRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'POST',
      path: '/api/conversations/:id/escalate',
      description:
        'Hand the conversation to a person ({ reason }): the customer from the widget, or an operator.',
      handler: async (context: Context) => {
        const principal = await authenticateRoute(context);
        if (principal.kind === 'platform') requirePermission(principal, 'escalations:write');
        const { storage } = await context.state.services.load();
        const body = await readOptionalBody(context.request);
        const conversation = await loadEscalatable(storage, principal, context.params.id ?? '');
        const reason =
          body.reason ?? (principal.kind === 'publishable' ? 'customer_request' : 'operator');
        const result = await escalateConversation({
          storage,
          conversation,
          reason,
          logger: context.state.logger,
          notifier: escalationNotifierOf(context.state),
          announce: true,
        });
        return jsonResponse(
          {
            escalation: result.escalation,
            conversation: { id: result.conversation.id, status: result.conversation.status },
            created: result.created,
            ...(result.message
              ? {
                  message: {
                    id: result.message.id,
                    role: 'assistant',
                    content: result.message.content,
                  },
                }
              : {}),
          },
          { status: result.created ? 201 : 200, headers: { 'cache-control': 'no-store' } },
        );
      },
    },
  ];
}

/**
 * The operators' escalation queue:
 *
 * | route | permission | what |
 * | --- | --- | --- |
 * | `GET /api/escalations?status=&conversationId=&limit&offset` | `conversations:read` | newest first |
 * | `GET /api/escalations/:id` | `conversations:read` | one escalation |
 * | `PATCH /api/escalations/:id` `{ status, ticketId? }` | `escalations:write` | through the escalation state machine; an illegal move is 409 with the machine's message |
 */
export function escalationAdminRoutes(): Route<ChurnHandlerState>[] {
  const load = async (context: Context, permission: 'conversations:read' | 'escalations:write') => {
    const principal = await authenticateRoute(context);
    requirePermission(principal, permission);
    const { storage } = await context.state.services.load();
    return { storage, tenantId: principal.tenantId };
  };
  const get = async (storage: StorageV1, tenantId: string, id: string | undefined) => {
    const escalation =
      id !== undefined && idPattern.test(id)
        ? await storage.escalations.get({ tenantId, id })
        : undefined;
    if (!escalation) throw escalationNotFound(id ?? '');
    return escalation;
  };
  return [
    {
      method: 'GET',
      path: '/api/escalations',
      description:
        'The escalation queue, newest first (?status=pending&conversationId&limit&offset).',
      handler: async (context) => {
        const { storage, tenantId } = await load(context, 'conversations:read');
        const query = readQuery(context.url, EscalationListQuerySchema);
        const escalations = await storage.escalations.list({
          tenantId,
          limit: query.limit + 1,
          offset: query.offset,
          ...(query.status ? { status: query.status } : {}),
          ...(query.conversationId ? { conversationId: query.conversationId } : {}),
        });
        const more = escalations.length > query.limit;
        return jsonResponse(
          {
            escalations: escalations.slice(0, query.limit),
            ...(more ? { nextOffset: query.offset + query.limit } : {}),
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/escalations/:id',
      description: 'One escalation.',
      handler: async (context) => {
        const { storage, tenantId } = await load(context, 'conversations:read');
        const escalation = await get(storage, tenantId, context.params.id);
        return jsonResponse({ escalation }, { headers: { 'cache-control': 'no-store' } });
      },
    },
    {
      method: 'PATCH',
      path: '/api/escalations/:id',
      description:
        'Move an escalation ({ status: pending | resolved | closed, ticketId? }); illegal moves answer 409.',
      handler: async (context) => {
        const { storage, tenantId } = await load(context, 'escalations:write');
        const body = await readJsonBody(context.request, {
          schema: UpdateEscalationSchema,
          limit: 4096,
          subject: 'escalation change',
        });
        const escalation = await get(storage, tenantId, context.params.id);
        const status = transitionEscalationStatus(escalation.status, eventFor[body.status]);
        const updated = await storage.transaction(async (repositories) => {
          const next = await repositories.escalations.update({
            tenantId,
            id: escalation.id,
            changes: {
              ...(status === escalation.status ? {} : { status }),
              ...(body.ticketId === undefined ? {} : { ticketId: body.ticketId }),
            },
          });
          await followConversation(repositories, tenantId, escalation.conversationId, status);
          return next;
        });
        publishConsoleEvent(storage, {
          type: 'escalation.updated',
          tenantId,
          data: {
            conversationId: updated.conversationId,
            escalationId: updated.id,
            status: updated.status,
          },
        });
        return jsonResponse({ escalation: updated }, { headers: { 'cache-control': 'no-store' } });
      },
    },
  ];
}

/**
 * Keeps the conversation in step: when its last open escalation is resolved or closed, a
 * person hands it back to the assistant (`hand-back`); a reopened escalation escalates an
 * active conversation again. A closed conversation is left closed.
 */
async function followConversation(
  repositories: Pick<StorageV1, 'conversations' | 'escalations'>,
  tenantId: string,
  conversationId: string,
  status: EscalationStatus,
): Promise<void> {
  const conversation = await repositories.conversations.get({ tenantId, id: conversationId });
  if (!conversation || conversation.status === 'closed') return;
  let next: ConversationStatus = conversation.status;
  if (status === 'pending') next = transitionConversationStatus(conversation.status, 'escalate');
  else {
    const open = await repositories.escalations.list({
      tenantId,
      conversationId,
      status: 'pending',
      limit: 1,
    });
    if (open.length === 0) next = transitionConversationStatus(conversation.status, 'hand-back');
  }
  if (next !== conversation.status) {
    await repositories.conversations.update({
      tenantId,
      id: conversationId,
      changes: { status: next },
    });
  }
}
