/**
 * The chunks of the Vercel AI SDK (v5) UI message stream that the chat API sends, with
 * the exact field names of the `ai` package's `uiMessageChunkSchema` (checked against the
 * installed package by `ui-message-chunk.test.ts`). The server does not depend on `ai`:
 * these types are the wire format.
 */
export type UIMessageChunk =
  | { type: 'start'; messageId?: string; messageMetadata?: ChatMessageMetadata }
  | { type: 'start-step' }
  | { type: 'text-start'; id: string }
  | { type: 'text-delta'; id: string; delta: string }
  | { type: 'text-end'; id: string }
  | { type: 'source-url'; sourceId: string; url: string; title?: string }
  | DataUIMessageChunk
  | { type: 'finish-step' }
  | { type: 'finish'; finishReason?: UIFinishReason; messageMetadata?: ChatMessageMetadata }
  | { type: 'abort' }
  | { type: 'error'; errorText: string };

/** The finish reasons the AI SDK accepts on a `finish` chunk. */
export type UIFinishReason =
  | 'stop'
  | 'length'
  | 'content-filter'
  | 'tool-calls'
  | 'error'
  | 'other'
  | 'unknown';

/** The message metadata the chat API sends on `start` and `finish`. */
export interface ChatMessageMetadata {
  /** The conversation the message belongs to (for clients that started from `/api/chat`). */
  conversationId?: string;
  /** The stored message's creation time, ISO 8601. */
  createdAt?: string;
  /** The answer's confidence in [0, 1], on `finish`. */
  confidence?: number;
}

/**
 * The data parts of Churn's stream, each a `data-<name>` chunk of the AI SDK.
 *
 * | chunk | data |
 * | --- | --- |
 * | `data-confidence` | `{ score, escalate }`: how sure the answer is, and whether it suggests a person |
 * | `data-escalation` | `{ reason, confidence?, escalationId? }`: handed over to a person |
 * | `data-identity-required` | `{ reason: 'billing', message }`: the question needs a signed-in customer |
 * | `data-payment` | a payment-recovery step (`{ step: 'payment-requested', mode, clientSecret, ... }`) |
 * | `data-recovery` | `{ conversationId }`: the customer's billing question was handed to this recovery conversation |
 * | `data-account` | `{ accountStatus, accountValue, currency, lastPaymentDate?, card?, invoices? }`: the records a verified customer's account question was answered from |
 */
export type DataUIMessageChunk =
  | { type: 'data-confidence'; id?: string; data: ConfidenceData }
  | { type: 'data-escalation'; id?: string; data: EscalationData }
  | { type: 'data-identity-required'; id?: string; data: IdentityRequiredData }
  | { type: 'data-payment'; id?: string; data: Record<string, unknown> }
  | { type: 'data-operator'; id?: string; data: OperatorData }
  | { type: 'data-recovery'; id?: string; data: RecoveryHandoffData }
  | { type: 'data-account'; id?: string; data: AccountData };

/**
 * `data-account`: a verified customer asked to look something up on their own account
 * ("which card do I have on file?"); the reply's text was composed from these records, which
 * a client may render as it likes. Never a card number.
 */
export interface AccountData {
  accountStatus: 'active' | 'at-risk' | 'resolved' | 'churned';
  /** Monthly subscription value, major units. */
  accountValue: number;
  /** ISO 4217, lowercase. */
  currency: string;
  /** Last successful payment, ISO 8601. */
  lastPaymentDate?: string;
  /** The card invoices are charged to. */
  card?: {
    brand: string;
    lastFourDigits: string;
    expiryMonth: number;
    expiryYear: number;
    status: 'active' | 'expired' | 'failed' | 'invalid';
  };
  /**
   * The newest invoices from the payment provider (amounts in major units, dates ISO 8601),
   * when the question was about invoices or what is owed; `'unavailable'` when the provider
   * could not be asked.
   */
  invoices?:
    | {
        number?: string;
        status: 'open' | 'paid' | 'void' | 'uncollectible';
        total: number;
        amountDue: number;
        currency: string;
        createdAt: string;
        dueDate?: string;
        paidAt?: string;
        hostedInvoiceUrl?: string;
      }[]
    | 'unavailable';
}

/**
 * `data-recovery`: a verified at-risk customer asked about their billing in a support
 * conversation; their recovery session (its greeting stored, stating the card and the amount)
 * is the named conversation, where the customer goes on (docs/chat-api.md).
 */
export interface RecoveryHandoffData {
  /** The recovery conversation: read its messages, send the next message there. */
  conversationId: string;
}

/** `data-operator`: a person of the team has the conversation (docs/chat-api.md, "Operators"). */
export interface OperatorData {
  /** The operator's display name, to label their messages. */
  name: string;
  /** `replied`: this message is the operator's; `waiting`: no reply yet, it will come later. */
  status: 'replied' | 'waiting';
}

/** `data-confidence`. */
export interface ConfidenceData {
  /** Confidence in [0, 1]. */
  score: number;
  /** True when the score is below the threshold: the answer suggests a person. */
  escalate: boolean;
}

/** `data-escalation`. */
export interface EscalationData {
  /** `low_confidence`, `customer_request`, `user_frustration`, `repeated_rephrasing`, ... */
  reason: string;
  /** The answer's confidence, when it was scored. */
  confidence?: number;
  /** The Escalation record created by this turn (absent when none was: already escalated). */
  escalationId?: string;
}

/** `data-identity-required`. */
export interface IdentityRequiredData {
  reason: 'billing';
  message: string;
}

/** The response header that tells AI SDK clients the body is a UI message stream. */
export const uiMessageStreamHeader = 'x-vercel-ai-ui-message-stream';

/** The protocol version this server speaks. */
export const uiMessageStreamVersion = 'v1';

/** The last data line of every stream (`data: [DONE]`). */
export const uiMessageStreamDone = '[DONE]';

/**
 * Encodes one chunk as the SSE event the AI SDK reads: `data: <json>\n\n`. JSON never
 * contains a raw line break, so one `data:` line always holds the whole chunk.
 */
export function formatUIMessageChunk(chunk: UIMessageChunk | typeof uiMessageStreamDone): string {
  return `data: ${typeof chunk === 'string' ? chunk : JSON.stringify(chunk)}\n\n`;
}
