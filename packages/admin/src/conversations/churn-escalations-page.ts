import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, humanize } from '../elements/format.js';

/** An escalation of `GET /api/escalations`. */
export interface Escalation {
  id: string;
  conversationId: string;
  reason: string;
  ticketId?: string;
  escalatedAt: string;
  status: 'pending' | 'resolved' | 'closed';
}

/** What the state machine allows next from each status. */
const nextStatuses: Record<Escalation['status'], Escalation['status'][]> = {
  pending: ['resolved', 'closed'],
  resolved: ['closed', 'pending'],
  closed: [],
};

/**
 * `<churn-escalations-page>`: the escalation queue (`GET /api/escalations`), filtered by
 * status, each moved on with `PATCH /api/escalations/{id}`; the server's state machine
 * refuses what it does not allow and its message is shown.
 */
export class ChurnEscalationsPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    escalations: { state: true },
    status: { state: true },
    error: { state: true },
    notice: { state: true },
  };

  declare escalations: Escalation[];
  declare status: string;
  declare error: string;
  declare notice: string;

  constructor() {
    super();
    this.escalations = [];
    this.status = 'pending';
    this.error = '';
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    try {
      const body = await this.api.get<{ escalations: Escalation[] }>('/api/escalations', {
        status: this.status,
        limit: 100,
      });
      this.escalations = body.escalations;
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #move(escalation: Escalation, status: string): Promise<void> {
    this.error = '';
    this.notice = '';
    try {
      await this.api.patch(`/api/escalations/${encodeURIComponent(escalation.id)}`, { status });
      this.notice = `Escalation ${escalation.id} is now ${status}.`;
      await this.#load();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  protected override render(): TemplateResult {
    const canWrite = this.can('escalations:write');
    return html`
      <h1>Escalations</h1>
      <div class="filters compact">
        <div class="field"><label for="escalation-status">Status</label>
          <select id="escalation-status" .value=${this.status} @change=${(event: Event) => {
            this.status = (event.target as HTMLSelectElement).value;
            void this.#load();
          }}>
            <option value="">All</option><option value="pending">Pending</option><option value="resolved">Resolved</option><option value="closed">Closed</option>
          </select></div>
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      ${
        this.escalations.length === 0
          ? html`<p>The queue is empty.</p>`
          : html`<div class="table-wrap"><table>
            <thead><tr><th scope="col">Escalated</th><th scope="col">Reason</th><th scope="col">Conversation</th><th scope="col">Status</th>${canWrite ? html`<th scope="col">Move to</th>` : nothing}</tr></thead>
            <tbody>${this.escalations.map(
              (escalation) => html`<tr>
                <td>${formatDateTime(escalation.escalatedAt)}</td>
                <td>${humanize(escalation.reason)}</td>
                <td><a href=${this.href(`conversations/${encodeURIComponent(escalation.conversationId)}`)}>Open conversation</a></td>
                <td><span class=${`badge status-${escalation.status}`}>${humanize(escalation.status)}</span></td>
                ${
                  canWrite
                    ? html`<td>${nextStatuses[escalation.status].map(
                        (
                          status,
                        ) => html`<button type="button" class="secondary small" @click=${() => this.#move(escalation, status)}
                        aria-label=${`Mark escalation of ${formatDateTime(escalation.escalatedAt)} ${status}`}>${humanize(status)}</button> `,
                      )}</td>`
                    : nothing
                }
              </tr>`,
            )}</tbody></table></div>`
      }
    `;
  }
}
