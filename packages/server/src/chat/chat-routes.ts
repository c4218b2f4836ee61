import {
  ChurnError,
  type ConversationRecord,
  type MessageRecord,
  type StorageV1,
} from '@churn/core';
import { z } from 'zod';
import { operatorOf } from '../admin-conversations/operator-takeover.js';
import { startOperatorTurn } from '../admin-conversations/operator-turn.js';
import { escalationNotifierOf } from '../escalations/escalation-notifier.js';
import type { ChurnHandlerState } from '../handler/create-churn-handler.js';
import { createEventStream } from '../http/event-stream.js';
import { HttpError } from '../http/http-error.js';
import { jsonResponse } from '../http/json-response.js';
import { limitParameter, offsetParameter } from '../http/page-query.js';
import { readJsonBody } from '../http/read-body.js';
import { readQuery } from '../http/read-query.js';
import type { Route, RouteContext } from '../http/router.js';
import { recoveryServiceOf } from '../recovery/recovery-service.js';
import { startRecoveryTurn } from '../recovery/recovery-turn.js';
import {
  authenticateChatRequest,
  type ChatAuthenticator,
  type ChatUsageCounter,
  defaultChatAuthenticator,
  defaultChatUsageCounter,
  type TenantPrincipal,
} from './chat-access.js';
import {
  createChatConversation,
  listCustomerConversations,
  loadOwnConversation,
  toConversationView,
  toMessageView,
  verifiedCustomerIdOf,
} from './chat-conversations.js';
import { type ChatStreamRegistry, createMemoryChatStreamRegistry } from './chat-stream-registry.js';
import {
  type AccountQuestionClassifier,
  classifyQuestion,
  isAccountQuestion,
  type QuestionClassifier,
} from './classify-question.js';
import {
  createKnowledgeBaseCache,
  type KnowledgeBaseCache,
  type KnowledgeBaseCacheSettings,
} from './knowledge-base-cache.js';
import { type ChatTurnServices, startChatTurn } from './run-chat-turn.js';
import { uiMessageStreamHeader, uiMessageStreamVersion } from './ui-message-chunk.js';

/** Settings of the chat API ({@link chatRoutes}); every one is optional. */
export interface ChatSettings {
  /**
   * Who is calling. Default: the identity module's `authenticate` (API key as
   * `authorization: Bearer <key>`, customer token, `x-churn-visitor-id`).
   */
  authenticate?: ChatAuthenticator;
  /**
   * Counts each chat turn against the tenant's quota (429 `quota_exceeded` past it).
   * Default: the tenants module's `checkAndCountUsage`.
   */
  countUsage?: ChatUsageCounter;
  /** The RAG seams of every tenant's knowledge base (language model, embedder, ...). */
  knowledgeBase?: KnowledgeBaseCacheSettings;
  /** Replaces the knowledge bases altogether (`knowledgeBase` is then ignored). */
  knowledgeBases?: KnowledgeBaseCache;
  /** Where replies in progress live (stop, resume). Default: in process. */
  registry?: ChatStreamRegistry;
  /** Decides which questions are about the customer's own billing. */
  classifyQuestion?: QuestionClassifier;
  /**
   * Decides which billing questions of a verified customer who is not handed to payment
   * recovery are answered from their records ("which card do I have on file?"); the others
   * get a docs answer. Default: a heuristic (`isAccountQuestion`).
   */
  isAccountQuestion?: AccountQuestionClassifier;
  /** Longest customer message, in characters. Default 4000. */
  maxMessageLength?: number;
  /** Text deltas are coalesced into one SSE write this often (ms). Default 30. */
  flushIntervalMs?: number;
  /** ... or as soon as this many characters are held. Default 512. */
  flushChars?: number;
  /** Earlier messages given to the model as history. Default 10. */
  historyMessages?: number;
  /**
   * In a conversation an operator has taken over, how long the customer's turn waits for
   * the operator's reply before ending (ms). Default 60000 (docs/chat-api.md, "Operators").
   */
  operatorWaitMs?: number;
}

type Context = RouteContext<ChurnHandlerState>;

const idPattern = /^[A-Za-z0-9_-]{1,128}$/;
const IdSchema = z
  .string({ error: 'must be a string' })
  .regex(idPattern, { error: 'must be 1 to 128 letters, digits, "_" or "-"' });

function textSchema(maxLength: number) {
  return z
    .string({ error: 'must be a string: the customer message' })
    .trim()
    .min(1, { error: 'must not be empty: send the customer message' })
    .max(maxLength, { error: `must be at most ${maxLength} characters` });
}

/** Body of `POST /api/conversations`. */
export const CreateConversationSchema = z.strictObject({
  purpose: z
    .literal('support', { error: 'must be "support" (operators start recovery conversations)' })
    .optional(),
  /** Secret keys only: the customer the conversation is for. */
  customerId: IdSchema.optional(),
});

/** Query of `GET /api/conversations`. */
export const PageSchema = z.object({
  limit: limitParameter(100, 20),
  offset: offsetParameter,
  customerId: IdSchema.optional(),
});

/** Query of `GET /api/conversations/:id`: a page of messages, counted from the newest. */
export const MessagePageSchema = z.object({
  limit: limitParameter(1000, 1000),
  before: z
    .string({ error: 'must be a message id' })
    .min(1, { error: 'must be a message id' })
    .max(256, { error: 'must be at most 256 characters' })
    .optional(),
});

const UIPartSchema = z.looseObject({ type: z.string({ error: 'must be a string' }) });
const UIMessageSchema = z.looseObject({
  id: z.string({ error: 'must be a string' }).max(256, { error: 'must be at most 256 characters' }),
  role: z.enum(['system', 'user', 'assistant'], { error: 'must be system, user or assistant' }),
  parts: z.array(UIPartSchema, { error: 'must be an array of parts' }).max(200, {
    error: 'must have at most 200 parts',
  }),
});
/** Body of `POST /api/chat` (the AI SDK transport). */
export const ChatRequestSchema = z.looseObject({
  id: IdSchema,
  messages: z
    .array(UIMessageSchema, { error: 'must be an array of UI messages' })
    .min(1, { error: 'must hold at least the new user message' })
    .max(500, { error: 'must hold at most 500 messages' }),
  trigger: z
    .enum(['submit-message', 'regenerate-message'], {
      error: 'must be submit-message or regenerate-message',
    })
    .default('submit-message'),
  messageId: z.string({ error: 'must be a string' }).max(256).optional(),
});

function checkPathId(id: string | undefined): string {
  if (id === undefined || !idPattern.test(id)) {
    throw new HttpError(
      404,
      'not_found',
      'No such conversation: ids are 1 to 128 letters, digits, "_" or "-".',
    );
  }
  return id;
}

/**
 * A page of a conversation's messages, oldest first: the newest `limit` of those before the
 * `before` cursor (all of them without it), and `nextBefore`, the cursor of the page before
 * it, while there are older messages.
 *
 * @throws HttpError 400 when `before` is not the id of a message of this conversation.
 */
async function readMessagePage(
  storage: StorageV1,
  conversation: ConversationRecord,
  query: z.output<typeof MessagePageSchema>,
): Promise<{ messages: MessageRecord[]; nextBefore?: string }> {
  const { tenantId, id: conversationId } = conversation;
  if (query.before !== undefined) {
    const cursor = await storage.messages.get({ tenantId, id: query.before });
    if (cursor?.conversationId !== conversationId) {
      throw new HttpError(
        400,
        'validation_failed',
        'Invalid query: before: is not a message of this conversation; pass the nextBefore of the page you have, or leave it out for the newest messages.',
      );
    }
  }
  const older = (before: string | undefined, limit: number) =>
    storage.messages.list({
      tenantId,
      conversationId,
      newest: true,
      limit,
      ...(before === undefined ? {} : { before }),
    });
  const messages = await older(query.before, query.limit);
  const first = messages[0];
  // A full page may have older messages behind it: one row tells.
  if (!first || messages.length < query.limit || (await older(first.id, 1)).length === 0) {
    return { messages };
  }
  return { messages, nextBefore: first.id };
}

/** An empty body counts as `{}` (POST /api/conversations with nothing to say). */
async function readOptionalJson<TSchema extends z.ZodType>(
  request: Request,
  schema: TSchema,
): Promise<z.output<TSchema>> {
  const length = request.headers.get('content-length');
  if (request.body === null || length === '0') {
    const result = schema.safeParse({});
    if (result.success) return result.data;
  }
  return (await readJsonBody(request, { schema, limit: 16 * 1024 })) as z.output<TSchema>;
}

function eventStreamResponse(stream: AsyncIterable<string>, request: Request): Response {
  return createEventStream(
    async (writer) => {
      for await (const data of stream) {
        if (!(await writer.send({ data }))) return;
      }
    },
    {
      signal: request.signal,
      init: { headers: { [uiMessageStreamHeader]: uiMessageStreamVersion } },
    },
  );
}

/**
 * The chat API: conversations, messages streamed as the Vercel AI SDK's UI message stream
 * over SSE (so `useChat` with `DefaultChatTransport` works unchanged), stop and resume.
 *
 * | route | what |
 * | --- | --- |
 * | `POST /api/conversations` | start a support conversation |
 * | `GET /api/conversations` | the verified customer's conversations, newest first |
 * | `GET /api/conversations/:id` | a conversation and its messages (its owner only) |
 * | `POST /api/conversations/:id/messages` | `{ text }`: store it, stream the reply |
 * | `POST /api/chat` | the AI SDK transport's request: `{ id, messages, trigger }` |
 * | `POST /api/conversations/:id/stop` | stop the reply in progress |
 * | `GET /api/chat/:id/stream` | resume the reply in progress (204 when none) |
 */
export function chatRoutes(settings: ChatSettings = {}): Route<ChurnHandlerState>[] {
  const authenticate = settings.authenticate ?? defaultChatAuthenticator;
  const countUsage = settings.countUsage ?? defaultChatUsageCounter;
  const registry = settings.registry ?? createMemoryChatStreamRegistry();
  const knowledgeBases =
    settings.knowledgeBases ?? createKnowledgeBaseCache(settings.knowledgeBase);
  const maxMessageLength = settings.maxMessageLength ?? 4000;
  const MessageBodySchema = z.strictObject({
    text: textSchema(maxMessageLength),
    messageId: z.string({ error: 'must be a string' }).max(256).optional(),
  });
  const bodyLimit = Math.max(16 * 1024, maxMessageLength * 8);

  const open = async (context: Context) => {
    const { storage } = await context.state.services.load();
    const principal = await authenticateChatRequest(context, authenticate);
    return { storage, principal };
  };
  const turnServices = (storage: StorageV1, context: Context): ChatTurnServices => ({
    storage,
    registry,
    knowledgeBases,
    classifyQuestion: settings.classifyQuestion ?? classifyQuestion,
    isAccountQuestion: settings.isAccountQuestion ?? isAccountQuestion,
    logger: context.state.logger,
    flushIntervalMs: settings.flushIntervalMs ?? 30,
    flushChars: settings.flushChars ?? 512,
    historyMessages: settings.historyMessages ?? 10,
    notifier: escalationNotifierOf(context.state),
    recovery: recoveryServiceOf(context.state),
  });
  const streamTurn = async (
    context: Context,
    storage: StorageV1,
    principal: TenantPrincipal,
    turn: Omit<Parameters<typeof startChatTurn>[1], 'principal'>,
  ): Promise<Response> => {
    const services = turnServices(storage, context);
    const input = { ...turn, principal };
    // An operator has the conversation: no model runs, the turn waits for their reply.
    const operator = operatorOf(turn.conversation);
    if (operator) {
      const { stream } = await startOperatorTurn(
        services,
        input,
        operator,
        settings.operatorWaitMs,
      );
      return eventStreamResponse(stream, context.request);
    }
    // Recovery conversations are answered by the payment-recovery engine.
    const { stream } =
      turn.conversation.purpose === 'recovery'
        ? await startRecoveryTurn(services, input, context.state, (next) =>
            startChatTurn(services, next),
          )
        : await startChatTurn(services, input);
    return eventStreamResponse(stream, context.request);
  };

  return [
    {
      method: 'POST',
      path: '/api/conversations',
      description: 'Start a support conversation (publishable or secret key).',
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const body = await readOptionalJson(context.request, CreateConversationSchema);
        if (body.customerId !== undefined && principal.kind === 'publishable') {
          throw new HttpError(
            403,
            'forbidden',
            'The widget cannot name a customer: send the customer identity token instead (customerId is for secret keys).',
          );
        }
        const conversation = await createChatConversation(storage, principal, {
          ...(body.customerId === undefined ? {} : { customerId: body.customerId }),
        });
        return jsonResponse(
          { conversation: toConversationView(conversation) },
          { status: 201, headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/conversations',
      description: "The verified customer's conversations, most recent first (?limit, ?offset).",
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const page = readQuery(context.url, PageSchema);
        let customerId: string;
        if (principal.kind === 'publishable') {
          if (!principal.customer) {
            throw new HttpError(
              403,
              'forbidden',
              'Listing conversations needs a verified customer: send the customer identity token your backend signed.',
            );
          }
          customerId = principal.customer.id;
        } else {
          if (page.customerId === undefined) {
            throw new HttpError(
              400,
              'validation_failed',
              'Name the customer whose conversations to list: ?customerId=...',
            );
          }
          customerId = page.customerId;
        }
        // The verified id may be the tenant's own id or the Stripe id of a Customer record:
        // that customer's linked conversations (an operator-started recovery) are theirs too.
        const linkedCustomerId = await verifiedCustomerIdOf(storage, principal);
        const conversations = await listCustomerConversations(storage, {
          tenantId: principal.tenantId,
          customerId,
          ...(linkedCustomerId === undefined ? {} : { linkedCustomerId }),
          limit: page.limit + 1,
          offset: page.offset,
        });
        const more = conversations.length > page.limit;
        return jsonResponse(
          {
            conversations: conversations.slice(0, page.limit),
            ...(more ? { nextOffset: page.offset + page.limit } : {}),
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'GET',
      path: '/api/conversations/:id',
      description:
        'A conversation and its messages, the newest 1,000 or ?limit (its owner only); ?before=nextBefore pages back.',
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const conversation = await loadOwnConversation(
          storage,
          principal,
          checkPathId(context.params.id),
        );
        const { messages, nextBefore } = await readMessagePage(
          storage,
          conversation,
          readQuery(context.url, MessagePageSchema),
        );
        const streaming = await registry.isActive({
          tenantId: principal.tenantId,
          conversationId: conversation.id,
        });
        return jsonResponse(
          {
            conversation: toConversationView(conversation),
            messages: messages.map(toMessageView),
            streaming,
            ...(nextBefore === undefined ? {} : { nextBefore }),
          },
          { headers: { 'cache-control': 'no-store' } },
        );
      },
    },
    {
      method: 'POST',
      path: '/api/conversations/:id/messages',
      description: "Send the customer's message ({ text }); the reply streams as SSE.",
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const id = checkPathId(context.params.id);
        const body = await readJsonBody(context.request, {
          schema: MessageBodySchema,
          limit: bodyLimit,
          subject: 'message',
        });
        const conversation = await loadOwnConversation(storage, principal, id);
        await countUsage({ storage, tenantId: principal.tenantId });
        return streamTurn(context, storage, principal, {
          conversation,
          text: body.text,
          ...(body.messageId === undefined ? {} : { clientMessageId: body.messageId }),
        });
      },
    },
    {
      method: 'POST',
      path: '/api/chat',
      description: "The AI SDK's DefaultChatTransport endpoint: { id, messages, trigger }.",
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const body = await readJsonBody(context.request, {
          schema: ChatRequestSchema,
          subject: 'chat request',
        });
        const last = body.messages.at(-1)!;
        const text = last.parts
          .filter((part): part is { type: 'text'; text: string } => {
            return part.type === 'text' && typeof part.text === 'string';
          })
          .map((part) => part.text)
          .join('\n');
        const parsed = textSchema(maxMessageLength).safeParse(text);
        if (last.role !== 'user' || !parsed.success) {
          throw new HttpError(
            400,
            'validation_failed',
            last.role !== 'user'
              ? 'The last message must be the user message to answer (role "user").'
              : `The last user message needs text parts with 1 to ${maxMessageLength} characters.`,
          );
        }
        await countUsage({ storage, tenantId: principal.tenantId });
        let conversation = await storage.conversations.get({
          tenantId: principal.tenantId,
          id: body.id,
        });
        if (!conversation) {
          try {
            conversation = await createChatConversation(storage, principal, { id: body.id });
          } catch (error) {
            if (ChurnError.isInstance(error) && error.code === 'conflict') {
              throw new HttpError(409, 'conflict', 'This chat id is taken: start a new chat.');
            }
            throw error;
          }
        } else {
          conversation = await loadOwnConversation(storage, principal, body.id);
        }
        return streamTurn(context, storage, principal, {
          conversation,
          text: parsed.data,
          clientMessageId: last.id,
          regenerate: body.trigger === 'regenerate-message',
        });
      },
    },
    {
      method: 'POST',
      path: '/api/conversations/:id/stop',
      description: 'Stop the reply in progress; what it wrote so far is kept.',
      handler: async (context) => {
        const { storage, principal } = await open(context);
        const conversation = await loadOwnConversation(
          storage,
          principal,
          checkPathId(context.params.id),
        );
        const stopped = await registry.stop({
          tenantId: principal.tenantId,
          conversationId: conversation.id,
        });
        return jsonResponse({ stopped }, { headers: { 'cache-control': 'no-store' } });
      },
    },
    ...['/api/chat/:id/stream', '/api/conversations/:id/stream'].map(
      (path): Route<ChurnHandlerState> => ({
        method: 'GET',
        path,
        description:
          'Resume the reply in progress from its start (SSE), or 204 when none is streaming.',
        handler: async (context) => {
          const { storage, principal } = await open(context);
          const conversation = await loadOwnConversation(
            storage,
            principal,
            checkPathId(context.params.id),
          );
          const stream = await registry.read({
            tenantId: principal.tenantId,
            conversationId: conversation.id,
          });
          if (!stream) {
            return new Response(null, { status: 204, headers: { 'cache-control': 'no-store' } });
          }
          return eventStreamResponse(stream, context.request);
        },
      }),
    ),
  ];
}
