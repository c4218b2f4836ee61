import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { ChurnApiClient, type WidgetConfig } from '../api/churn-api-client.js';
import { ChurnChatError, toChurnChatError } from '../api/churn-chat-error.js';
import type { ChurnChatEventMap } from '../events/churn-events.js';
import {
  type ChurnChatStrings,
  isRightToLeftLanguage,
  primaryLanguage,
  resolveChurnChatStrings,
} from '../i18n/churn-chat-strings.js';
import {
  loadMarkdownModule,
  loadPaymentModule,
  loadTranslationsModule,
  type MarkdownModule,
  type PaymentModule,
} from '../lazy/load-lazy-modules.js';
import { safeImageUrl, safeUrl } from '../markdown/safe-url.js';
import type { CardStep } from '../payment/card-step.js';
import {
  type ChatMessage,
  ChurnChatController,
  type ChurnChatControllerEvent,
  type KeyValueStorage,
} from '../state/churn-chat-controller.js';
import { ChatStateBinding } from './chat-state-binding.js';
import { churnChatStyles } from './churn-chat.styles.js';
import { ConnectivityController } from './connectivity-controller.js';
import { ViewportController } from './viewport-controller.js';

/** Where the launcher sits. `bottom-end` follows the text direction. */
export type ChurnChatPosition = 'bottom-end' | 'bottom-start' | 'bottom-right' | 'bottom-left';

/** Where the conversation id and transcript are kept across reloads. */
export type ChurnChatPersistence = 'session' | 'local' | 'none';

interface FeedbackDraft {
  commentOpen: boolean;
  sent: boolean;
}

const icons = {
  chat: html`<svg viewBox="0 0 24 24" aria-hidden="true">
    <path d="M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12Z" />
  </svg>`,
  close: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6 6l12 12M18 6 6 18" /></svg>`,
  send: html`<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M5 12h13M13 6l6 6-6 6" /></svg>`,
  stop: html`<svg viewBox="0 0 24 24" aria-hidden="true">
    <rect x="7" y="7" width="10" height="10" rx="1.5" />
  </svg>`,
};

/** Dispatches one of the widget's events: bubbling, composed (it leaves the shadow root). */
function emit<K extends keyof ChurnChatEventMap>(
  target: EventTarget,
  name: K,
  detail: ChurnChatEventMap[K]['detail'],
): void {
  target.dispatchEvent(new CustomEvent(name, { detail, bubbles: true, composed: true }));
}

/** Relative luminance of a `#rgb`/`#rrggbb` colour (WCAG 2.1), or undefined. */
function luminance(color: string): number | undefined {
  const match = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (!match?.[1]) return undefined;
  const hex =
    match[1].length === 3
      ? [...match[1]].map((character) => character + character).join('')
      : match[1];
  const channels = [0, 2, 4].map((index) => {
    const value = Number.parseInt(hex.slice(index, index + 2), 16) / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  });
  const [red = 0, green = 0, blue = 0] = channels;
  return 0.2126 * red + 0.7152 * green + 0.0722 * blue;
}

/** Black or white text, whichever has the higher contrast on `background`. */
function readableOn(background: string): string | undefined {
  const value = luminance(background);
  if (value === undefined) return undefined;
  const onWhite = 1.05 / (value + 0.05);
  const onBlack = (value + 0.05) / 0.05;
  return onWhite >= onBlack ? '#ffffff' : '#111827';
}

function webStorage(kind: ChurnChatPersistence): KeyValueStorage | undefined {
  if (kind === 'none') return undefined;
  try {
    const storage = kind === 'local' ? globalThis.localStorage : globalThis.sessionStorage;
    const probe = '__churn_chat_probe__';
    storage.setItem(probe, '1');
    storage.removeItem(probe);
    return storage;
  } catch {
    return undefined;
  }
}

function visitorId(): string | undefined {
  try {
    const key = 'churn-chat:visitor';
    const existing = globalThis.localStorage.getItem(key);
    if (existing) return existing;
    const created =
      globalThis.crypto?.randomUUID?.() ?? `visitor-${Math.random().toString(36).slice(2)}`;
    globalThis.localStorage.setItem(key, created);
    return created;
  } catch {
    return undefined;
  }
}

/**
 * Churn's chat widget: a launcher button and a panel that streams answers from the tenant's
 * documentation with numbered sources, takes feedback, hands over to a person, and runs the
 * card-update step with the Stripe Payment Element (or a clearly labelled demo form in
 * sandbox mode). It never throws into the page: failures become a `churn-error` event and a
 * friendly message.
 *
 * @tag churn-chat
 * @summary The embeddable Churn chat widget.
 *
 * @slot payment-* - Filled by the widget itself (`payment-` + the message id): the light-DOM
 *   container where the Stripe Payment Element is mounted (Stripe Elements refuse shadow roots).
 *
 * @event {ChurnOpenEvent} churn-open - The panel opened.
 * @event {ChurnCloseEvent} churn-close - The panel closed.
 * @event {ChurnMessageSendEvent} churn-message-send - The customer sent a message. `detail.message`.
 * @event {ChurnMessageReceiveEvent} churn-message-receive - An answer finished. `detail.message`.
 * @event {ChurnPaymentUpdatedEvent} churn-payment-updated - The server confirmed the new card. `detail.conversationId`, `detail.mode`.
 * @event {ChurnEscalatedEvent} churn-escalated - A person was asked to take over. `detail.conversationId`, `detail.reason`.
 * @event {ChurnErrorEvent} churn-error - Something failed. `detail.error` (a `ChurnChatError`), `detail.code`.
 *
 * @csspart base - The wrapper of everything.
 * @csspart launcher - The round button that opens and closes the panel.
 * @csspart panel - The chat panel (a non-modal dialog).
 * @csspart header - The panel's header with the logo, name and status.
 * @csspart logo - The tenant's logo.
 * @csspart close-button - The header's close button.
 * @csspart messages - The scrolling list of messages.
 * @csspart message - Every message; also `message-user` or `message-assistant`.
 * @csspart bubble - A message's text.
 * @csspart sources - The numbered sources of an answer.
 * @csspart escalation-prompt - The low-confidence prompt to talk to a person.
 * @csspart handover - The notice that a person will take over.
 * @csspart feedback - The thumbs and comment of an answer.
 * @csspart payment - The card-update step.
 * @csspart composer - The form at the bottom.
 * @csspart input - The message text area.
 * @csspart send-button - The send button.
 * @csspart stop-button - The stop button, while an answer streams.
 *
 * @cssprop [--churn-color-primary=#4338ca] - Launcher, header, the customer's bubbles, buttons. Overrides the tenant's branding.
 * @cssprop [--churn-color-on-primary=#ffffff] - Text on the primary colour.
 * @cssprop [--churn-color-surface=#ffffff] - The panel's background.
 * @cssprop [--churn-color-surface-muted=#f3f4f6] - The assistant's bubbles.
 * @cssprop [--churn-color-text=#111827] - Text.
 * @cssprop [--churn-color-text-muted=#4b5563] - Secondary text.
 * @cssprop [--churn-color-border=#d1d5db] - Borders.
 * @cssprop [--churn-color-link=#1d4ed8] - Links in answers and sources.
 * @cssprop [--churn-color-danger=#b91c1c] - Errors and declines.
 * @cssprop [--churn-color-success=#166534] - The card-updated message.
 * @cssprop [--churn-color-focus=#1d4ed8] - The focus ring.
 * @cssprop [--churn-font-family=system-ui] - The font.
 * @cssprop [--churn-font-size=15px] - The base font size (inputs never go below 16px).
 * @cssprop [--churn-radius=16px] - Corner radius of the panel and bubbles.
 * @cssprop [--churn-z-index=2147483000] - Stacking order of the launcher and panel.
 * @cssprop [--churn-offset=20px] - Distance from the viewport's edges.
 * @cssprop [--churn-launcher-size=56px] - The launcher's diameter.
 * @cssprop [--churn-panel-width=380px] - The panel's width on large screens.
 * @cssprop [--churn-panel-height=600px] - The panel's height on large screens.
 * @cssprop [--churn-shadow=0 12px 40px rgb(0 0 0 / 0.18)] - The launcher's and panel's shadow.
 */
export class ChurnChat extends LitElement {
  static override styles = churnChatStyles;

  static override properties = {
    tenantKey: { type: String, attribute: 'tenant-key' },
    server: { type: String },
    customerToken: { type: String, attribute: 'customer-token' },
    isOpen: { type: Boolean, attribute: 'open', reflect: true },
    language: { type: String, attribute: 'lang' },
    direction: { type: String, attribute: 'dir' },
    position: { type: String, reflect: true },
    persist: { type: String },
    greeting: { type: String },
    stripeJsUrl: { type: String, attribute: 'stripe-js-url' },
    strings: { attribute: false },
    fetch: { attribute: false },
    announcement: { state: true, attribute: false },
  };

  /** The tenant's publishable key (`pk_...`). Required. */
  declare tenantKey: string;
  /** The Churn server's URL; the page's own origin when empty. */
  declare server: string;
  /**
   * A verified customer's identity token, signed by the tenant's backend. Needed for billing
   * (the card step) and for the customer's history. Prefer {@link ChurnChat.identify}.
   */
  declare customerToken: string;
  /** Whether the panel is open (the `open` attribute). Use `open()`, `close()` or `toggle()`. */
  declare isOpen: boolean;
  /** The `lang` attribute: the UI language (`en`, `fr`, `de`, `es` built in); the page's by default. */
  declare language: string;
  /** The `dir` attribute (`ltr` or `rtl`); follows the page and the language by default. */
  declare direction: string;
  /** Where the launcher sits: `bottom-end` (default), `bottom-start`, `bottom-right`, `bottom-left`. */
  declare position: ChurnChatPosition;
  /** Where the conversation survives a reload: `session` (default), `local` or `none`. */
  declare persist: ChurnChatPersistence;
  /** A greeting that replaces the tenant's. */
  declare greeting: string;
  /** Where Stripe.js is loaded from, only when a card update is asked for. */
  declare stripeJsUrl: string;
  /** UI strings that replace the built-in ones (any subset). */
  declare strings: Partial<ChurnChatStrings>;
  /** The `fetch` the widget uses (a proxy, tests); the global one by default. */
  declare fetch: typeof globalThis.fetch | undefined;
  /** The text of the polite live region. */
  declare protected announcement: string;

  readonly #binding = new ChatStateBinding(this);
  #markdown: MarkdownModule | undefined;
  #markdownLoading = false;
  #translations: Readonly<Record<string, ChurnChatStrings>> | undefined;
  #translationsLoading = false;
  readonly #feedback = new Map<string, FeedbackDraft>();
  #cardStep: CardStep | undefined;
  #paymentLoading = false;
  #restoreFocusToLauncher = false;
  #focusComposer = false;

  constructor() {
    super();
    this.tenantKey = '';
    this.server = '';
    this.customerToken = '';
    this.isOpen = false;
    this.language = '';
    this.direction = '';
    this.position = 'bottom-end';
    this.persist = 'session';
    this.greeting = '';
    this.stripeJsUrl = 'https://js.stripe.com/v3';
    this.strings = {};
    this.fetch = undefined;
    this.announcement = '';
    new ConnectivityController(this, {
      onOnlineChange: (online) => this.#binding.chat?.setOnline(online),
      onVisible: () => this.#binding.chat?.resumeNow(),
    });
    new ViewportController(this, () => this.renderRoot?.querySelector<HTMLElement>('.base'));
  }

  /** The headless chat behind the element (for advanced use and tests). */
  get chat(): ChurnChatController | undefined {
    return this.#binding.chat;
  }

  /** Opens the panel and moves focus to the message field. */
  open(): void {
    if (this.isOpen) return;
    this.isOpen = true;
    this.#focusComposer = true;
  }

  /** Closes the panel and returns focus to the launcher. */
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.#restoreFocusToLauncher = true;
  }

  /** Opens or closes the panel. */
  toggle(): void {
    if (this.isOpen) this.close();
    else this.open();
  }

  /** Sends a message as the customer (opens the panel). Resolves when the answer is done. */
  async send(text: string): Promise<void> {
    try {
      this.open();
      await this.#requireChat().send(text);
    } catch (error) {
      this.#emitError(error);
    }
  }

  /** Stops the answer being written. */
  async stop(): Promise<void> {
    try {
      await this.#binding.chat?.stop();
    } catch (error) {
      this.#emitError(error);
    }
  }

  /**
   * Identifies the customer with an identity token signed by the tenant's backend (or signs
   * them out with `undefined`): their history is loaded and billing becomes possible.
   */
  async identify(customerToken: string | undefined): Promise<void> {
    this.customerToken = customerToken ?? '';
    try {
      await this.#binding.chat?.identify(customerToken || undefined);
    } catch (error) {
      this.#emitError(error);
    }
  }

  /** Asks for a person to take over the conversation. */
  async escalate(reason = 'customer_request'): Promise<void> {
    try {
      await this.#binding.chat?.escalate(reason);
    } catch (error) {
      this.#emitError(error);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#cardStep?.dispose();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // Server-side rendering: no chat, no network, only the launcher's markup.
    if (typeof document === 'undefined') return;
    if (
      changed.has('tenantKey') ||
      changed.has('server') ||
      changed.has('fetch') ||
      changed.has('persist') ||
      !this.#binding.chat
    ) {
      this.#createChat();
    } else if (changed.has('customerToken')) {
      void this.#binding.chat.identify(this.customerToken || undefined).catch(() => {});
    }
    const messages = this.#binding.chat?.state.messages ?? [];
    if (!this.#markdown && messages.some((message) => message.role === 'assistant')) {
      this.#loadMarkdown();
    }
    if (!this.#cardStep && messages.some((message) => message.payment)) this.#loadPayment();
  }

  #loadPayment(): void {
    if (this.#paymentLoading) return;
    this.#paymentLoading = true;
    loadPaymentModule().then(
      (module) => {
        this.#cardStep = new module.CardStep(this.#cardStepHost());
        this.#adoptStyles(module.paymentStyles);
        this.requestUpdate();
      },
      (error: unknown) => {
        this.#paymentLoading = false;
        this.#emitError(
          new ChurnChatError('payment', 'The card form could not be loaded.', { cause: error }),
        );
      },
    );
  }
  #cardStepHost(): ConstructorParameters<PaymentModule['CardStep']>[0] {
    return {
      element: this,
      templating: { html, nothing },
      chat: () => this.#binding.chat,
      strings: () => this.#strings(),
      language: () => this.#language(),
      stripeJsUrl: () => this.stripeJsUrl,
      nonce: () => this.nonce || undefined,
      primaryColor: () => this.#binding.chat?.state.config?.colors?.primary,
      announce: (text) => {
        this.announcement = text;
      },
      reportError: (message, cause) =>
        this.#emitError(new ChurnChatError('payment', message, { cause })),
      requestUpdate: () => this.requestUpdate(),
      updated: () => this.updateComplete,
      root: () => this.renderRoot,
    };
  }

  #createChat(): void {
    const previous = this.#binding.chat;
    if (previous) previous.dispose();
    if (!this.tenantKey) {
      this.#binding.chat = undefined;
      return;
    }
    const client = new ChurnApiClient({
      tenantKey: this.tenantKey,
      server: this.server,
      ...(this.customerToken ? { customerToken: this.customerToken } : {}),
      ...(this.fetch ? { fetch: this.fetch } : {}),
      ...(this.persist === 'none' ? {} : { visitorId: visitorId() }),
    });
    const chat = new ChurnChatController({
      client,
      storage: webStorage(this.persist),
      storageKey: `churn-chat:${this.tenantKey}`,
      onEvent: (event) => this.#onChatEvent(event),
    });
    this.#binding.chat = chat;
    void chat.loadConfig().then((config) => {
      if (config) this.requestUpdate();
    });
    void chat.restore();
  }

  #requireChat(): ChurnChatController {
    const chat = this.#binding.chat;
    if (!chat) {
      throw new ChurnChatError(
        'configuration',
        'No tenant key: set the `tenant-key` attribute to your publishable key (pk_...).',
      );
    }
    return chat;
  }

  #onChatEvent(event: ChurnChatControllerEvent): void {
    const strings = this.#strings();
    switch (event.type) {
      case 'message-send':
        this.#emit('churn-message-send', { message: event.message });
        break;
      case 'message-receive':
        this.announcement = `${strings.newReply}: ${event.message.text}`;
        this.#emit('churn-message-receive', { message: event.message });
        break;
      case 'escalated':
        this.announcement = strings.escalated;
        this.#emit('churn-escalated', {
          conversationId: event.conversationId,
          reason: event.reason,
        });
        break;
      case 'payment-updated':
        this.announcement = strings.paymentSucceeded;
        this.#emit('churn-payment-updated', {
          conversationId: event.conversationId,
          mode: event.mode,
        });
        break;
      case 'error':
        this.#emitError(event.error);
        break;
    }
  }

  #emit<K extends keyof ChurnChatEventMap>(name: K, detail: ChurnChatEventMap[K]['detail']): void {
    emit(this, name, detail);
  }

  #emitError(error: unknown): void {
    const failure = toChurnChatError(error);
    this.#emit('churn-error', { error: failure, code: failure.code });
  }

  #loadMarkdown(): void {
    if (this.#markdownLoading) return;
    this.#markdownLoading = true;
    loadMarkdownModule().then(
      (module) => {
        this.#markdown = module;
        this.#adoptStyles(module.markdownStyles);
        this.requestUpdate();
      },
      (error: unknown) => {
        // Plain text stays: the answer is still readable.
        this.#emitError(error);
      },
    );
  }

  /** Adds a lazily loaded module's styles to the shadow root (constructable, CSP-safe). */
  #adoptStyles(cssText: string): void {
    const root = this.shadowRoot;
    if (!root) return;
    if ('replaceSync' in CSSStyleSheet.prototype) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(cssText);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      return;
    }
    const style = document.createElement('style');
    if (this.nonce) style.nonce = this.nonce;
    style.textContent = cssText;
    root.append(style);
  }

  #strings(): ChurnChatStrings {
    const language = this.#language();
    if (!this.#translations && primaryLanguage(language) !== 'en') this.#loadTranslations();
    return resolveChurnChatStrings(language, this.strings, this.#translations);
  }

  #loadTranslations(): void {
    if (this.#translationsLoading || typeof document === 'undefined') return;
    this.#translationsLoading = true;
    loadTranslationsModule().then(
      (module) => {
        this.#translations = module.churnChatTranslations;
        this.requestUpdate();
      },
      (error: unknown) => this.#emitError(error),
    );
  }

  #language(): string {
    if (this.language) return this.language;
    if (typeof document === 'undefined') return 'en';
    const inherited = this.parentElement?.closest<HTMLElement>('[lang]')?.lang;
    return inherited || document.documentElement.lang || globalThis.navigator?.language || 'en';
  }

  #direction(): 'ltr' | 'rtl' {
    if (this.direction === 'rtl' || this.direction === 'ltr') return this.direction;
    if (isRightToLeftLanguage(this.#language())) return 'rtl';
    if (typeof document === 'undefined') return 'ltr';
    const inherited = this.parentElement?.closest<HTMLElement>('[dir]')?.dir;
    return inherited === 'rtl' ? 'rtl' : 'ltr';
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('isOpen') && changed.get('isOpen') !== undefined) {
      this.#emit(this.isOpen ? 'churn-open' : 'churn-close', {});
    }
    if (this.#focusComposer && this.isOpen) {
      this.#focusComposer = false;
      this.renderRoot.querySelector<HTMLTextAreaElement>('textarea.input')?.focus();
    }
    if (this.#restoreFocusToLauncher && !this.isOpen) {
      this.#restoreFocusToLauncher = false;
      this.renderRoot.querySelector<HTMLButtonElement>('.launcher')?.focus();
    }
    this.#applyBranding();
    this.#scrollToEnd();
    this.#cardStep?.sync(this.#binding.chat?.state.messages ?? []);
  }

  /** The tenant's colours, as private custom properties (CSSOM: fine under a strict CSP). */
  #applyBranding(): void {
    const base = this.renderRoot.querySelector<HTMLElement>('.base');
    const colors = this.#binding.chat?.state.config?.colors;
    const primary = colors?.primary;
    if (!base || !primary || luminance(primary) === undefined) return;
    base.style.setProperty('--_brand-primary', primary);
    const onPrimary = readableOn(primary);
    if (onPrimary) base.style.setProperty('--_brand-on-primary', onPrimary);
  }

  #scrollToEnd(): void {
    const list = this.renderRoot.querySelector<HTMLElement>('.messages');
    if (!list) return;
    const nearEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 120;
    if (nearEnd) list.scrollTop = list.scrollHeight;
  }

  protected override render(): TemplateResult {
    const strings = this.#strings();
    const state = this.#binding.chat?.state;
    const config: WidgetConfig = state?.config ?? {};
    const side =
      this.position === 'bottom-left'
        ? 'left'
        : this.position === 'bottom-right'
          ? 'right'
          : this.position === 'bottom-start'
            ? 'start'
            : 'end';
    return html`<div
      part="base"
      class="base ${side} ${this.isOpen ? 'open' : ''}"
      dir=${this.#direction()}
      lang=${this.#language()}
    >
      ${this.#renderPanel(strings, config)}
      <button
        part="launcher"
        class="launcher"
        type="button"
        aria-expanded=${this.isOpen ? 'true' : 'false'}
        aria-controls="panel"
        aria-label=${this.isOpen ? strings.closeChat : strings.openChat}
        @click=${() => this.toggle()}
      >
        ${this.isOpen ? icons.close : icons.chat}
      </button>
    </div>`;
  }

  #renderPanel(strings: ChurnChatStrings, config: WidgetConfig): TemplateResult {
    const state = this.#binding.chat?.state;
    const status = state?.status ?? 'ready';
    const online = state?.online ?? true;
    const busy = status === 'submitted' || status === 'streaming';
    const statusText = !online
      ? strings.statusOffline
      : status === 'reconnecting'
        ? strings.statusReconnecting
        : busy
          ? strings.statusThinking
          : strings.statusOnline;
    const logo = safeImageUrl(config.logoUrl);
    const title = config.name ?? strings.defaultTitle;
    const greeting = this.greeting || config.greeting || strings.defaultGreeting;
    const messages = state?.messages ?? [];
    const lastUser = [...messages].reverse().find((message) => message.role === 'user');
    return html`<section
      part="panel"
      id="panel"
      class="panel"
      role="dialog"
      aria-modal="false"
      aria-labelledby="title"
      ?hidden=${!this.isOpen}
      @keydown=${this.#onPanelKeydown}
    >
      <header part="header" class="header">
        ${logo ? html`<img part="logo" class="logo" src=${logo} alt="" />` : nothing}
        <div class="heading">
          <h2 class="title" id="title">${title}</h2>
          <p class="status">
            <span
              class="status-dot ${!online ? 'offline' : busy || status === 'reconnecting' ? 'busy' : ''}"
              aria-hidden="true"
            ></span>
            <span>${statusText}</span>
          </p>
        </div>
        <button
          part="close-button"
          class="icon-button"
          type="button"
          aria-label=${strings.closeChat}
          @click=${() => this.close()}
        >
          ${icons.close}
        </button>
      </header>
      <div
        part="messages"
        class="messages"
        role="log"
        aria-label=${strings.conversationLabel}
        tabindex="0"
      >
        <div class="message assistant" part="message message-assistant">
          <div class="bubble plain" part="bubble">${greeting}</div>
        </div>
        ${messages.map((message) =>
          message.role === 'user'
            ? this.#renderUserMessage(message, strings)
            : this.#renderAssistantMessage(message, strings, message.id === messages.at(-1)?.id),
        )}
        ${
          state?.escalated
            ? html`<div class="handover" part="handover" role="status">
              <p>${strings.escalated}</p>
            </div>`
            : nothing
        }
      </div>
      <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        ${this.announcement}
      </div>
      ${
        state?.error && state.status === 'error' && lastUser?.state !== 'error'
          ? html`<p class="alert" role="alert">${strings.errorGeneric}</p>`
          : nothing
      }
      ${this.#renderComposer(strings, busy || status === 'reconnecting')}
    </section>`;
  }

  #renderComposer(strings: ChurnChatStrings, busy: boolean): TemplateResult {
    return html`<form part="composer" class="composer" @submit=${this.#onSubmit}>
      <label class="visually-hidden" for="composer-input">${strings.messageLabel}</label>
      <textarea
        part="input"
        class="input"
        id="composer-input"
        name="message"
        rows="1"
        enterkeyhint="send"
        autocomplete="off"
        placeholder=${strings.messagePlaceholder}
        @keydown=${this.#onComposerKeydown}
      ></textarea>
      ${
        busy
          ? html`<button
            part="stop-button"
            class="icon-button stop"
            type="button"
            aria-label=${strings.stop}
            @click=${() => this.stop()}
          >
            ${icons.stop}
          </button>`
          : html`<button part="send-button" class="icon-button send" type="submit" aria-label=${strings.send}>
            ${icons.send}
          </button>`
      }
    </form>`;
  }

  #renderUserMessage(message: ChatMessage, strings: ChurnChatStrings): TemplateResult {
    return html`<div class="message user" part="message message-user" data-message-id=${message.id}>
      <span class="visually-hidden">${strings.you}:</span>
      <div class="bubble" part="bubble">${message.text}</div>
      ${
        message.state === 'error'
          ? html`<p class="note error">
            ${strings.sendFailed}
            <button
              class="link-button"
              type="button"
              @click=${() => void this.#binding.chat?.retry(message.id)}
            >
              ${strings.retry}
            </button>
          </p>`
          : nothing
      }
    </div>`;
  }

  #renderAssistantMessage(
    message: ChatMessage,
    strings: ChurnChatStrings,
    isLast: boolean,
  ): TemplateResult {
    const escalated = this.#binding.chat?.state.escalated ?? false;
    const streaming = message.state === 'streaming';
    return html`<div
      class="message assistant"
      part="message message-assistant"
      data-message-id=${message.id}
      aria-busy=${streaming ? 'true' : 'false'}
    >
      <span class="visually-hidden">${strings.assistant}:</span>
      ${
        message.text || !streaming
          ? html`<div class="bubble" part="bubble">${this.#renderText(message.text, strings)}</div>`
          : html`<div class="bubble" part="bubble">
            <span class="typing" aria-hidden="true"><span></span><span></span><span></span></span>
            <span class="visually-hidden">${strings.typing}</span>
          </div>`
      }
      ${this.#renderSources(message, strings)}
      ${message.state === 'stopped' ? html`<p class="note">${strings.stopped}</p>` : nothing}
      ${
        message.state === 'interrupted' && isLast
          ? html`<p class="note">${strings.interrupted}</p>`
          : nothing
      }
      ${
        message.state === 'error'
          ? html`<p class="note error">${strings.errorGeneric}</p>`
          : nothing
      }
      ${
        message.identityRequired !== undefined
          ? html`<p class="note">${message.identityRequired || strings.identityRequired}</p>`
          : nothing
      }
      ${
        message.payment
          ? (this.#cardStep?.render(message, strings) ??
            html`<p class="note" role="status">${strings.paymentLoading}</p>`)
          : nothing
      }
      ${
        message.escalationSuggested && !escalated && message.state === 'done'
          ? html`<div class="prompt" part="escalation-prompt">
            <p>${strings.lowConfidence}</p>
            <button
              class="secondary-button"
              type="button"
              @click=${() => void this.escalate('low_confidence')}
            >
              ${strings.talkToPerson}
            </button>
          </div>`
          : nothing
      }
      ${
        message.state === 'done' && !message.payment
          ? this.#renderFeedback(message, strings)
          : nothing
      }
    </div>`;
  }

  #renderText(text: string, strings: ChurnChatStrings): TemplateResult {
    if (!this.#markdown) return html`<div class="plain">${text}</div>`;
    try {
      return this.#markdown.renderMarkdown(
        text,
        { html, nothing },
        { opensInNewTab: strings.opensInNewTab },
      );
    } catch {
      return html`<div class="plain">${text}</div>`;
    }
  }

  #renderSources(message: ChatMessage, strings: ChurnChatStrings): TemplateResult | typeof nothing {
    const sources = message.sources.flatMap((source) => {
      const url = safeUrl(source.url);
      return url ? [{ ...source, url }] : [];
    });
    if (sources.length === 0) return nothing;
    return html`<nav class="sources" part="sources" aria-label=${strings.sources}>
      <p class="sources-title" aria-hidden="true">${strings.sources}</p>
      <ol>
        ${sources.map(
          (source) =>
            html`<li>
              <a href=${source.url} target="_blank" rel="noopener noreferrer"
                >${source.title || new URL(source.url).hostname}<span class="visually-hidden">
                  ${strings.opensInNewTab}</span
                ></a
              >
            </li>`,
        )}
      </ol>
    </nav>`;
  }

  #renderFeedback(message: ChatMessage, strings: ChurnChatStrings): TemplateResult {
    const draft = this.#feedback.get(message.id) ?? { commentOpen: false, sent: false };
    const choose = async (type: 'thumbs_up' | 'thumbs_down') => {
      this.#feedback.set(message.id, { commentOpen: true, sent: false });
      this.requestUpdate();
      await this.#binding.chat?.sendFeedback(message.id, { type });
    };
    const submitComment = async (event: SubmitEvent) => {
      event.preventDefault();
      const form = event.currentTarget as HTMLFormElement;
      const comment = String(new FormData(form).get('comment') ?? '').trim();
      const type = message.feedback;
      if (!type) return;
      if (comment) await this.#binding.chat?.sendFeedback(message.id, { type, comment });
      this.#feedback.set(message.id, { commentOpen: false, sent: true });
      this.requestUpdate();
    };
    const commentId = `comment-${message.id}`;
    return html`<div class="feedback" part="feedback">
      ${
        draft.sent
          ? html`<p role="status">${strings.feedbackThanks}</p>`
          : html`<p>${strings.feedbackQuestion}</p>
            <button
              class="thumb"
              type="button"
              aria-pressed=${message.feedback === 'thumbs_up' ? 'true' : 'false'}
              @click=${() => void choose('thumbs_up')}
            >
              <span aria-hidden="true">👍</span><span class="visually-hidden">${strings.thumbsUp}</span>
            </button>
            <button
              class="thumb"
              type="button"
              aria-pressed=${message.feedback === 'thumbs_down' ? 'true' : 'false'}
              @click=${() => void choose('thumbs_down')}
            >
              <span aria-hidden="true">👎</span
              ><span class="visually-hidden">${strings.thumbsDown}</span>
            </button>
            ${
              draft.commentOpen && message.feedback
                ? html`<form class="comment" @submit=${submitComment}>
                  <label for=${commentId}>${strings.feedbackCommentLabel}</label>
                  <textarea id=${commentId} name="comment" rows="2" maxlength="1000"></textarea>
                  <button class="secondary-button" type="submit">${strings.feedbackSubmit}</button>
                </form>`
                : nothing
            }`
      }
    </div>`;
  }

  #onSubmit = (event: SubmitEvent): void => {
    event.preventDefault();
    const input = this.renderRoot.querySelector<HTMLTextAreaElement>('textarea.input');
    if (!input) return;
    const text = input.value.trim();
    if (!text || this.#binding.chat?.busy) return;
    input.value = '';
    void this.send(text);
  };

  #onComposerKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      (event.currentTarget as HTMLTextAreaElement).form?.requestSubmit();
    }
  };

  #onPanelKeydown = (event: KeyboardEvent): void => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      this.close();
    }
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'churn-chat': ChurnChat;
  }
}
