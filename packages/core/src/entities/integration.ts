import { z } from 'zod';
import { integrationPlatforms } from './enums.js';
import {
  alwaysRun,
  expecting,
  IdSchema,
  JsonObjectSchema,
  TimestampSchema,
  WebhookUrlSchema,
} from './fields.js';

/**
 * Where a tenant's escalations go: Slack, Discord or a signed webhook
 * (support-agent seed). `config` is the platform's JSON settings; secrets in it
 * are encrypted by the server, never sent to a browser.
 */
export const IntegrationSchema = z
  .object({
    id: IdSchema,
    tenantId: IdSchema,
    platform: z.enum(integrationPlatforms, {
      error: expecting('must be one of: slack, discord, webhook'),
    }),
    config: JsonObjectSchema,
    /** The endpoint called; https (http only for localhost); required for `webhook`. */
    webhookUrl: WebhookUrlSchema.optional(),
    createdAt: TimestampSchema,
  })
  .superRefine((integration, context) => {
    if (integration.platform === 'webhook' && integration.webhookUrl === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['webhookUrl'],
        message: 'is required when platform is webhook: where should escalations be sent?',
      });
    }
  }, alwaysRun);

/** A validated integration. */
export type Integration = z.output<typeof IntegrationSchema>;
/** What {@link IntegrationSchema} accepts. */
export type IntegrationInput = z.input<typeof IntegrationSchema>;
