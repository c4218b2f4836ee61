import { html, type TemplateResult } from 'lit';

/**
 * A secret the server answers once (a signing secret, an identity secret): a read-only field
 * to copy it from, a warning that it cannot be read again, and a button to dismiss it.
 */
export function shownOnce(options: {
  id: string;
  label: string;
  value: string;
  warning: string;
  onDone: () => void;
}): TemplateResult {
  return html`<div class="reveal" role="status">
    <p><strong>${options.warning}</strong></p>
    <label for=${options.id}>${options.label}</label>
    <input id=${options.id} readonly .value=${options.value} @focus=${(event: Event) => (event.target as HTMLInputElement).select()} />
    <button type="button" class="secondary" @click=${() => void navigator.clipboard?.writeText(options.value)}>Copy</button>
    <button type="button" class="secondary" @click=${options.onDone}>I saved it</button>
  </div>`;
}

/** A section's message: an error (alert) or a notice (status). */
export interface SectionMessage {
  kind: 'error' | 'notice';
  text: string;
}

/** Renders a {@link SectionMessage}, if any. */
export function sectionMessage(message: SectionMessage | undefined): TemplateResult | string {
  if (!message) return '';
  return message.kind === 'error'
    ? html`<p class="error" role="alert">${message.text}</p>`
    : html`<p class="notice" role="status">${message.text}</p>`;
}
