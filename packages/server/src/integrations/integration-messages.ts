import type { ConversationRecord, EscalationRecord } from '@churn/core';
import type { DecryptedIntegration } from './integration-service.js';
import {
  deliveryIdHeader,
  eventHeader,
  signatureHeader,
  signatureHeaderValue,
} from './webhook-signature.js';

/** What a message about an escalation says. */
export interface EscalationSummary {
  escalation: Pick<EscalationRecord, 'id' | 'reason' | 'status' | 'escalatedAt'> & {
    ticketId?: string;
  };
  conversation: Pick<
    ConversationRecord,
    'id' | 'purpose' | 'status' | 'startedAt' | 'lastActivity'
  > & {
    customerId?: string;
    userId?: string;
  };
  /** The customer's last words, at most 500 characters. */
  lastCustomerMessage?: string;
  /** The conversation in the console, when a console URL is configured. */
  consoleLink?: string;
}

/** The event a delivery carries. */
export type DeliveryEvent =
  | { type: 'escalation.created'; summary: EscalationSummary }
  | { type: 'integration.test' };

/** The request to send to a receiver. */
export interface ReceiverRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function headline(summary: EscalationSummary): string {
  return `Escalation (${summary.escalation.reason.replace(/_/g, ' ')}) in a ${summary.conversation.purpose} conversation`;
}

function slackBody(event: DeliveryEvent): unknown {
  if (event.type === 'integration.test') {
    return { text: 'Test from Churn: this channel will receive escalations.' };
  }
  const { summary } = event;
  const lines = [
    `*${slackEscape(headline(summary))}*`,
    `Conversation \`${summary.conversation.id}\` (${summary.conversation.status})${summary.conversation.customerId ? `, customer \`${slackEscape(summary.conversation.customerId)}\`` : ''}`,
    ...(summary.lastCustomerMessage
      ? [`> ${slackEscape(summary.lastCustomerMessage).replace(/\n/g, '\n> ')}`]
      : []),
    ...(summary.consoleLink ? [`<${summary.consoleLink}|Open in the Churn console>`] : []),
  ];
  return {
    text: headline(summary),
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } }],
  };
}

function discordBody(event: DeliveryEvent): unknown {
  if (event.type === 'integration.test') {
    return {
      content: 'Test from Churn: this channel will receive escalations.',
      allowed_mentions: { parse: [] },
    };
  }
  const { summary } = event;
  return {
    content: headline(summary),
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: `Conversation ${summary.conversation.id}`,
        ...(summary.consoleLink ? { url: summary.consoleLink } : {}),
        description: summary.lastCustomerMessage ?? 'No customer message yet.',
        timestamp: summary.escalation.escalatedAt.toISOString(),
        fields: [
          { name: 'Reason', value: summary.escalation.reason, inline: true },
          { name: 'Status', value: summary.conversation.status, inline: true },
          ...(summary.conversation.customerId
            ? [{ name: 'Customer', value: summary.conversation.customerId, inline: true }]
            : []),
        ],
      },
    ],
  };
}

function webhookBody(
  event: DeliveryEvent,
  context: { deliveryId: string; tenantId: string; now: Date },
): unknown {
  return {
    id: context.deliveryId,
    type: event.type,
    createdAt: context.now.toISOString(),
    tenantId: context.tenantId,
    data: event.type === 'integration.test' ? { test: true } : event.summary,
  };
}

/**
 * The HTTP request that delivers `event` to `integration`: Slack's and Discord's webhook
 * formats, or the generic webhook's JSON signed with `churn-signature`. Every request
 * carries `churn-delivery-id` (the same on every retry) so receivers can drop duplicates.
 */
export function buildReceiverRequest(
  integration: DecryptedIntegration,
  event: DeliveryEvent,
  context: { deliveryId: string; now: Date },
): ReceiverRequest {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'churn-integrations/1',
    [deliveryIdHeader]: context.deliveryId,
    [eventHeader]: event.type,
  };
  if (integration.platform === 'slack') {
    return { url: integration.webhookUrl, headers, body: JSON.stringify(slackBody(event)) };
  }
  if (integration.platform === 'discord') {
    // `wait=true`: Discord answers the created message (its id becomes the ticket id).
    const url = new URL(integration.webhookUrl);
    url.searchParams.set('wait', 'true');
    return { url: url.toString(), headers, body: JSON.stringify(discordBody(event)) };
  }
  const body = JSON.stringify(webhookBody(event, { ...context, tenantId: integration.tenantId }));
  if (integration.signingSecret) {
    headers[signatureHeader] = signatureHeaderValue(
      integration.signingSecret,
      Math.floor(context.now.getTime() / 1000),
      body,
    );
  }
  return { url: integration.webhookUrl, headers, body };
}

/** The ticket id a receiver answered (`{ ticketId }` or `{ id }`), when it answered one. */
export function ticketIdFrom(body: string): string | undefined {
  const text = body.trim();
  if (!text.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(text) as { ticketId?: unknown; id?: unknown };
    const value = parsed.ticketId ?? parsed.id;
    if (typeof value !== 'string' && typeof value !== 'number') return undefined;
    const ticket = String(value).trim();
    return ticket === '' || ticket.length > 100 ? undefined : ticket;
  } catch {
    return undefined;
  }
}
