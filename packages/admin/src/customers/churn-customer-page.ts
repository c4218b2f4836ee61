import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDate, formatDateTime, formatMoney, humanize } from '../elements/format.js';
import { toCustomerInvoiceRow } from './customer-invoice.js';
import { type CustomerRow, toCustomerRow } from './customer-row.js';

type Raw = Record<string, unknown>;

interface CustomerDetail {
  customer: unknown;
  paymentMethods: Raw[];
  /** Newest first: the payment provider's, or the ones Churn knows of (`invoicesSource`). */
  invoices: Raw[];
  invoicesSource?: 'provider' | 'churn';
  /** Why the provider's invoices are not shown, and what to do. */
  invoicesNote?: string;
  conversations: {
    id: string;
    status: string;
    kind: string;
    startedAt: string;
    lastActivityAt?: string;
    messageCount?: number;
  }[];
}

const text = (value: unknown): string =>
  typeof value === 'string' || typeof value === 'number' ? String(value) : '';

/**
 * `<churn-customer-page>`: one customer from `GET /api/customers/{id}`: their risk, payment
 * methods, invoices and conversation history, and a button to start an intervention.
 */
export class ChurnCustomerPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    customerId: { attribute: false },
    detail: { state: true },
    error: { state: true },
    notice: { state: true },
  };

  declare customerId: string;
  declare detail: (CustomerDetail & { row: CustomerRow }) | undefined;
  declare error: string;
  declare notice: string;

  constructor() {
    super();
    this.customerId = '';
    this.error = '';
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    try {
      const detail = await this.api.get<CustomerDetail>(
        `/api/customers/${encodeURIComponent(this.customerId)}`,
      );
      this.detail = { ...detail, row: toCustomerRow(detail.customer) };
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #startIntervention(): Promise<void> {
    this.error = '';
    try {
      const result = await this.api.post<{
        interventions: { conversationId: string }[];
        skipped: { reason: string }[];
      }>('/api/interventions', { customerIds: [this.customerId] });
      this.notice = result.interventions.length
        ? 'Intervention started: the recovery conversation is in the list below.'
        : `Not started: ${result.skipped.map((item) => item.reason).join(' ')}`;
      await this.#load();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  protected override render(): TemplateResult {
    const detail = this.detail;
    if (!detail) {
      return html`<h1>Customer</h1>${this.error ? html`<p class="error" role="alert">${this.error}</p>` : html`<p role="status">Loading…</p>`}`;
    }
    const row = detail.row;
    return html`
      <p><a href=${this.href('customers')}>← At-risk customers</a></p>
      <h1>${row.name}</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      <dl class="facts">
        <div><dt>Email</dt><dd>${row.email || '—'}</dd></div>
        <div><dt>Status</dt><dd>${humanize(row.status)}</dd></div>
        <div><dt>Risk</dt><dd>${humanize(row.riskCategory)}${row.severity ? ` (${row.severity})` : ''}</dd></div>
        <div><dt>Monthly value</dt><dd>${formatMoney(row.monthlyValueCents, row.currency)}</dd></div>
        <div><dt>Stripe customer</dt><dd>${row.externalId ?? '—'}</dd></div>
        <div><dt>Last intervention</dt><dd>${formatDateTime(row.lastInterventionAt)}</dd></div>
      </dl>
      ${
        this.can('interventions:start')
          ? html`<p><button type="button" @click=${() => this.#startIntervention()}>Start intervention</button></p>`
          : nothing
      }
      <section aria-labelledby="payment-methods-title">
        <h2 id="payment-methods-title">Payment methods</h2>
        ${
          detail.paymentMethods.length === 0
            ? html`<p>No payment method on file.</p>`
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Card</th><th scope="col">Expires</th><th scope="col">Status</th><th scope="col">Failed payments</th><th scope="col">Default</th></tr></thead>
              <tbody>${detail.paymentMethods.map(
                (method) => html`<tr>
                  <td>${text(method.cardBrand ?? method.brand)} ···· ${text(method.lastFour ?? method.last4)}</td>
                  <td>${text(method.expiryMonth ?? method.expMonth)}/${text(method.expiryYear ?? method.expYear)}</td>
                  <td>${humanize(text(method.status))}</td>
                  <td class="number">${text(method.failureCount) || '0'}${method.lastFailureAt ? html`<span class="muted small"> (last ${formatDate(text(method.lastFailureAt))})</span>` : nothing}</td>
                  <td>${method.isDefault ? 'Yes' : 'No'}</td>
                </tr>`,
              )}</tbody></table></div>`
        }
      </section>
      <section aria-labelledby="invoices-title">
        <h2 id="invoices-title">Invoices</h2>
        ${detail.invoicesNote ? html`<p class="muted small" role="note">${detail.invoicesNote}</p>` : nothing}
        ${
          detail.invoices.length === 0
            ? html`<p>No invoices.</p>`
            : html`<div class="table-wrap"><table>
              <thead><tr><th scope="col">Number</th><th scope="col">Date</th><th scope="col">Total</th><th scope="col">Status</th></tr></thead>
              <tbody>${detail.invoices.map((invoice) => {
                const view = toCustomerInvoiceRow(invoice, row.currency);
                return html`<tr>
                  <th scope="row">${
                    view.hostedInvoiceUrl
                      ? html`<a href=${view.hostedInvoiceUrl} target="_blank" rel="noopener noreferrer">${view.number}<span class="visually-hidden"> (opens in a new tab)</span></a>`
                      : view.number
                  }</th>
                  <td>${view.date}</td>
                  <td class="number">${view.total}</td>
                  <td>${view.status}</td>
                </tr>`;
              })}</tbody></table></div>`
        }
      </section>
      <section aria-labelledby="history-title">
        <h2 id="history-title">Conversations</h2>
        ${
          detail.conversations.length === 0
            ? html`<p>No conversations yet.</p>`
            : html`<ul class="plain-list">${detail.conversations.map(
                (conversation) => html`<li>
                <a href=${this.href(`conversations/${encodeURIComponent(conversation.id)}`)}>${humanize(conversation.kind)} conversation, ${formatDateTime(conversation.startedAt)}</a>
                <span class="muted">· ${humanize(conversation.status)} · ${conversation.messageCount ?? 0} messages</span>
              </li>`,
              )}</ul>`
        }
      </section>
    `;
  }
}
