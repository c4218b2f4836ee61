import type {
  ChurnApiClient,
  MessageFeedback,
  PaymentConfirmation,
  SandboxCard,
  StoredMessage,
  WidgetConfig,
} from '../api/churn-api-client.js';
import { ChurnChatError, toChurnChatError } from '../api/churn-chat-error.js';
import type { PaymentData, UIMessageChunk } from '../api/ui-message-chunk.js';
import { readUIMessageStream } from '../stream/read-ui-message-stream.js';

/** A cited document of an answer. */
export interface ChatSource {
  id: string;
  url: string;
  title?: string;
}

/** Where the card update of a message stands. */
export type PaymentStatus =
  | 'requested'
  | 'processing'
  | 'declined'
  | 'succeeded'
  | 'failed'
  | 'expired';

/** The card-update step a `data-payment` part asked for. */
export interface PaymentState {
  mode: 'stripe' | 'sandbox';
  status: PaymentStatus;
  clientSecret?: string;
  publishableKey?: string;
  /** What went wrong, for `declined` and `failed`. */
  message?: string;
}

/** Where a message stands. */
export type ChatMessageState =
  | 'sending'
  | 'streaming'
  | 'done'
  | 'stopped'
  | 'interrupted'
  | 'error';

/** One message of the conversation, as the widget shows it. */
export interface ChatMessage {
  id: string;
  role: 'user' | 'assistant';
  text: string;
  state: ChatMessageState;
  sources: readonly ChatSource[];
  createdAt: string;
  confidence?: { score: number; escalate: boolean };
  /** The answer suggests a person (low confidence). */
  escalationSuggested?: boolean;
  /** The question needs a signed-in customer; the server's explanation. */
  identityRequired?: string;
  payment?: PaymentState;
  /** The stream's `errorText` or the failure that stopped the message. */
  errorText?: string;
  feedback?: MessageFeedback['type'];
}

/** What the conversation is doing. */
export type ChatStatus = 'ready' | 'submitted' | 'streaming' | 'reconnecting' | 'error';

/** The whole state of the chat: a new object after every change. */
export interface ChatState {
  status: ChatStatus;
  conversationId: string | undefined;
  messages: readonly ChatMessage[];
  config: WidgetConfig | undefined;
  /** The last error, cleared by the next successful action. */
  error: ChurnChatError | undefined;
  /** A person has been asked to take over. */
  escalated: boolean;
  /** What the host says about the network (`navigator.onLine`). */
  online: boolean;
}

/** What happened, for the element to turn into DOM events. */
export type ChurnChatControllerEvent =
  | { type: 'message-send'; message: ChatMessage }
  | { type: 'message-receive'; message: ChatMessage }
  | { type: 'escalated'; conversationId: string; reason: string }
  | { type: 'payment-updated'; conversationId: string; mode: PaymentState['mode'] }
  | { type: 'error'; error: ChurnChatError };

/** The part of Web Storage the controller needs (`sessionStorage`, `localStorage`, a Map). */
export interface KeyValueStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** Settings of {@link ChurnChatController}. */
export interface ChurnChatControllerOptions {
  client: ChurnApiClient;
  /** Where the conversation id and transcript survive a reload; nothing is kept without it. */
  storage?: KeyValueStorage;
  /** The storage key; one per tenant. */
  storageKey?: string;
  /** Receives every event. */
  onEvent?: (event: ChurnChatControllerEvent) => void;
  /** Milliseconds between resume attempts after a lost connection. */
  retryDelays?: readonly number[];
}

interface StoredSnapshot {
  version: 1;
  conversationId?: string;
  escalated?: boolean;
  messages: ChatMessage[];
}

const maximumStoredMessages = 50;

function createId(): string {
  const random = globalThis.crypto?.randomUUID?.();
  return random ?? `local-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

function paymentFrom(data: PaymentData, previous: PaymentState | undefined): PaymentState {
  const mode = data.mode === 'sandbox' ? 'sandbox' : (previous?.mode ?? 'stripe');
  const step = data.step ?? '';
  if (/succeeded|updated|completed/.test(step)) {
    return { ...previous, mode, status: 'succeeded' };
  }
  if (/declined|failed/.test(step)) {
    return {
      ...previous,
      mode,
      status: 'declined',
      ...(data.message ? { message: data.message } : {}),
    };
  }
  return {
    mode,
    status: 'requested',
    ...(data.clientSecret ? { clientSecret: data.clientSecret } : {}),
    ...(data.publishableKey ? { publishableKey: data.publishableKey } : {}),
  };
}

/**
 * The headless chat: conversation, streamed answers, stop, resume, history, feedback,
 * hand-over and the card step, with no DOM. Bindings (the `<churn-chat>` element, a test)
 * read {@link ChurnChatController.state}, call its methods and `subscribe` to changes.
 */
export class ChurnChatController {
  readonly #client: ChurnApiClient;
  readonly #storage: KeyValueStorage | undefined;
  readonly #storageKey: string;
  readonly #onEvent: (event: ChurnChatControllerEvent) => void;
  readonly #retryDelays: readonly number[];
  readonly #listeners = new Set<() => void>();
  #state: ChatState = {
    status: 'ready',
    conversationId: undefined,
    messages: [],
    config: undefined,
    error: undefined,
    escalated: false,
    online: true,
  };
  #abort: AbortController | undefined;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  #resumeAttempt = 0;
  #resuming = false;
  #textPartId: string | undefined;
  /** The recovery conversation a `data-recovery` part named: the chat goes on there. */
  #handoff: string | undefined;
  #disposed = false;

  constructor(options: ChurnChatControllerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#storageKey = options.storageKey ?? 'churn-chat';
    this.#onEvent = options.onEvent ?? (() => {});
    this.#retryDelays = options.retryDelays ?? [1000, 2000, 4000, 8000, 15000, 30000];
  }

  /** The current state (replaced, never mutated, on every change). */
  get state(): ChatState {
    return this.#state;
  }

  /** Calls `listener` after every change; returns the function that unsubscribes. */
  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Whether an answer is on its way (submitted, streaming or being resumed). */
  get busy(): boolean {
    return this.#state.status !== 'ready' && this.#state.status !== 'error';
  }

  /** Loads the tenant's branding; a failure is reported and the defaults stay. */
  async loadConfig(): Promise<WidgetConfig | undefined> {
    try {
      const config = await this.#client.getWidgetConfig();
      this.#set({ config });
      return config;
    } catch (error) {
      this.#report(error, false);
      return undefined;
    }
  }

  /**
   * Restores the conversation after a reload: the stored id and transcript, else a verified
   * customer's latest conversation from the server; then resumes an answer that was still
   * streaming.
   */
  async restore(): Promise<void> {
    const snapshot = this.#readSnapshot();
    if (snapshot?.conversationId) {
      this.#set({
        conversationId: snapshot.conversationId,
        escalated: snapshot.escalated ?? false,
        messages: snapshot.messages,
      });
    } else if (this.#client.hasCustomerToken) {
      await this.loadHistory();
    }
    const last = this.#state.messages.at(-1);
    if (
      last?.role === 'assistant' &&
      (last.state === 'streaming' || last.state === 'interrupted')
    ) {
      this.#updateMessage(last.id, { state: 'interrupted' });
      await this.resume();
    }
  }

  /** Loads a verified customer's latest conversation from the server. */
  async loadHistory(): Promise<void> {
    try {
      const conversations = await this.#client.listConversations();
      const latest = conversations[0];
      if (!latest) return;
      const stored = await this.#client.listMessages(latest.id);
      this.#set({
        conversationId: latest.id,
        messages: stored.map((item) => this.#fromStored(item)),
      });
      this.#persist();
      await this.#continueFromHistory(stored);
    } catch (error) {
      this.#report(error, false);
    }
  }

  /** Sends a message and streams the answer. Ignored while an answer is streaming. */
  async send(text: string): Promise<void> {
    const trimmed = text.trim();
    if (!trimmed || this.busy || this.#disposed) return;
    const message: ChatMessage = {
      id: createId(),
      role: 'user',
      text: trimmed,
      state: 'sending',
      sources: [],
      createdAt: new Date().toISOString(),
    };
    this.#set({ messages: [...this.#state.messages, message], error: undefined });
    this.#onEvent({ type: 'message-send', message });
    await this.#deliver(message.id);
  }

  /** Sends a message that failed again. */
  async retry(messageId: string): Promise<void> {
    const message = this.#find(messageId);
    if (message?.role !== 'user' || message.state !== 'error' || this.busy) return;
    this.#updateMessage(messageId, { state: 'sending', errorText: undefined });
    await this.#deliver(messageId);
  }

  async #deliver(userMessageId: string): Promise<void> {
    const user = this.#find(userMessageId);
    if (!user) return;
    this.#set({ status: 'submitted' });
    const abort = new AbortController();
    this.#abort = abort;
    let response: Response;
    try {
      const conversationId =
        this.#state.conversationId ?? (await this.#client.createConversation());
      if (this.#state.conversationId !== conversationId) this.#set({ conversationId });
      response = await this.#client.sendMessage(conversationId, user.text, abort.signal);
    } catch (error) {
      const failure = toChurnChatError(error);
      if (failure.code === 'aborted') {
        this.#updateMessage(userMessageId, { state: 'done' });
        this.#set({ status: 'ready' });
        return;
      }
      this.#updateMessage(userMessageId, { state: 'error', errorText: failure.message });
      this.#set({ status: 'error' });
      this.#report(failure, true);
      this.#persist();
      return;
    }
    this.#updateMessage(userMessageId, { state: 'done' });
    const assistant: ChatMessage = {
      id: createId(),
      role: 'assistant',
      text: '',
      state: 'streaming',
      sources: [],
      createdAt: new Date().toISOString(),
    };
    this.#set({ status: 'streaming', messages: [...this.#state.messages, assistant] });
    this.#persist();
    await this.#consume(response, assistant.id, abort);
  }

  /** Stops the answer being written: the text so far stays, the server is told to stop. */
  async stop(): Promise<void> {
    if (!this.busy) return;
    this.#abort?.abort();
    this.#abort = undefined;
    this.#clearResumeTimer();
    const last = this.#state.messages.at(-1);
    if (last?.role === 'assistant' && last.state !== 'done') {
      this.#updateMessage(last.id, { state: 'stopped' });
    }
    this.#set({ status: 'ready' });
    this.#persist();
    const conversationId = this.#state.conversationId;
    if (conversationId) {
      try {
        await this.#client.stop(conversationId);
      } catch (error) {
        this.#report(error, false);
      }
    }
  }

  /**
   * Picks an interrupted answer up again from the resume endpoint (after a network loss or a
   * sleeping tab). When the server has no active stream, the finished answer is read from
   * the conversation's stored messages.
   */
  async resume(): Promise<void> {
    const conversationId = this.#state.conversationId;
    const last = this.#state.messages.at(-1);
    if (!conversationId || this.#resuming || this.#disposed) return;
    if (last?.role !== 'assistant' || last.state !== 'interrupted') return;
    this.#clearResumeTimer();
    this.#resuming = true;
    this.#set({ status: 'reconnecting' });
    const abort = new AbortController();
    this.#abort = abort;
    try {
      const response = await this.#client.resumeStream(conversationId, abort.signal);
      if (response) {
        this.#updateMessage(last.id, {
          text: '',
          sources: [],
          state: 'streaming',
          errorText: undefined,
        });
        this.#textPartId = undefined;
        this.#set({ status: 'streaming' });
        this.#resuming = false;
        await this.#consume(response, last.id, abort);
        return;
      }
      await this.#settleFromHistory(conversationId, last.id);
      this.#resumeAttempt = 0;
    } catch (error) {
      const failure = toChurnChatError(error);
      if (failure.code === 'aborted') return;
      this.#set({ status: 'reconnecting' });
      this.#scheduleResume();
    } finally {
      this.#resuming = false;
    }
  }

  async #settleFromHistory(conversationId: string, messageId: string): Promise<void> {
    let stored: StoredMessage[] = [];
    try {
      stored = await this.#client.listMessages(conversationId);
    } catch {
      // No stored history for this visitor: keep what arrived.
    }
    const answer = stored.filter((item) => item.role === 'assistant').at(-1);
    const current = this.#find(messageId);
    if (answer && current && answer.text.length >= current.text.length) {
      const restored = this.#fromStored(answer);
      this.#updateMessage(messageId, {
        text: restored.text,
        sources: restored.sources.length > 0 ? restored.sources : current.sources,
        state: 'done',
      });
    } else {
      this.#updateMessage(messageId, { state: 'done' });
    }
    this.#set({ status: 'ready' });
    this.#persist();
    const message = this.#find(messageId);
    if (message) this.#onEvent({ type: 'message-receive', message });
    await this.#continueFromHistory(stored);
  }

  /** Tells the controller whether the network is up; coming back online resumes at once. */
  setOnline(online: boolean): void {
    if (online === this.#state.online) return;
    this.#set({ online });
    if (online) this.resumeNow();
  }

  /** Resumes an interrupted answer now (the tab became visible, the network came back). */
  resumeNow(): void {
    const last = this.#state.messages.at(-1);
    if (last?.role === 'assistant' && last.state === 'interrupted') {
      this.#resumeAttempt = 0;
      void this.resume();
    }
  }

  /** Records thumbs up or down (and an optional comment) for an answer. */
  async sendFeedback(messageId: string, feedback: MessageFeedback): Promise<boolean> {
    const message = this.#find(messageId);
    if (message?.role !== 'assistant') return false;
    const previous = message.feedback;
    this.#updateMessage(messageId, { feedback: feedback.type });
    try {
      await this.#client.sendFeedback(messageId, feedback);
      this.#persist();
      return true;
    } catch (error) {
      this.#updateMessage(messageId, { feedback: previous });
      this.#report(error, false);
      return false;
    }
  }

  /** Asks for a person to take over the conversation. */
  async escalate(reason = 'customer_request'): Promise<boolean> {
    const conversationId = this.#state.conversationId;
    if (!conversationId || this.#state.escalated) return this.#state.escalated;
    try {
      await this.#client.escalate(conversationId, reason);
    } catch (error) {
      this.#report(error, true);
      return false;
    }
    this.#set({ escalated: true, error: undefined });
    this.#persist();
    this.#onEvent({ type: 'escalated', conversationId, reason });
    return true;
  }

  /** Marks a card step as being confirmed (the element is talking to Stripe). */
  beginPayment(messageId: string): void {
    this.#updatePayment(messageId, { status: 'processing', message: undefined });
  }

  /** Marks a card step as declined (by Stripe.js or the server), so the customer can retry. */
  declinePayment(messageId: string, message: string): void {
    this.#updatePayment(messageId, { status: 'declined', message });
  }

  /** Sends a confirmed SetupIntent to the server, which verifies it with Stripe. */
  async confirmStripePayment(messageId: string, setupIntentId: string): Promise<boolean> {
    return this.#confirm(messageId, (conversationId) =>
      this.#client.confirmPayment(conversationId, setupIntentId),
    );
  }

  /** Sends the sandbox demo card to the server's sandbox provider. */
  async confirmSandboxPayment(messageId: string, card: SandboxCard): Promise<boolean> {
    return this.#confirm(messageId, (conversationId) =>
      this.#client.confirmSandboxPayment(conversationId, card),
    );
  }

  async #confirm(
    messageId: string,
    call: (conversationId: string) => Promise<PaymentConfirmation>,
  ): Promise<boolean> {
    const conversationId = this.#state.conversationId;
    const payment = this.#find(messageId)?.payment;
    if (!conversationId || !payment) return false;
    this.beginPayment(messageId);
    try {
      const result = await call(conversationId);
      if (result.status === 'failed') {
        this.declinePayment(messageId, result.message ?? '');
        // A card saved but refused at charging: the next card needs a new SetupIntent.
        if (result.payment) this.#updatePayment(messageId, result.payment);
        return false;
      }
      this.#updatePayment(messageId, { status: 'succeeded', message: undefined });
      this.#persist();
      this.#onEvent({ type: 'payment-updated', conversationId, mode: payment.mode });
      return true;
    } catch (error) {
      const failure = toChurnChatError(error);
      if (failure.code === 'payment-declined') {
        this.declinePayment(messageId, failure.message);
      } else {
        this.#updatePayment(messageId, { status: 'failed', message: failure.message });
        this.#report(failure, false);
      }
      return false;
    }
  }

  /** Sets the verified customer's identity token; a different customer starts afresh. */
  async identify(customerToken: string | undefined): Promise<void> {
    const token = customerToken || undefined;
    if (token === this.#client.customerToken) return;
    const had = this.#client.hasCustomerToken;
    this.#client.setCustomerToken(token);
    if (had && !token) {
      this.reset();
      return;
    }
    if (token && !this.#state.conversationId) await this.loadHistory();
  }

  /** Forgets the conversation (a new one starts with the next message). */
  reset(): void {
    this.#abort?.abort();
    this.#clearResumeTimer();
    this.#storage?.removeItem(this.#storageKey);
    this.#set({
      status: 'ready',
      conversationId: undefined,
      messages: [],
      error: undefined,
      escalated: false,
    });
  }

  /** Stops timers and streams (the element left the page). */
  dispose(): void {
    this.#disposed = true;
    this.#abort?.abort();
    this.#clearResumeTimer();
    this.#listeners.clear();
  }

  async #consume(response: Response, messageId: string, abort: AbortController): Promise<void> {
    let finished = false;
    this.#handoff = undefined;
    // The server names the message on `start`: follow the id.
    const target = { id: messageId };
    const body = response.body;
    try {
      if (!body) throw new ChurnChatError('stream', 'The answer arrived without a body.');
      const end = await readUIMessageStream(body, (chunk) => {
        if (abort.signal.aborted) return;
        if (this.#apply(target, chunk)) finished = true;
      });
      if (abort.signal.aborted) return;
      if (finished || end === 'done') {
        this.#finish(target.id);
        await this.#continueInHandoff();
        return;
      }
      this.#interrupt(target.id);
    } catch (error) {
      if (abort.signal.aborted) return;
      const failure = toChurnChatError(error);
      if (failure.code === 'aborted') return;
      if (finished) {
        this.#finish(target.id);
        await this.#continueInHandoff();
        return;
      }
      this.#interrupt(target.id);
    }
  }

  /** Applies one chunk; returns true when the message ended. */
  #apply(target: { id: string }, chunk: UIMessageChunk): boolean {
    const current = this.#find(target.id);
    if (!current) return false;
    switch (chunk.type) {
      case 'start':
        if (chunk.messageId && chunk.messageId !== target.id) {
          this.#replaceId(target.id, chunk.messageId);
          target.id = chunk.messageId;
        }
        if (chunk.messageMetadata?.conversationId && !this.#state.conversationId) {
          this.#set({ conversationId: chunk.messageMetadata.conversationId });
        }
        return false;
      case 'text-start':
        if (this.#textPartId !== undefined && this.#textPartId !== chunk.id && current.text) {
          this.#updateMessage(current.id, { text: `${current.text}\n\n` });
        }
        this.#textPartId = chunk.id;
        return false;
      case 'text-delta':
        this.#updateMessage(current.id, { text: current.text + chunk.delta });
        if (this.#state.status !== 'streaming') this.#set({ status: 'streaming' });
        return false;
      case 'source-url':
        if (current.sources.some((source) => source.id === chunk.sourceId)) return false;
        this.#updateMessage(current.id, {
          sources: [
            ...current.sources,
            {
              id: chunk.sourceId,
              url: chunk.url,
              ...(chunk.title ? { title: chunk.title } : {}),
            },
          ],
        });
        return false;
      case 'data-confidence':
        this.#updateMessage(current.id, {
          confidence: { score: chunk.data.score, escalate: chunk.data.escalate === true },
          ...(chunk.data.escalate ? { escalationSuggested: true } : {}),
        });
        return false;
      case 'data-escalation':
        this.#updateMessage(current.id, { escalationSuggested: true });
        return false;
      case 'data-identity-required':
        this.#updateMessage(current.id, {
          identityRequired: chunk.data.message ?? '',
        });
        return false;
      case 'data-payment': {
        const before = current.payment;
        const payment = paymentFrom(chunk.data, before);
        this.#updateMessage(current.id, { payment });
        if (
          payment.status === 'succeeded' &&
          before?.status !== 'succeeded' &&
          this.#state.conversationId
        ) {
          this.#onEvent({
            type: 'payment-updated',
            conversationId: this.#state.conversationId,
            mode: payment.mode,
          });
        }
        return false;
      }
      case 'data-recovery':
        this.#handoff = chunk.data.conversationId;
        return false;
      case 'finish':
        if (chunk.messageMetadata?.confidence !== undefined && !current.confidence) {
          this.#updateMessage(current.id, {
            confidence: { score: chunk.messageMetadata.confidence, escalate: false },
          });
        }
        return true;
      case 'abort':
        this.#updateMessage(current.id, { state: 'stopped' });
        return true;
      case 'error':
        this.#updateMessage(current.id, { state: 'error', errorText: chunk.errorText });
        this.#report(new ChurnChatError('stream', chunk.errorText), false);
        return true;
      default:
        return false;
    }
  }

  #finish(messageId: string): void {
    const id = this.#lastAssistantId(messageId);
    const message = this.#find(id);
    this.#abort = undefined;
    this.#textPartId = undefined;
    this.#resumeAttempt = 0;
    if (message && message.state === 'streaming') this.#updateMessage(id, { state: 'done' });
    this.#set({ status: message?.state === 'error' ? 'error' : 'ready' });
    this.#persist();
    const finished = this.#find(id);
    if (finished && finished.state === 'done') {
      this.#onEvent({ type: 'message-receive', message: finished });
    }
  }

  /**
   * After an answer that handed the customer to their recovery conversation: the chat goes
   * on there. Its stored messages (the greeting) join the transcript, the earlier ones stay.
   */
  async #continueInHandoff(): Promise<void> {
    const conversationId = this.#handoff;
    this.#handoff = undefined;
    if (!conversationId || conversationId === this.#state.conversationId) return;
    this.#set({ conversationId });
    try {
      const stored = await this.#client.listMessages(conversationId);
      this.#set({
        messages: [...this.#state.messages, ...stored.map((item) => this.#fromStored(item))],
      });
    } catch (error) {
      this.#report(error, false);
    }
    this.#persist();
  }

  /**
   * History read from the server (after a reload, or a stream lost before its end) whose
   * last message is an answer with a `data-recovery` part: the chat goes on in that recovery
   * conversation, as when the part arrives in the stream. A customer message after it means
   * the conversation went on where it was.
   */
  async #continueFromHistory(stored: readonly StoredMessage[]): Promise<void> {
    const last = stored.at(-1);
    if (last?.role !== 'assistant' || !last.recoveryConversationId) return;
    this.#handoff = last.recoveryConversationId;
    await this.#continueInHandoff();
  }

  #interrupt(messageId: string): void {
    const id = this.#lastAssistantId(messageId);
    this.#abort = undefined;
    this.#updateMessage(id, { state: 'interrupted' });
    this.#set({ status: 'reconnecting' });
    this.#persist();
    this.#scheduleResume();
  }

  #lastAssistantId(fallback: string): string {
    const last = this.#state.messages.at(-1);
    return last?.role === 'assistant' ? last.id : fallback;
  }

  #scheduleResume(): void {
    if (this.#disposed) return;
    this.#clearResumeTimer();
    const delays = this.#retryDelays;
    const delay = delays[Math.min(this.#resumeAttempt, delays.length - 1)] ?? 1000;
    this.#resumeAttempt += 1;
    this.#resumeTimer = setTimeout(() => {
      this.#resumeTimer = undefined;
      if (this.#state.online) void this.resume();
    }, delay);
  }

  #clearResumeTimer(): void {
    if (this.#resumeTimer !== undefined) clearTimeout(this.#resumeTimer);
    this.#resumeTimer = undefined;
  }

  #fromStored(item: StoredMessage): ChatMessage {
    return {
      id: item.id,
      role: item.role,
      text: item.text,
      state: 'done',
      createdAt: item.createdAt ?? new Date().toISOString(),
      sources: (item.sources ?? []).map((source, index) => ({
        id: `${item.id}-source-${index + 1}`,
        url: source.url,
        ...(source.title ? { title: source.title } : {}),
      })),
    };
  }

  #find(messageId: string): ChatMessage | undefined {
    return this.#state.messages.find((message) => message.id === messageId);
  }

  #replaceId(from: string, to: string): void {
    this.#set({
      messages: this.#state.messages.map((message) =>
        message.id === from ? { ...message, id: to } : message,
      ),
    });
  }

  #updateMessage(messageId: string, patch: Partial<ChatMessage>): void {
    this.#set({
      messages: this.#state.messages.map((message) =>
        message.id === messageId ? { ...message, ...patch } : message,
      ),
    });
  }

  #updatePayment(messageId: string, patch: Partial<PaymentState>): void {
    const message = this.#find(messageId);
    if (!message?.payment) return;
    this.#updateMessage(messageId, { payment: { ...message.payment, ...patch } });
  }

  #report(error: unknown, keep: boolean): void {
    const failure = toChurnChatError(error);
    if (keep) this.#set({ error: failure });
    this.#onEvent({ type: 'error', error: failure });
  }

  #set(patch: Partial<ChatState>): void {
    this.#state = { ...this.#state, ...patch };
    for (const listener of this.#listeners) listener();
  }

  #readSnapshot(): StoredSnapshot | undefined {
    try {
      const raw = this.#storage?.getItem(this.#storageKey);
      if (!raw) return undefined;
      const parsed = JSON.parse(raw) as Partial<StoredSnapshot>;
      if (parsed.version !== 1 || !Array.isArray(parsed.messages)) return undefined;
      const messages = parsed.messages.filter(
        (message): message is ChatMessage =>
          typeof message?.id === 'string' &&
          typeof message.text === 'string' &&
          (message.role === 'user' || message.role === 'assistant'),
      );
      return {
        version: 1,
        messages: messages.map((message) => ({
          ...message,
          sources: Array.isArray(message.sources) ? message.sources : [],
          state: message.state === 'sending' ? 'error' : message.state,
          ...(message.payment?.status === 'requested' || message.payment?.status === 'processing'
            ? { payment: { mode: message.payment.mode, status: 'expired' as const } }
            : {}),
        })),
        ...(typeof parsed.conversationId === 'string'
          ? { conversationId: parsed.conversationId }
          : {}),
        escalated: parsed.escalated === true,
      };
    } catch {
      return undefined;
    }
  }

  #persist(): void {
    if (!this.#storage || !this.#state.conversationId) return;
    const snapshot: StoredSnapshot = {
      version: 1,
      conversationId: this.#state.conversationId,
      escalated: this.#state.escalated,
      // A card form's client secret is never written to storage.
      messages: this.#state.messages.slice(-maximumStoredMessages).map((message) => {
        if (!message.payment) return message;
        const { clientSecret: _secret, ...payment } = message.payment;
        return { ...message, payment };
      }),
    };
    try {
      this.#storage.setItem(this.#storageKey, JSON.stringify(snapshot));
    } catch {
      // Storage full or disabled (private browsing): the conversation just isn't kept.
    }
  }
}
