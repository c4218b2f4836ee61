import { ChurnChatError, toChurnChatError } from './churn-chat-error.js';

/**
 * Every route the widget calls, in one place: when the server's routes change, change them
 * here. Paths are relative to the server URL.
 */
export const churnApiRoutes = {
  widgetConfig: () => '/api/widget/config',
  conversations: () => '/api/conversations',
  conversation: (conversationId: string) =>
    `/api/conversations/${encodeURIComponent(conversationId)}`,
  conversationMessages: (conversationId: string) =>
    `/api/conversations/${encodeURIComponent(conversationId)}/messages`,
  stop: (conversationId: string) => `/api/conversations/${encodeURIComponent(conversationId)}/stop`,
  resumeStream: (conversationId: string) =>
    `/api/chat/${encodeURIComponent(conversationId)}/stream`,
  feedback: (messageId: string) => `/api/messages/${encodeURIComponent(messageId)}/feedback`,
  escalate: (conversationId: string) =>
    `/api/conversations/${encodeURIComponent(conversationId)}/escalate`,
  paymentConfirm: (conversationId: string) =>
    `/api/conversations/${encodeURIComponent(conversationId)}/payment/confirm`,
  sandboxPaymentConfirm: (conversationId: string) =>
    `/api/conversations/${encodeURIComponent(conversationId)}/payment/sandbox-confirm`,
} as const;

/** The request headers the widget sends besides `Authorization`. */
export const churnApiHeaders = {
  /** The customer identity token that the tenant's backend signed. */
  customerToken: 'x-churn-customer-token',
  /** A stable anonymous visitor id (not a proof of anything). */
  visitorId: 'x-churn-visitor-id',
} as const;

/** Settings of {@link ChurnApiClient}. */
export interface ChurnApiClientOptions {
  /** The server's base URL (`https://chat.example.com`); empty for the page's own origin. */
  server?: string;
  /** The tenant's publishable key (`pk_...`). */
  tenantKey: string;
  /** A verified customer's identity token. */
  customerToken?: string;
  /** The anonymous visitor id. */
  visitorId?: string;
  /** The `fetch` to use (tests, proxies); the global one by default. */
  fetch?: typeof fetch;
}

/**
 * The tenant's branding and greeting from `GET /api/widget/config`. The widget applies the
 * primary colour (with black or white text for contrast); background and text colours are
 * read but not applied, so a tenant cannot make the panel unreadable (use `--churn-*`).
 */
export interface WidgetConfig {
  name?: string;
  greeting?: string;
  logoUrl?: string;
  colors?: { primary?: string; background?: string; text?: string };
}

/** A message as the server stores it (history). */
export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  createdAt?: string;
  sources?: { url: string; title?: string }[];
  /**
   * The recovery conversation this answer handed the customer to (its `data-recovery` part):
   * the chat goes on there.
   */
  recoveryConversationId?: string;
}

/** One conversation of a verified customer's history. */
export interface ConversationSummary {
  id: string;
  updatedAt?: string;
}

/** The demo card the sandbox form posts. */
export interface SandboxCard {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

/** The server's answer to a payment confirmation. */
export interface PaymentConfirmation {
  status: 'succeeded' | 'processing' | 'failed';
  message?: string;
  /**
   * After a decline in Stripe mode, when the server made a new SetupIntent for the next card:
   * the Payment Element is mounted again with this client secret.
   */
  payment?: { clientSecret: string; publishableKey?: string };
}

/** Thumbs and an optional comment on an assistant message. */
export interface MessageFeedback {
  type: 'thumbs_up' | 'thumbs_down';
  rating?: number;
  comment?: string;
}

const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
const asString = (value: unknown): string | undefined =>
  typeof value === 'string' && value.length > 0 ? value : undefined;

/** The conversation a stored message's `data-recovery` part names, if it has one. */
const recoveryConversationOf = (parts: Record<string, unknown>[]): string | undefined =>
  asString(asRecord(parts.find((part) => part.type === 'data-recovery')?.data).conversationId);

/**
 * The widget's HTTP client for the Churn chat API: JSON under `/api`, the publishable key as
 * a bearer token, the customer identity token and visitor id as headers. Every failure is a
 * {@link ChurnChatError} with a message a person can act on.
 */
export class ChurnApiClient {
  readonly #options: ChurnApiClientOptions;

  constructor(options: ChurnApiClientOptions) {
    this.#options = { ...options };
  }

  /** Sets (or clears) the verified customer's identity token for later requests. */
  setCustomerToken(customerToken: string | undefined): void {
    this.#options.customerToken = customerToken;
  }

  /** The customer identity token requests carry, if any. */
  get customerToken(): string | undefined {
    return this.#options.customerToken;
  }

  /** Whether requests carry a customer identity token. */
  get hasCustomerToken(): boolean {
    return Boolean(this.#options.customerToken);
  }

  /**
   * `GET /api/widget/config`: `{ name, greeting, branding: { logoUrl?, primaryColor?,
   * backgroundColor?, textColor? } }`.
   */
  async getWidgetConfig(signal?: AbortSignal): Promise<WidgetConfig> {
    const body = asRecord(
      await this.#json('GET', churnApiRoutes.widgetConfig(), undefined, signal),
    );
    const branding = asRecord(body.branding);
    return {
      name: asString(body.name),
      greeting: asString(body.greeting),
      logoUrl: asString(branding.logoUrl),
      colors: {
        primary: asString(branding.primaryColor),
        background: asString(branding.backgroundColor),
        text: asString(branding.textColor),
      },
    };
  }

  /** `POST /api/conversations`: returns the new conversation's id. */
  async createConversation(): Promise<string> {
    const body = asRecord(await this.#json('POST', churnApiRoutes.conversations(), {}));
    const id = asString(body.id) ?? asString(asRecord(body.conversation).id);
    if (!id) throw new ChurnChatError('http', 'The server did not return a conversation id.');
    return id;
  }

  /** `POST /api/conversations/:id/messages`: the response body is the answer's stream. */
  sendMessage(conversationId: string, text: string, signal?: AbortSignal): Promise<Response> {
    return this.#stream(
      'POST',
      churnApiRoutes.conversationMessages(conversationId),
      { text },
      signal,
    );
  }

  /** `GET /api/chat/:id/stream`: the active answer again, or `undefined` when none (204). */
  async resumeStream(conversationId: string, signal?: AbortSignal): Promise<Response | undefined> {
    const response = await this.#stream(
      'GET',
      churnApiRoutes.resumeStream(conversationId),
      undefined,
      signal,
    );
    return response.status === 204 || !response.body ? undefined : response;
  }

  /** `POST /api/conversations/:id/stop`. */
  async stop(conversationId: string): Promise<void> {
    await this.#json('POST', churnApiRoutes.stop(conversationId), {});
  }

  /** `GET /api/conversations`: a verified customer's conversations, newest first. */
  async listConversations(): Promise<ConversationSummary[]> {
    const body = await this.#json('GET', churnApiRoutes.conversations());
    const list = Array.isArray(body) ? body : asRecord(body).conversations;
    if (!Array.isArray(list)) return [];
    return list
      .map((item) => asRecord(item))
      .flatMap((item) => {
        const id = asString(item.id);
        return id ? [{ id, updatedAt: asString(item.updatedAt ?? item.createdAt) }] : [];
      });
  }

  /**
   * `GET /api/conversations/:id` (`{ conversation, messages }`): the stored messages of a
   * conversation. Messages carry AI SDK `UIMessage` parts (`text`, `source-url`,
   * `data-recovery`); a plain `text` or `content` field is read too.
   */
  async listMessages(conversationId: string): Promise<StoredMessage[]> {
    const body = await this.#json('GET', churnApiRoutes.conversation(conversationId));
    const list = Array.isArray(body) ? body : asRecord(body).messages;
    if (!Array.isArray(list)) return [];
    return list
      .map((item) => asRecord(item))
      .flatMap((item): StoredMessage[] => {
        const id = asString(item.id);
        const role = item.role === 'user' || item.role === 'customer' ? 'user' : 'assistant';
        const parts = (Array.isArray(item.parts) ? item.parts : []).map(asRecord);
        const text = parts.length
          ? parts
              .flatMap((part) => (part.type === 'text' ? [String(part.text ?? '')] : []))
              .join('')
          : typeof item.text === 'string'
            ? item.text
            : item.content;
        if (!id || typeof text !== 'string') return [];
        const sourceParts = parts.filter((part) => part.type === 'source-url');
        const recoveryConversationId = recoveryConversationOf(parts);
        const sources = sourceParts.length
          ? sourceParts
          : Array.isArray(item.sources ?? item.citations)
            ? (item.sources ?? item.citations)
            : [];
        return [
          {
            id,
            role,
            text,
            createdAt: asString(item.createdAt),
            sources: (sources as unknown[]).flatMap((source) => {
              const record = asRecord(source);
              const url = asString(record.url ?? record.sourceUrl);
              return url ? [{ url, title: asString(record.title) }] : [];
            }),
            ...(recoveryConversationId ? { recoveryConversationId } : {}),
          },
        ];
      });
  }

  /** `POST /api/messages/:id/feedback`. */
  async sendFeedback(messageId: string, feedback: MessageFeedback): Promise<void> {
    await this.#json('POST', churnApiRoutes.feedback(messageId), feedback);
  }

  /** `POST /api/conversations/:id/escalate`. */
  async escalate(conversationId: string, reason: string): Promise<void> {
    await this.#json('POST', churnApiRoutes.escalate(conversationId), { reason });
  }

  /** `POST /api/conversations/:id/payment/confirm`: the server verifies the SetupIntent. */
  async confirmPayment(
    conversationId: string,
    setupIntentId: string,
  ): Promise<PaymentConfirmation> {
    return this.#confirmation(
      await this.#json('POST', churnApiRoutes.paymentConfirm(conversationId), { setupIntentId }),
    );
  }

  /** `POST /api/conversations/:id/payment/sandbox-confirm` with the demo card. */
  async confirmSandboxPayment(
    conversationId: string,
    card: SandboxCard,
  ): Promise<PaymentConfirmation> {
    return this.#confirmation(
      await this.#json('POST', churnApiRoutes.sandboxPaymentConfirm(conversationId), { card }),
    );
  }

  #confirmation(body: unknown): PaymentConfirmation {
    const record = asRecord(body);
    const status = record.status;
    const payment = asRecord(record.payment);
    const clientSecret = asString(payment.clientSecret);
    const publishableKey = asString(payment.publishableKey);
    return {
      status: status === 'processing' || status === 'failed' ? status : 'succeeded',
      message: asString(record.message),
      ...(clientSecret
        ? { payment: { clientSecret, ...(publishableKey ? { publishableKey } : {}) } }
        : {}),
    };
  }

  #url(path: string): string {
    const server = (this.#options.server ?? '').replace(/\/+$/, '');
    return `${server}${path}`;
  }

  #headers(accept: string, hasBody: boolean): Headers {
    const headers = new Headers({ accept });
    headers.set('authorization', `Bearer ${this.#options.tenantKey}`);
    if (hasBody) headers.set('content-type', 'application/json');
    if (this.#options.customerToken) {
      headers.set(churnApiHeaders.customerToken, this.#options.customerToken);
    }
    if (this.#options.visitorId) headers.set(churnApiHeaders.visitorId, this.#options.visitorId);
    return headers;
  }

  async #request(
    method: string,
    path: string,
    accept: string,
    body: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Response> {
    if (!this.#options.tenantKey) {
      throw new ChurnChatError(
        'configuration',
        'No tenant key: set the `tenant-key` attribute to your publishable key (pk_...).',
      );
    }
    const fetchImplementation = this.#options.fetch ?? globalThis.fetch.bind(globalThis);
    let response: Response;
    try {
      response = await fetchImplementation(this.#url(path), {
        method,
        headers: this.#headers(accept, body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        credentials: 'omit',
      });
    } catch (error) {
      throw toChurnChatError(error);
    }
    if (!response.ok) throw await this.#httpError(response);
    return response;
  }

  async #json(
    method: string,
    path: string,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<unknown> {
    const response = await this.#request(method, path, 'application/json', body, signal);
    if (response.status === 204) return undefined;
    try {
      return await response.json();
    } catch (error) {
      throw new ChurnChatError('http', 'The server sent a response that is not JSON.', {
        status: response.status,
        cause: error,
      });
    }
  }

  #stream(method: string, path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    return this.#request(method, path, 'text/event-stream', body, signal);
  }

  async #httpError(response: Response): Promise<ChurnChatError> {
    let serverCode: string | undefined;
    let message: string | undefined;
    try {
      const error = asRecord(asRecord(await response.json()).error);
      serverCode = asString(error.code);
      message = asString(error.message);
    } catch {
      // Not a JSON error body: the status says enough.
    }
    const declined = response.status === 402 || serverCode === 'card_declined';
    return new ChurnChatError(
      declined ? 'payment-declined' : 'http',
      message ?? `The chat server answered ${response.status} ${response.statusText}.`.trim(),
      { status: response.status, ...(serverCode ? { serverCode } : {}) },
    );
  }
}
