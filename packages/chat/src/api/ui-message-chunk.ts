/**
 * The chunks of the Vercel AI SDK (v5) UI message stream that the Churn chat API sends. The
 * widget does not depend on `ai` or on `@churn/server`: these types are the wire format, kept
 * in step with `packages/server/src/chat/ui-message-chunk.ts`.
 */
export type UIMessageChunk =
  | { type: 'start'; messageId?: string; messageMetadata?: ChatMessageMetadata }
  | { type: 'start-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'source-url'; sourceId: string; url: string; title?: string }
  | { type: 'data-confidence'; id?: string; data: ConfidenceData }
  | { type: 'data-escalation'; id?: string; data: EscalationData }
  | { type: 'data-identity-required'; id?: string; data: IdentityRequiredData }
  | { type: 'data-payment'; id?: string; data: PaymentData }
  | { type: 'data-recovery'; id?: string; data: RecoveryData }
  | { type: 'finish-step' }
  | { type: 'finish'; finishReason?: string; messageMetadata?: ChatMessageMetadata }
  | { type: 'abort' }
  | { type: 'error'; errorText: string };

/** The message metadata the chat API sends on `start` and `finish`. */
export interface ChatMessageMetadata {
  conversationId?: string;
  createdAt?: string;
  confidence?: number;
}

/** `data-confidence`: how sure the answer is, and whether it suggests a person. */
export interface ConfidenceData {
  score: number;
  escalate?: boolean;
}

/** `data-escalation`: the answer suggests handing over to a person. */
export interface EscalationData {
  reason?: string;
  confidence?: number;
}

/** `data-identity-required`: the question needs a signed-in (verified) customer. */
export interface IdentityRequiredData {
  reason?: string;
  message?: string;
}

/**
 * `data-payment`: a step of the card update. `payment-requested` (or any part carrying a
 * `clientSecret`, or `mode: 'sandbox'`) asks the widget to show the card form;
 * `payment-succeeded` and `payment-failed` report what the server saw.
 */
export interface PaymentData {
  step?: string;
  mode?: 'stripe' | 'sandbox';
  clientSecret?: string;
  publishableKey?: string;
  message?: string;
}

/**
 * `data-recovery`: the customer's billing question was handed to their payment-recovery
 * conversation; the widget goes on there (its stored greeting, then the card step).
 */
export interface RecoveryData {
  conversationId?: string;
}

/** The last data line of every stream. */
export const uiMessageStreamDone = '[DONE]';

/** The response header that marks a UI message stream. */
export const uiMessageStreamHeader = 'x-vercel-ai-ui-message-stream';

const chunkTypes = new Set([
  'start',
  'start-step',
  'text-start',
  'text-delta',
  'text-end',
  'source-url',
  'finish-step',
  'finish',
  'abort',
  'error',
]);

/**
 * Checks the shape of a parsed `data:` payload just enough that the reducer can trust it.
 * Unknown chunk types (a newer server) are ignored rather than treated as errors.
 */
export function toUIMessageChunk(value: unknown): UIMessageChunk | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const type = record.type;
  if (typeof type !== 'string') return undefined;
  if (type.startsWith('data-')) {
    return typeof record.data === 'object' && record.data !== null
      ? (value as UIMessageChunk)
      : undefined;
  }
  if (!chunkTypes.has(type)) return undefined;
  if (type === 'text-delta' && typeof record.delta !== 'string') return undefined;
  if (type === 'source-url' && typeof record.url !== 'string') return undefined;
  if (type === 'error' && typeof record.errorText !== 'string') return undefined;
  return value as UIMessageChunk;
}
