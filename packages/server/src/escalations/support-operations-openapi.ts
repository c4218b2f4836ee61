import { z } from 'zod';
import { NewAbTestSchema } from '../ab-tests/ab-test-definition.js';
import { seriesDimensionFilters } from '../analytics/analytics-routes.js';
import { FeedbackListQuerySchema } from '../feedback/feedback-routes.js';
import { FeedbackBodySchema } from '../feedback/submit-feedback.js';
import type { RouteOpenApi, RouteOpenApiResponse } from '../http/router.js';
import {
  EscalateBodySchema,
  EscalationListQuerySchema,
  UpdateEscalationSchema,
} from './escalation-routes.js';

const json = (description: string, schema?: z.ZodType): RouteOpenApiResponse => ({
  description,
  ...(schema ? { schema } : {}),
});
const object = z.looseObject({});
const admin: RouteOpenApi['security'] = ['secret', 'admin'];
const widget: RouteOpenApi['security'] = ['publishable', 'customer', 'secret', 'admin'];

const SeriesQuerySchema = z.object({
  metrics: z.string().describe('Metric slugs separated by commas: `deflection,revenue_retained`.'),
  from: z.string().optional().describe('Start day (ISO date); default 30 days before `to`.'),
  to: z
    .string()
    .optional()
    .describe('End (ISO date, exclusive after rounding up to a whole day); default now.'),
  interval: z.literal('day').optional(),
  ...Object.fromEntries(
    seriesDimensionFilters.map((name) => [
      name,
      z.string().optional().describe(`Only rows whose \`${name}\` dimension is this.`),
    ]),
  ),
});

const Point = z.object({
  date: z.string(),
  count: z.number(),
  sum: z.number(),
  mean: z.number().nullable(),
});

/**
 * OpenAPI metadata of the support operations routes, by `"METHOD /path"`; attached to each
 * route by `supportOperationsRoutes`.
 */
export const supportOperationsOpenApi: Readonly<Record<string, RouteOpenApi>> = {
  'POST /api/messages/:id/feedback': {
    summary: 'Rate an assistant message (one vote per user and message; again to change it).',
    tags: ['feedback'],
    security: ['publishable', 'customer', 'secret'],
    requestBody: FeedbackBodySchema,
    responses: {
      '200': json(
        'The stored feedback, and whether it handed the conversation to a person.',
        z.looseObject({ feedback: object, escalated: z.boolean() }),
      ),
    },
  },
  'GET /api/messages/:id/feedback': {
    summary: 'The feedback on one message.',
    tags: ['feedback'],
    security: admin,
    responses: { '200': json('The feedback.', z.looseObject({ feedback: z.array(object) })) },
  },
  'GET /api/feedback': {
    summary: "Feedback on the tenant's answers, newest first.",
    tags: ['feedback'],
    security: admin,
    query: FeedbackListQuerySchema,
    responses: {
      '200': json(
        'A page of feedback.',
        z.looseObject({ feedback: z.array(object), nextOffset: z.number().optional() }),
      ),
    },
  },
  'POST /api/conversations/:id/escalate': {
    summary:
      'Hand the conversation to a person (the widget for its own conversation, or an operator).',
    tags: ['escalations'],
    security: widget,
    requestBody: EscalateBodySchema,
    responses: {
      '201': json(
        'The new escalation and the handover message.',
        z.looseObject({ escalation: object, created: z.literal(true) }),
      ),
      '200': json(
        'Already with a person: the latest escalation.',
        z.looseObject({ escalation: object, created: z.literal(false) }),
      ),
    },
  },
  'GET /api/escalations': {
    summary: 'The escalation queue, newest first.',
    tags: ['escalations'],
    security: admin,
    query: EscalationListQuerySchema,
    responses: {
      '200': json(
        'A page of escalations.',
        z.looseObject({ escalations: z.array(object), nextOffset: z.number().optional() }),
      ),
    },
  },
  'GET /api/escalations/:id': {
    summary: 'One escalation.',
    tags: ['escalations'],
    security: admin,
    responses: { '200': json('The escalation.', z.looseObject({ escalation: object })) },
  },
  'PATCH /api/escalations/:id': {
    summary: 'Move an escalation through its state machine.',
    tags: ['escalations'],
    security: admin,
    requestBody: UpdateEscalationSchema,
    responses: {
      '200': json('The escalation.', z.looseObject({ escalation: object })),
      '409': json('The state machine refuses the move (`invalid_transition`, with its message).'),
    },
  },
  'GET /api/analytics/series': {
    summary:
      'Metrics per UTC day: count, sum and mean of each metric (deflection beside revenue retained).',
    tags: ['analytics'],
    security: admin,
    query: SeriesQuerySchema,
    responses: {
      '200': json(
        'One series per metric.',
        z.object({
          interval: z.literal('day'),
          from: z.string(),
          to: z.string(),
          series: z.array(
            z.object({
              metric: z.string(),
              points: z.array(Point),
              total: Point.omit({ date: true }),
            }),
          ),
        }),
      ),
    },
  },
  'POST /api/ab-tests': {
    summary: 'Define and start an A/B test (one running test per tenant).',
    tags: ['ab-tests'],
    security: admin,
    requestBody: NewAbTestSchema,
    responses: {
      '201': json('The test with its variants.', z.looseObject({ test: object })),
      '409': json('Another test is running, or the name is taken.'),
    },
  },
  'GET /api/ab-tests': {
    summary: "The tenant's A/B tests.",
    tags: ['ab-tests'],
    security: admin,
    responses: { '200': json('The tests.', z.looseObject({ tests: z.array(object) })) },
  },
  'GET /api/ab-tests/:id': {
    summary: 'One A/B test with its variants.',
    tags: ['ab-tests'],
    security: admin,
    responses: { '200': json('The test.', z.looseObject({ test: object })) },
  },
  'POST /api/ab-tests/:id/end': {
    summary: 'End an A/B test (completed); assignments and results stay.',
    tags: ['ab-tests'],
    security: admin,
    responses: { '200': json('The test.', z.looseObject({ test: object })) },
  },
  'GET /api/ab-tests/:id/results': {
    summary: 'Results per variant with two-proportion z-test p-values against the control.',
    tags: ['ab-tests'],
    security: admin,
    responses: { '200': json('The results.', z.looseObject({ results: object })) },
  },
};
