import { z } from 'zod';
import { NewAbTestSchema } from '../ab-tests/ab-test-definition.js';
import {
  ChatRequestSchema,
  CreateConversationSchema,
  MessagePageSchema,
  PageSchema,
} from '../chat/chat-routes.js';
import {
  EscalateBodySchema,
  EscalationListQuerySchema,
  UpdateEscalationSchema,
} from '../escalations/escalation-routes.js';
import { FeedbackBodySchema } from '../feedback/submit-feedback.js';
import type { RouteOpenApi } from '../http/router.js';
import {
  RefreshTokenSchema,
  SignInSchema,
  UpdateAdminUserSchema,
} from '../identity/identity-routes.js';
import {
  CreateIntegrationSchema,
  UpdateIntegrationSchema,
} from '../integrations/integration-service.js';
import { InterventionRulesSchema } from '../interventions/intervention-rules.js';
import { UpdateRetentionPolicySchema } from '../retention/retention-policy.js';
import {
  CreateApiKeySchema,
  CreateTenantSchema,
  NewAdminUserSchema,
  PageQuerySchema,
  RotateApiKeySchema,
  UpdateOwnTenantSchema,
  UpdateTenantSchema,
} from '../tenants/tenant-schemas.js';

const json = (description: string, schema?: z.ZodType) => ({
  description,
  ...(schema ? { schema } : {}),
});
const object = z.looseObject({});
const stream = {
  description:
    'The reply as the AI SDK UI message stream (SSE, `x-vercel-ai-ui-message-stream: v1`), ending with `data: [DONE]`.',
  contentType: 'text/event-stream',
};
const MessageBodySchema = z.strictObject({
  text: z
    .string()
    .min(1)
    .max(4000)
    .describe('The customer message (at most `maxMessageLength`, default 4000).'),
  messageId: z.string().max(256).optional(),
});
const TenantView = z.looseObject({ id: z.string(), name: z.string() });
const KeyView = z.looseObject({
  id: z.string(),
  prefix: z.string(),
  scope: z.enum(['secret', 'publishable']),
});
const AdminUserView = z.looseObject({ id: z.string(), email: z.string(), role: z.string() });

/** One part of a stored message (`MessagePartView`), shaped like an AI SDK `UIMessage` part. */
export const MessagePartSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string(), state: z.literal('done') }),
  z.object({
    type: z.literal('source-url'),
    sourceId: z.string(),
    url: z.string(),
    title: z.string().optional(),
  }),
  z.object({
    type: z.literal('data-confidence'),
    data: z.object({ score: z.number(), escalate: z.boolean() }),
  }),
  z
    .object({
      type: z.literal('data-recovery'),
      data: z.object({ conversationId: z.string() }),
    })
    .describe('The reply handed the customer to this recovery conversation: go on there.'),
]);

/** A stored message as `GET /api/conversations/:id` shows it (`MessageView`). */
const MessageView = z.looseObject({
  id: z.string(),
  role: z.string(),
  content: z.string(),
  createdAt: z.string(),
  state: z.enum(['complete', 'stopped', 'failed']),
  parts: z.array(MessagePartSchema),
});

/**
 * OpenAPI metadata of the built-in routes, by `"METHOD /path"`. A route can instead carry
 * its own `openapi` field (`Route.openapi`), which wins. The OpenAPI test fails for any
 * registered route documented in neither place, naming the route and this file.
 */
export const routeDocumentation: Readonly<Record<string, RouteOpenApi>> = {
  'GET /healthz': {
    summary: 'Readiness: 200 once storage is open and migrated, 503 while it is not.',
    tags: ['service'],
    security: [],
    responses: {
      '200': json('Ready.', z.object({ status: z.literal('ok') })),
      '503': json('Storage is not ready yet (with `retry-after`).'),
    },
  },
  'GET /api': {
    summary: 'The index of the HTTP API: every route with a one-line description.',
    tags: ['service'],
    security: [],
    responses: {
      '200': json(
        'The routes.',
        z.object({
          name: z.string(),
          basePath: z.string(),
          routes: z.array(
            z.object({ method: z.string(), path: z.string(), description: z.string().optional() }),
          ),
        }),
      ),
    },
  },
  'GET /api/openapi.json': {
    summary: 'This OpenAPI 3.1 document.',
    tags: ['service'],
    security: [],
    responses: { '200': json('The OpenAPI document.', object) },
  },
  // Chat (widget routes: CORS for the tenant's allowed origins).
  'POST /api/conversations': {
    summary: 'Start a support conversation.',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    requestBody: CreateConversationSchema,
    responses: { '201': json('The conversation.', z.looseObject({ conversation: object })) },
  },
  'GET /api/conversations': {
    summary: "The verified customer's conversations, most recent first.",
    tags: ['chat'],
    security: ['customer', 'secret'],
    query: PageSchema,
    responses: {
      '200': json(
        'A page of conversations.',
        z.looseObject({ conversations: z.array(object), nextOffset: z.number().optional() }),
      ),
    },
  },
  'GET /api/conversations/:id': {
    summary:
      'A conversation and a page of its messages, oldest first: the newest `limit` (default 1,000) before `before` (its owner only).',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    query: MessagePageSchema,
    responses: {
      '200': json(
        'The conversation with `messages` (AI SDK `UIMessage` parts); `nextBefore` while older messages remain.',
        z.looseObject({
          conversation: object,
          messages: z.array(MessageView),
          streaming: z.boolean(),
          nextBefore: z.string().optional(),
        }),
      ),
    },
  },
  'POST /api/conversations/:id/messages': {
    summary: 'Store the customer message and stream the reply.',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    requestBody: MessageBodySchema,
    responses: { '200': stream },
  },
  'POST /api/chat': {
    summary:
      "The AI SDK transport's request (`{ id, messages, trigger }`): store the last user message, stream the reply.",
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    requestBody: ChatRequestSchema,
    responses: { '200': stream },
  },
  'POST /api/conversations/:id/stop': {
    summary: 'Stop the reply in progress; the partial answer is stored.',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    responses: { '200': json('Whether a reply was stopped.', z.object({ stopped: z.boolean() })) },
  },
  'GET /api/chat/:id/stream': {
    summary: 'Resume the reply in progress from its start (the AI SDK `resumeStream()` path).',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    responses: { '200': stream, '204': { description: 'Nothing is streaming.' } },
  },
  'GET /api/conversations/:id/stream': {
    summary: 'Resume the reply in progress from its start.',
    tags: ['chat'],
    security: ['publishable', 'customer', 'secret'],
    responses: { '200': stream, '204': { description: 'Nothing is streaming.' } },
  },
  // Tenants (platform key).
  'POST /api/tenants': {
    summary: 'Create a tenant; its keys and identity secret are in this answer only.',
    tags: ['tenants'],
    security: ['platform'],
    requestBody: CreateTenantSchema,
    responses: {
      '201': json('The tenant and its one-time secrets.', z.looseObject({ tenant: TenantView })),
    },
  },
  'GET /api/tenants': {
    summary: 'List tenants.',
    tags: ['tenants'],
    security: ['platform'],
    query: PageQuerySchema,
    responses: {
      '200': json('A page of tenants.', z.looseObject({ tenants: z.array(TenantView) })),
    },
  },
  'GET /api/tenants/:tenantId': {
    summary: "One tenant and this month's usage.",
    tags: ['tenants'],
    security: ['platform'],
    responses: { '200': json('The tenant.', z.looseObject({ tenant: TenantView })) },
  },
  'PATCH /api/tenants/:tenantId': {
    summary: 'Change name, usage quota, branding or allowed origins.',
    tags: ['tenants'],
    security: ['platform'],
    requestBody: UpdateTenantSchema,
    responses: { '200': json('The tenant.', z.looseObject({ tenant: TenantView })) },
  },
  'DELETE /api/tenants/:tenantId': {
    summary: 'Delete a tenant and everything it owns.',
    tags: ['tenants'],
    security: ['platform'],
    responses: { '200': json('Deleted.', object) },
  },
  // The caller's own tenant.
  'GET /api/tenant': {
    summary: "The caller's tenant: settings and this month's usage.",
    tags: ['tenant'],
    security: ['secret', 'admin'],
    responses: { '200': json('The tenant with `usage`.', z.looseObject({ tenant: TenantView })) },
  },
  'PATCH /api/tenant': {
    summary: "Change the caller's tenant: name, branding, allowed origins.",
    tags: ['tenant'],
    security: ['secret', 'admin'],
    requestBody: UpdateOwnTenantSchema,
    responses: { '200': json('The tenant.', z.looseObject({ tenant: TenantView })) },
  },
  'POST /api/tenant/identity-secret/rotate': {
    summary:
      'Replace the identity secret (shown once); tokens signed with the old one stop working.',
    tags: ['tenant'],
    security: ['secret', 'admin'],
    responses: {
      '200': json('The new identity secret.', z.looseObject({ identitySecret: z.string() })),
    },
  },
  'GET /api/keys': {
    summary: "The tenant's API keys (prefix, scope, status; never the key).",
    tags: ['keys'],
    security: ['secret', 'admin'],
    responses: { '200': json('The keys.', z.looseObject({ apiKeys: z.array(KeyView) })) },
  },
  'POST /api/keys': {
    summary: 'Create an API key; the key is in this answer only.',
    tags: ['keys'],
    security: ['secret', 'admin'],
    requestBody: CreateApiKeySchema,
    responses: {
      '201': json(
        'The key record and the key.',
        z.looseObject({ apiKey: KeyView, key: z.string() }),
      ),
    },
  },
  'POST /api/keys/:id/revoke': {
    summary: 'Revoke an API key now.',
    tags: ['keys'],
    security: ['secret', 'admin'],
    responses: { '200': json('The revoked key.', z.looseObject({ apiKey: KeyView })) },
  },
  'POST /api/keys/:id/rotate': {
    summary:
      'A new key of the same scope (shown once); the old one revoked now or after a grace period.',
    tags: ['keys'],
    security: ['secret', 'admin'],
    requestBody: RotateApiKeySchema,
    responses: { '201': json('The new key and the old key record.', object) },
  },
  'GET /api/widget/config': {
    summary:
      "The widget's settings (name, greeting, branding) and whether the customer is verified.",
    tags: ['widget'],
    security: ['publishable', 'customer'],
    responses: { '200': json('The widget configuration.', object) },
  },
  // Operators: sign-in and admin users.
  'POST /api/auth/sign-in': {
    summary: 'Sign in an operator: access token (15 min) and refresh token (7 days).',
    tags: ['auth'],
    security: [],
    requestBody: SignInSchema,
    responses: {
      '200': json(
        'The tokens and the admin user.',
        z.looseObject({ accessToken: z.string(), refreshToken: z.string() }),
      ),
    },
  },
  'POST /api/auth/refresh': {
    summary: 'Trade a refresh token (single use) for new tokens.',
    tags: ['auth'],
    security: [],
    requestBody: RefreshTokenSchema,
    responses: {
      '200': json(
        'New tokens.',
        z.looseObject({ accessToken: z.string(), refreshToken: z.string() }),
      ),
    },
  },
  'POST /api/auth/sign-out': {
    summary: 'End the session of a refresh token.',
    tags: ['auth'],
    security: [],
    requestBody: RefreshTokenSchema,
    responses: { '200': json('Signed out.', z.object({ signedOut: z.boolean() })) },
  },
  'GET /api/auth/me': {
    summary: 'Who the credentials belong to, and what they may do.',
    tags: ['auth'],
    security: ['publishable', 'secret', 'admin', 'platform'],
    responses: { '200': json('The principal and its permissions.', object) },
  },
  'GET /api/admin-users': {
    summary: 'Admin users of the tenant (admin role).',
    tags: ['admin-users'],
    security: ['secret', 'admin'],
    responses: { '200': json('The users.', z.looseObject({ adminUsers: z.array(AdminUserView) })) },
  },
  'POST /api/admin-users': {
    summary: 'Add an admin user with a role and a password (admin role).',
    tags: ['admin-users'],
    security: ['secret', 'admin'],
    requestBody: NewAdminUserSchema,
    responses: { '201': json('The user.', z.looseObject({ adminUser: AdminUserView })) },
  },
  'GET /api/admin-users/:id': {
    summary: 'One admin user (admin role).',
    tags: ['admin-users'],
    security: ['secret', 'admin'],
    responses: { '200': json('The user.', z.looseObject({ adminUser: AdminUserView })) },
  },
  'PATCH /api/admin-users/:id': {
    summary: 'Change name, email, role or password of an admin user (admin role).',
    tags: ['admin-users'],
    security: ['secret', 'admin'],
    requestBody: UpdateAdminUserSchema,
    responses: { '200': json('The user.', z.looseObject({ adminUser: AdminUserView })) },
  },
  'DELETE /api/admin-users/:id': {
    summary: 'Remove an admin user and end their sessions (admin role).',
    tags: ['admin-users'],
    security: ['secret', 'admin'],
    responses: { '200': json('Deleted.', object) },
  },
  // Feedback and escalations.
  'POST /api/messages/:id/feedback': {
    summary:
      'Rate an assistant message (thumbs, optional 1-5 rating and comment); again to change it.',
    tags: ['feedback'],
    security: ['publishable', 'customer', 'secret', 'admin'],
    requestBody: FeedbackBodySchema,
    responses: {
      '200': json('The stored feedback.', object),
      '201': json('The stored feedback.', object),
    },
  },
  'GET /api/messages/:id/feedback': {
    summary: 'The feedback on one message.',
    tags: ['feedback'],
    security: ['secret', 'admin'],
    responses: { '200': json('The feedback.', object) },
  },
  'GET /api/feedback': {
    summary: "Feedback on the tenant's answers, newest first (?messageId&limit&offset).",
    tags: ['feedback'],
    security: ['secret', 'admin'],
    responses: { '200': json('A page of feedback.', object) },
  },
  'POST /api/conversations/:id/escalate': {
    summary:
      'Hand the conversation to a person ({ reason }): the customer from the widget, or an operator.',
    tags: ['escalations'],
    security: ['publishable', 'customer', 'secret', 'admin'],
    requestBody: EscalateBodySchema,
    responses: { '200': json('The escalation.', object), '201': json('The escalation.', object) },
  },
  'GET /api/escalations': {
    summary: 'The escalation queue, newest first.',
    tags: ['escalations'],
    security: ['secret', 'admin'],
    query: EscalationListQuerySchema,
    responses: { '200': json('A page of escalations.', object) },
  },
  'GET /api/escalations/:id': {
    summary: 'One escalation.',
    tags: ['escalations'],
    security: ['secret', 'admin'],
    responses: { '200': json('The escalation.', object) },
  },
  'PATCH /api/escalations/:id': {
    summary:
      'Move an escalation (pending, resolved, closed; a ticket id); illegal moves answer 409.',
    tags: ['escalations'],
    security: ['secret', 'admin'],
    requestBody: UpdateEscalationSchema,
    responses: { '200': json('The escalation.', object), '409': json('An illegal transition.') },
  },
  // Analytics and A/B tests.
  'GET /api/analytics/series': {
    summary:
      'Metrics per UTC day (?metrics=deflection,revenue_retained&from&to&interval=day, dimension filters).',
    tags: ['analytics'],
    security: ['secret', 'admin'],
    responses: { '200': json('The series.', object) },
  },
  'POST /api/ab-tests': {
    summary: 'Define and start an A/B test ({ name, variants: [{ name, weight, settings }] }).',
    tags: ['ab-tests'],
    security: ['secret', 'admin'],
    requestBody: NewAbTestSchema,
    responses: { '201': json('The test.', object) },
  },
  'GET /api/ab-tests': {
    summary: "The tenant's A/B tests.",
    tags: ['ab-tests'],
    security: ['secret', 'admin'],
    responses: { '200': json('The tests.', object) },
  },
  'GET /api/ab-tests/:id': {
    summary: 'One A/B test with its variants.',
    tags: ['ab-tests'],
    security: ['secret', 'admin'],
    responses: { '200': json('The test.', object) },
  },
  'POST /api/ab-tests/:id/end': {
    summary: 'End an A/B test: no new assignments, variants stop applying; results stay.',
    tags: ['ab-tests'],
    security: ['secret', 'admin'],
    responses: { '200': json('The ended test.', object) },
  },
  'GET /api/ab-tests/:id/results': {
    summary: 'Results per variant, with two-proportion z-test p-values against the control.',
    tags: ['ab-tests'],
    security: ['secret', 'admin'],
    responses: { '200': json('The results.', object) },
  },
  // Integrations and retention.
  'GET /api/integrations': {
    summary:
      "The tenant's integrations (Slack, Discord, signed webhooks); no URL tokens, no secrets.",
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('The integrations.', object) },
  },
  'POST /api/integrations': {
    summary: 'Create an integration; a signed webhook answers its signing secret once.',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    requestBody: CreateIntegrationSchema,
    responses: { '201': json('The integration.', object) },
  },
  'GET /api/integrations/:id': {
    summary: 'One integration.',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('The integration.', object) },
  },
  'PATCH /api/integrations/:id': {
    summary:
      'Change name, webhookUrl, enabled or config; { rotateSigningSecret: true } answers a new secret once.',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    requestBody: UpdateIntegrationSchema,
    responses: { '200': json('The integration.', object) },
  },
  'DELETE /api/integrations/:id': {
    summary: 'Delete an integration and its delivery log.',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('Deleted.', object) },
  },
  'POST /api/integrations/:id/test': {
    summary: 'Send a test message now; answers the delivery (delivered, or dead with its error).',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('The delivery.', object) },
  },
  'GET /api/integrations/:id/deliveries': {
    summary: 'The delivery log: status, attempts, last error (?status=&limit=&offset=).',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('A page of deliveries.', object) },
  },
  'POST /api/integrations/:id/deliveries/:deliveryId/retry': {
    summary: 'Send a dead delivery again, with a fresh set of attempts.',
    tags: ['integrations'],
    security: ['secret', 'admin'],
    responses: { '200': json('The delivery.', object) },
  },
  'GET /api/retention': {
    summary: "The tenant's retention periods (days) and the defaults.",
    tags: ['retention'],
    security: ['secret', 'admin'],
    responses: { '200': json('The periods.', object) },
  },
  'PATCH /api/retention': {
    summary: 'Change retention periods in days (admin role).',
    tags: ['retention'],
    security: ['secret', 'admin'],
    requestBody: UpdateRetentionPolicySchema,
    responses: { '200': json('The periods.', object) },
  },
  // Payment recovery.
  'GET /api/recovery/pending': {
    summary: "The verified customer's open recovery conversation, if any.",
    tags: ['recovery'],
    security: ['customer'],
    responses: { '200': json('The conversation, or none.', object) },
  },
  'POST /api/conversations/:id/payment/confirm': {
    summary:
      'Confirm the card step (`{ setupIntentId }`): the server verifies the SetupIntent with Stripe and pays the open invoice.',
    tags: ['recovery'],
    security: ['customer'],
    responses: {
      '200': json('The outcome.', object),
      '402': json('The card was declined: try another.'),
    },
  },
  'POST /api/conversations/:id/payment/sandbox-confirm': {
    summary: 'Confirm the card step with the sandbox demo card form (sandbox mode only).',
    tags: ['recovery'],
    security: ['customer'],
    responses: {
      '200': json('The outcome.', object),
      '402': json('The card was declined: try another.'),
    },
  },
  'GET /api/recovery/metrics': {
    summary:
      'Recovery metrics of a period (?from&to&variant): interventions, resolutions, times, revenue.',
    tags: ['recovery'],
    security: ['secret', 'admin'],
    responses: { '200': json('The metrics.', object) },
  },
  'POST /api/interventions': {
    summary: 'Start a recovery conversation for each at-risk customer (`{ customerIds }`).',
    tags: ['recovery'],
    security: ['secret', 'admin'],
    responses: {
      '200': json('What was started.', object),
      '201': json('What was started.', object),
    },
  },
  'GET /api/intervention-rules': {
    summary: "The tenant's rules that start recovery conversations on their own.",
    tags: ['recovery'],
    security: ['secret', 'admin'],
    responses: { '200': json('The rules.', object) },
  },
  'PUT /api/intervention-rules': {
    summary: "Replace the tenant's intervention rules.",
    tags: ['recovery'],
    security: ['secret', 'admin'],
    requestBody: InterventionRulesSchema,
    responses: { '200': json('The rules.', object) },
  },
  'POST /api/webhooks/stripe/:tenantId': {
    summary: "Stripe's webhook endpoint of a tenant (raw body, `Stripe-Signature` verified).",
    tags: ['webhooks'],
    security: [],
    responses: {
      '200': json('Received (each event applied once).', object),
      '400': json('The signature does not verify.'),
    },
  },
  'GET /r/:token': {
    summary: 'The hosted recovery page of a signed link (HTML, loads the widget).',
    tags: ['recovery'],
    security: [],
    responses: { '200': { description: 'The page.', contentType: 'text/html' } },
  },
  'GET /r/assets/:file': {
    summary: "The widget's built files for the hosted recovery page.",
    tags: ['recovery'],
    security: [],
    responses: { '200': { description: 'The file.', contentType: 'application/javascript' } },
  },
};
