import { z } from 'zod';
import { consoleDbOf } from '../customers/console-db.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { createEventStream } from '../http/event-stream.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext, RouteOpenApi } from '../http/router.js';
import { authenticateRoute } from '../identity/authenticate.js';
import { requirePermission } from '../identity/permissions.js';
import {
  AdminConversationListQuerySchema,
  listAdminConversations,
  toTranscriptMessage,
} from './admin-conversation-list.js';
import { type ConsoleEvent, consoleEventsOf } from './console-events.js';
import {
  handBackConversation,
  operatorFor,
  operatorOf,
  postOperatorMessage,
  takeOverConversation,
} from './operator-takeover.js';

type Context = RouteContext<ChurnHandlerState>;

const noStore = { 'cache-control': 'no-store' };
const idPattern = /^[A-Za-z0-9_-]{1,128}$/;
const object = z.looseObject({});
const admin: RouteOpenApi['security'] = ['secret', 'admin'];

/** Body of `POST /api/admin/conversations/:id/messages`. */
export const OperatorMessageSchema = z.strictObject({
  text: z
    .string({ error: 'must be a string: the reply to the customer' })
    .trim()
    .min(1, { error: 'must not be empty: write the reply' })
    .max(4000, { error: 'must be at most 4000 characters' }),
});

/** How often the live events stream sends a `: ping` comment (ms). */
export const consoleEventPingMs = 15_000;

async function loadConversation(
  context: Context,
  permission: 'conversations:read' | 'conversations:write',
) {
  const principal = await authenticateRoute(context);
  requirePermission(principal, permission);
  const { storage } = await context.state.services.load();
  const id = context.params.id ?? '';
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
  return { principal, storage, conversation };
}

/**
 * `GET /api/admin/events` authenticates like every admin route, and also takes the admin
 * access token as `?access_token=` (a browser's `EventSource` cannot set headers). Only an
 * admin access token (short-lived, 15 minutes) is accepted there: API keys never go in URLs.
 */
async function authenticateEvents(context: Context) {
  const token = context.url.searchParams.get('access_token');
  if (token === null || context.request.headers.has('authorization')) {
    return authenticateRoute(context);
  }
  const headers = new Headers(context.request.headers);
  headers.set('authorization', `Bearer ${token}`);
  const principal = await authenticateRoute({
    ...context,
    request: new Request(context.request.url, { headers, signal: context.request.signal }),
  });
  if (principal.kind !== 'admin') {
    throw new HttpError(
      400,
      'validation_failed',
      'Only an admin access token may be passed as ?access_token= (it is short-lived); send API keys in the Authorization header.',
    );
  }
  return principal;
}

/**
 * The console's live conversations:
 *
 * | route | who | what |
 * | --- | --- | --- |
 * | `GET /api/admin/conversations` | `conversations:read` | list, newest activity first, keyset paging |
 * | `GET /api/admin/conversations/:id` | `conversations:read` | the transcript |
 * | `GET /api/admin/events` | `conversations:read` | live events (SSE) of the tenant |
 * | `POST /api/admin/conversations/:id/takeover` | `conversations:write` | an operator takes the thread |
 * | `POST /api/admin/conversations/:id/messages` | `conversations:write` | the operator's reply |
 * | `POST /api/admin/conversations/:id/handback` | `conversations:write` | back to the assistant |
 */
export function adminConversationRoutes(): Route<ChurnHandlerState>[] {
  return [
    {
      method: 'GET',
      path: '/api/admin/conversations',
      description: "The tenant's conversations for operators (?status, ?kind, ?cursor).",
      openapi: {
        summary: 'List conversations, most recently active first (keyset paging).',
        tags: ['console'],
        security: admin,
        query: AdminConversationListQuerySchema,
        responses: {
          '200': {
            description: 'A page of conversations.',
            schema: z.looseObject({
              conversations: z.array(object),
              nextCursor: z.string().nullable(),
            }),
          },
        },
      },
      handler: async (context) => {
        const principal = await authenticateRoute(context);
        requirePermission(principal, 'conversations:read');
        const query = readQuery(context.url, AdminConversationListQuerySchema);
        const db = await consoleDbOf(context.state);
        const page = await listAdminConversations(db, principal.tenantId, query);
        return jsonResponse(page, { headers: noStore });
      },
    },
    {
      method: 'GET',
      path: '/api/admin/conversations/:id',
      description:
        'One conversation with its transcript (the newest 1,000 messages), for operators.',
      openapi: {
        summary: 'A conversation and its transcript (operator messages have role `operator`).',
        tags: ['console'],
        security: admin,
        responses: {
          '200': {
            description: 'The conversation and its newest 1,000 messages, oldest first.',
            schema: z.looseObject({ conversation: object, messages: z.array(object) }),
          },
        },
      },
      handler: async (context) => {
        const { storage, conversation } = await loadConversation(context, 'conversations:read');
        const messages = await storage.messages.list({
          tenantId: conversation.tenantId,
          conversationId: conversation.id,
          newest: true,
          limit: 1000,
        });
        const customer = conversation.customerId
          ? await storage.customers.get({
              tenantId: conversation.tenantId,
              id: conversation.customerId,
            })
          : undefined;
        const visitorId = conversation.metadata.visitorId;
        const operator = operatorOf(conversation);
        return jsonResponse(
          {
            conversation: {
              id: conversation.id,
              kind: conversation.purpose,
              status: conversation.status,
              customer: customer ? { id: customer.id, name: customer.name } : null,
              visitorId: typeof visitorId === 'string' ? visitorId : null,
              operator: operator
                ? { id: operator.id, name: operator.name, since: operator.since }
                : null,
              ...(conversation.recovery ? { recovery: conversation.recovery } : {}),
              startedAt: conversation.startedAt.toISOString(),
              lastActivityAt: conversation.lastActivity.toISOString(),
              ...(conversation.endedAt ? { endedAt: conversation.endedAt.toISOString() } : {}),
            },
            messages: messages.map(toTranscriptMessage),
          },
          { headers: noStore },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/admin/events',
      description:
        "Live events of the tenant's conversations (SSE; ?access_token= for EventSource).",
      openapi: {
        summary: 'Live events (SSE): conversations, messages and escalations of the tenant.',
        description:
          'Events `conversation.created`, `conversation.updated`, `message.created`, `escalation.created`, `escalation.updated`, each `data:` a JSON object with `conversationId`; a `: ping` comment every 15 s. `EventSource` cannot set headers: pass the admin access token (short-lived) as `?access_token=`; API keys only in the Authorization header.',
        tags: ['console'],
        security: admin,
        query: z.object({
          access_token: z.string().optional().describe('An admin access token, for EventSource.'),
        }),
        responses: {
          '200': { description: 'The event stream.', contentType: 'text/event-stream' },
        },
      },
      handler: async (context) => {
        const principal = await authenticateEvents(context);
        requirePermission(principal, 'conversations:read');
        const { storage } = await context.state.services.load();
        const bus = await consoleEventsOf(storage, context.state.logger);
        return createEventStream(
          async (writer) => {
            const queue: ConsoleEvent[] = [];
            let wake: (() => void) | undefined;
            const unsubscribe = bus.subscribe(principal.tenantId, (event) => {
              queue.push(event);
              wake?.();
            });
            const ping = setInterval(() => {
              void writer.comment('ping');
            }, consoleEventPingMs);
            const aborted = new Promise<void>((resolve) => {
              writer.signal.addEventListener('abort', () => resolve(), { once: true });
            });
            try {
              await writer.comment('connected');
              while (!writer.signal.aborted) {
                const event = queue.shift();
                if (event) {
                  if (!(await writer.send({ event: event.type, data: event.data }))) return;
                  continue;
                }
                await Promise.race([
                  new Promise<void>((resolve) => {
                    wake = resolve;
                  }),
                  aborted,
                ]);
                wake = undefined;
              }
            } finally {
              clearInterval(ping);
              unsubscribe();
            }
          },
          { signal: context.request.signal, heartbeatMs: 0, init: { headers: noStore } },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/admin/conversations/:id/takeover',
      description: 'An operator takes the conversation over: the assistant stops answering it.',
      openapi: {
        summary: 'Take a conversation over: the assistant stops answering, the operator replies.',
        tags: ['console'],
        security: admin,
        responses: {
          '200': {
            description: 'The conversation, with its operator.',
            schema: z.looseObject({ conversation: object }),
          },
        },
      },
      handler: async (context) => {
        const { principal, storage, conversation } = await loadConversation(
          context,
          'conversations:write',
        );
        const operator = await operatorFor(storage, principal);
        const updated = await takeOverConversation(storage, conversation, operator);
        return jsonResponse(
          {
            conversation: {
              id: updated.id,
              status: updated.status,
              operator: operatorOf(updated) ?? null,
            },
          },
          { headers: noStore },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/admin/conversations/:id/messages',
      description: "The operator's reply ({ text }): stored and pushed to the customer.",
      openapi: {
        summary: "Reply as the operator: stored, and streamed to the customer's waiting turn.",
        description:
          'The conversation must be taken over first (409 otherwise). The customer sees an assistant-side message labelled with the operator name (`author` in GET /api/conversations/{id}, a `data-operator` part on the stream).',
        tags: ['console'],
        security: admin,
        requestBody: OperatorMessageSchema,
        responses: {
          '201': { description: 'The stored message.', schema: z.looseObject({ message: object }) },
          '409': { description: 'The conversation is not taken over (take it over first).' },
        },
      },
      handler: async (context) => {
        const { principal, storage, conversation } = await loadConversation(
          context,
          'conversations:write',
        );
        const body = await readJsonBody(context.request, {
          schema: OperatorMessageSchema,
          limit: 32 * 1024,
          subject: 'operator message',
        });
        if (!operatorOf(conversation)) {
          throw new HttpError(
            409,
            'conflict',
            'Take the conversation over first (POST /api/admin/conversations/{id}/takeover): the assistant is answering it.',
          );
        }
        const operator = await operatorFor(storage, principal);
        const message = await postOperatorMessage(storage, conversation, operator, body.text);
        return jsonResponse(
          { message: toTranscriptMessage(message) },
          { status: 201, headers: noStore },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/admin/conversations/:id/handback',
      description: 'Give the conversation back to the assistant.',
      openapi: {
        summary: 'Hand a conversation back to the assistant.',
        tags: ['console'],
        security: admin,
        responses: {
          '200': {
            description: 'The conversation, without operator.',
            schema: z.looseObject({ conversation: object }),
          },
        },
      },
      handler: async (context) => {
        const { storage, conversation } = await loadConversation(context, 'conversations:write');
        const updated = operatorOf(conversation)
          ? await handBackConversation(storage, conversation)
          : conversation;
        return jsonResponse(
          { conversation: { id: updated.id, status: updated.status, operator: null } },
          { headers: noStore },
        );
      },
    },
  ];
}
