import type { TemplateResult } from 'lit';
import type { SandboxCard } from '../api/churn-api-client.js';
import type { ChurnChatStrings } from '../i18n/churn-chat-strings.js';
import type { Templating } from '../markdown/render-markdown.js';
import { isValidCvc, normaliseCardNumber, parseExpiry, passesLuhn } from './card-validation.js';

const css = String.raw;

/** The styles of the card forms, adopted by the element when this module loads. */
export const paymentStyles = css`
  .primary-button {
    border: 0;
    border-radius: 999px;
    padding: 8px 16px;
    min-height: 40px;
    background: var(--_primary);
    color: var(--_on-primary);
    font-weight: 600;
  }

  .field {
    display: flex;
    flex-direction: column;
    gap: 4px;
  }

  .field-row {
    display: flex;
    gap: 8px;
  }

  .field-row .field {
    flex: 1;
  }

  .field-error {
    color: var(--_danger);
    margin: 0;
    font-size: 0.85em;
  }

  .stripe-slot {
    display: block;
    min-height: 40px;
  }

  .field label {
    font-size: 0.9em;
  }

  .field input {
    width: 100%;
    border: 1px solid #6b7280;
    border-radius: 8px;
    padding: 8px 10px;
    background: var(--_surface);
    color: var(--_text);
    font-size: 16px;
  }
`;

/** A field of the demo card form. */
export type CardField = 'number' | 'expiry' | 'cvc';

/** What is wrong with each field of the demo card form. */
export type CardErrors = Partial<Record<CardField, string>>;

/** What the demo card form shows. */
export interface SandboxFormView {
  messageId: string;
  strings: ChurnChatStrings;
  processing: boolean;
  errors: CardErrors;
  onSubmit: (event: SubmitEvent) => void;
}

/** What the Stripe card form shows around the slotted Payment Element. */
export interface StripeFormView {
  messageId: string;
  strings: ChurnChatStrings;
  processing: boolean;
  loading: boolean;
  failed: boolean;
  ready: boolean;
  onConfirm: () => void;
}

/**
 * The clearly labelled DEMO card form of sandbox mode: number, expiry and security code,
 * each labelled, with its error tied to it (`aria-describedby`).
 */
export function renderSandboxForm(view: SandboxFormView, templating: Templating): TemplateResult {
  const { html, nothing } = templating;
  const { strings, errors, processing, messageId } = view;
  const field = (
    name: CardField,
    label: string,
    autocomplete: string,
    placeholder: string,
  ): TemplateResult => {
    const id = `card-${name}-${messageId}`;
    const error = errors[name];
    return html`<div class="field">
      <label for=${id}>${label}</label>
      <input
        id=${id}
        name=${name}
        autocomplete=${autocomplete}
        inputmode="numeric"
        placeholder=${placeholder}
        aria-invalid=${error ? 'true' : 'false'}
        aria-describedby=${error ? `${id}-error` : nothing}
        ?disabled=${processing}
      />
      ${error ? html`<p class="field-error" id=${`${id}-error`}>${error}</p>` : nothing}
    </div>`;
  };
  return html`<form class="card-form" novalidate @submit=${view.onSubmit}>
    ${field('number', strings.cardNumber, 'cc-number', '4242 4242 4242 4242')}
    <div class="field-row">
      ${field('expiry', strings.cardExpiry, 'cc-exp', 'MM/YY')}
      ${field('cvc', strings.cardCvc, 'cc-csc', '123')}
    </div>
    <button class="primary-button" type="submit" ?disabled=${processing}>
      ${processing ? strings.paymentProcessing : strings.paymentSubmit}
    </button>
  </form>`;
}

/** The Stripe card form: the light-DOM Payment Element comes in through a named slot. */
export function renderStripeForm(view: StripeFormView, templating: Templating): TemplateResult {
  const { html, nothing } = templating;
  const { strings } = view;
  return html`<div class="stripe-form">
    ${view.loading ? html`<p class="note" role="status">${strings.paymentLoading}</p>` : nothing}
    ${view.failed ? html`<p class="payment-error" role="alert">${strings.paymentFailed}</p>` : nothing}
    <slot class="stripe-slot" name=${`payment-${view.messageId}`}></slot>
    <button
      class="primary-button"
      type="button"
      ?disabled=${view.processing || !view.ready}
      @click=${view.onConfirm}
    >
      ${view.processing ? strings.paymentProcessing : strings.paymentSubmit}
    </button>
  </div>`;
}

/** Reads and checks the demo card form: the card, or what is wrong. */
export function readSandboxCard(
  form: HTMLFormElement,
  strings: ChurnChatStrings,
): { card: SandboxCard; errors?: undefined } | { card?: undefined; errors: CardErrors } {
  const data = new FormData(form);
  const number = normaliseCardNumber(String(data.get('number') ?? ''));
  const expiry = parseExpiry(String(data.get('expiry') ?? ''));
  const cvc = String(data.get('cvc') ?? '').trim();
  const errors: CardErrors = {};
  if (!passesLuhn(number)) errors.number = strings.cardNumberInvalid;
  if (!expiry) errors.expiry = strings.cardExpiryInvalid;
  if (!isValidCvc(cvc)) errors.cvc = strings.cardCvcInvalid;
  if (!expiry || Object.keys(errors).length > 0) return { errors };
  return { card: { number, expMonth: expiry.month, expYear: expiry.year, cvc } };
}
