import type { TemplateResult } from 'lit';
import type { ChurnChatStrings } from '../i18n/churn-chat-strings.js';
import type { Templating } from '../markdown/render-markdown.js';
import type { ChatMessage, ChurnChatController } from '../state/churn-chat-controller.js';
import {
  type CardErrors,
  readSandboxCard,
  renderSandboxForm,
  renderStripeForm,
} from './render-payment-form.js';
import {
  defaultStripeJsUrl,
  mountStripePayment,
  type StripePaymentSession,
} from './stripe-payment.js';

/** What the card step needs from the `<churn-chat>` element that shows it. */
export interface CardStepHost {
  /** The element: Payment Element containers are appended to it (light DOM). */
  readonly element: HTMLElement;
  /** Lit's `html` and `nothing` of the element (this chunk bundles no Lit of its own). */
  readonly templating: Templating;
  chat(): ChurnChatController | undefined;
  strings(): ChurnChatStrings;
  /** The widget's language, like `fr-CA`. */
  language(): string;
  stripeJsUrl(): string;
  nonce(): string | undefined;
  primaryColor(): string | undefined;
  /** Reads a result out through the polite live region. */
  announce(text: string): void;
  /** Reports a failure as `churn-error` (code `payment`). */
  reportError(message: string, cause?: unknown): void;
  requestUpdate(): void;
  /** Resolves after the element's next render. */
  updated(): Promise<unknown>;
  /** The element's shadow root (to focus the first invalid field). */
  root(): ParentNode;
}

interface StripeMount {
  container: HTMLElement;
  /** The SetupIntent this Payment Element confirms. */
  clientSecret: string;
  session?: StripePaymentSession;
  loading: boolean;
  error?: string;
}

/**
 * The card step of `<churn-chat>`, loaded with the payment chunk only when a conversation asks
 * for a card: renders the step (the demo form in sandbox mode, the Stripe Payment Element
 * otherwise), mounts the Payment Element into a light-DOM child (Stripe Elements refuse shadow
 * roots), mounts it again when a decline brings a new SetupIntent, and confirms.
 */
export class CardStep {
  readonly #host: CardStepHost;
  readonly #mounts = new Map<string, StripeMount>();
  readonly #cardErrors = new Map<string, CardErrors>();

  constructor(host: CardStepHost) {
    this.#host = host;
  }

  /** The card step of one message. */
  render(message: ChatMessage, strings: ChurnChatStrings): TemplateResult {
    const { html, nothing } = this.#host.templating;
    const payment = message.payment;
    if (!payment) return html``;
    const titleId = `payment-title-${message.id}`;
    const processing = payment.status === 'processing';
    const body = (): TemplateResult => {
      switch (payment.status) {
        case 'succeeded':
          return html`<p class="success" role="status">✓ ${strings.paymentSucceeded}</p>`;
        case 'expired':
          return html`<p class="note">${strings.paymentExpired}</p>`;
        default: {
          if (payment.mode === 'sandbox') {
            return renderSandboxForm(
              {
                messageId: message.id,
                strings,
                processing,
                errors: this.#cardErrors.get(message.id) ?? {},
                onSubmit: (event) => this.#onSandboxSubmit(event, message.id),
              },
              this.#host.templating,
            );
          }
          const mount = this.#mounts.get(message.id);
          return renderStripeForm(
            {
              messageId: message.id,
              strings,
              processing,
              loading: mount?.loading ?? true,
              failed: Boolean(mount?.error),
              ready: Boolean(mount?.session),
              onConfirm: () => void this.#confirmStripe(message.id),
            },
            this.#host.templating,
          );
        }
      }
    };
    const declined =
      payment.status === 'declined' || payment.status === 'failed'
        ? html`<p class="payment-error" role="alert">
            ${
              payment.message ||
              (payment.status === 'declined' ? strings.paymentDeclined : strings.paymentFailed)
            }
          </p>`
        : nothing;
    return html`<section class="payment" part="payment" aria-labelledby=${titleId}>
      <p class="payment-title" id=${titleId}>${strings.paymentTitle}</p>
      ${
        payment.mode === 'sandbox' ? html`<p class="demo-badge">${strings.demoNotice}</p>` : nothing
      }
      ${declined} ${body()}
    </section>`;
  }

  /** Mounts the Stripe Payment Element for every card step that waits for one. */
  sync(messages: readonly ChatMessage[]): void {
    const wanted = new Set<string>();
    for (const message of messages) {
      const payment = message.payment;
      if (
        payment?.mode !== 'stripe' ||
        !['requested', 'processing', 'declined', 'failed'].includes(payment.status)
      ) {
        continue;
      }
      const mounted = this.#mounts.get(message.id);
      // After a decline at charging the server sends a new SetupIntent: mount it afresh.
      if (mounted && payment.clientSecret && mounted.clientSecret !== payment.clientSecret) {
        this.#unmount(message.id, mounted);
      }
      wanted.add(message.id);
      if (this.#mounts.has(message.id)) continue;
      if (!payment.clientSecret || !payment.publishableKey) {
        this.#host.chat()?.declinePayment(message.id, this.#host.strings().paymentExpired);
        continue;
      }
      this.#mount(message.id, payment.clientSecret, payment.publishableKey);
    }
    for (const [id, mount] of this.#mounts) {
      if (!wanted.has(id)) this.#unmount(id, mount);
    }
  }

  /** Removes every Payment Element (the element left the page). */
  dispose(): void {
    for (const [id, mount] of this.#mounts) this.#unmount(id, mount);
  }

  #unmount(messageId: string, mount: StripeMount): void {
    mount.session?.destroy();
    mount.container.remove();
    this.#mounts.delete(messageId);
  }

  #mount(messageId: string, clientSecret: string, publishableKey: string): void {
    const host = this.#host;
    // Light DOM: Stripe's iframe cannot be mounted inside a shadow root.
    const container = document.createElement('div');
    container.slot = `payment-${messageId}`;
    container.dataset.churnPayment = messageId;
    container.style.display = 'block';
    container.style.minHeight = '40px';
    host.element.append(container);
    const mount: StripeMount = { container, clientSecret, loading: true };
    this.#mounts.set(messageId, mount);
    const primary = host.primaryColor();
    const nonce = host.nonce();
    mountStripePayment({
      stripeJsUrl: host.stripeJsUrl() || defaultStripeJsUrl,
      ...(nonce ? { nonce } : {}),
      publishableKey,
      clientSecret,
      container,
      locale: host.language().split('-')[0] ?? 'auto',
      ...(primary ? { appearance: { variables: { colorPrimary: primary } } } : {}),
    }).then(
      (session) => {
        // Replaced meanwhile (a new SetupIntent after a decline): this one is not shown.
        if (this.#mounts.get(messageId) !== mount) {
          session.destroy();
          return;
        }
        mount.session = session;
        mount.loading = false;
        host.requestUpdate();
      },
      (error: unknown) => {
        mount.loading = false;
        mount.error = error instanceof Error ? error.message : String(error);
        host.reportError(mount.error, error);
        host.requestUpdate();
      },
    );
  }

  async #confirmStripe(messageId: string): Promise<void> {
    const chat = this.#host.chat();
    const session = this.#mounts.get(messageId)?.session;
    if (!chat || !session) return;
    chat.beginPayment(messageId);
    const result = await session.confirm();
    const strings = this.#host.strings();
    if (result.status === 'succeeded') {
      const paid = await chat.confirmStripePayment(messageId, result.setupIntentId);
      if (!paid) this.#host.announce(strings.paymentDeclined);
      return;
    }
    if (result.status === 'declined') {
      chat.declinePayment(messageId, result.message || strings.paymentDeclined);
    } else {
      chat.declinePayment(messageId, strings.paymentFailed);
      this.#host.reportError(result.message || strings.paymentFailed);
    }
    this.#host.announce(strings.paymentDeclined);
  }

  #onSandboxSubmit(event: SubmitEvent, messageId: string): void {
    event.preventDefault();
    const host = this.#host;
    const strings = host.strings();
    const result = readSandboxCard(event.currentTarget as HTMLFormElement, strings);
    this.#cardErrors.set(messageId, result.errors ?? {});
    host.requestUpdate();
    if (!result.card) {
      void host.updated().then(() => {
        host.root().querySelector<HTMLInputElement>('.card-form [aria-invalid="true"]')?.focus();
      });
      return;
    }
    void host
      .chat()
      ?.confirmSandboxPayment(messageId, result.card)
      .then((ok) => {
        if (!ok) host.announce(strings.paymentDeclined);
      });
  }
}
