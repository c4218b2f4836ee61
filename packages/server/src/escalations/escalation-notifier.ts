import type { ConversationRecord, EscalationRecord } from '@churn/core';

/**
 * Tells the humans: called once for every escalation this server creates (low confidence,
 * a request for a person, frustration, an operator), after the escalation and the
 * conversation's `escalated` status are stored. The integrations module implements it
 * (Slack, Discord, signed webhooks through a durable outbox) and sets it on the handler
 * state as `onEscalation`.
 *
 * A rejection is logged and does not undo the escalation: make `notify` durable (write to
 * an outbox and deliver later) rather than calling the network inline.
 */
export interface EscalationNotifier {
  notify(escalation: EscalationRecord, conversation: ConversationRecord): Promise<void>;
}

function isEscalationNotifier(value: unknown): value is EscalationNotifier {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { notify?: unknown }).notify === 'function'
  );
}

/**
 * The notifier set on the handler state as `onEscalation`, if any. Read structurally so
 * the handler state needs no import of this module.
 */
export function escalationNotifierOf(state: object): EscalationNotifier | undefined {
  const candidate = (state as { onEscalation?: unknown }).onEscalation;
  return isEscalationNotifier(candidate) ? candidate : undefined;
}
