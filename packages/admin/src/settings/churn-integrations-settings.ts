import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, humanize } from '../elements/format.js';
import { type SectionMessage, sectionMessage, shownOnce } from './shown-once.js';

/** An integration of `GET /api/integrations` (no URL token, no secret). */
export interface Integration {
  id: string;
  platform: 'slack' | 'discord' | 'webhook';
  name?: string;
  enabled: boolean;
  /** Scheme and host of the receiver. */
  webhookUrlPreview?: string;
  hasSigningSecret?: boolean;
  config?: { maxAttempts?: number; consoleUrl?: string };
}

/** A row of `GET /api/integrations/{id}/deliveries`. */
interface Delivery {
  id: string;
  kind: string;
  status: 'pending' | 'processing' | 'delivered' | 'dead';
  attempts: number;
  maxAttempts: number;
  lastError?: string;
  lastStatusCode?: number;
  createdAt: string;
  deliveredAt?: string;
}

/** What creating an integration or rotating its secret answers (the secret once). */
interface IntegrationWithSecret {
  integration: Integration;
  signingSecret?: string;
}

const platformLabels: Record<Integration['platform'], string> = {
  slack: 'Slack (incoming webhook)',
  discord: 'Discord (webhook)',
  webhook: 'Signed webhook',
};

const nameOf = (integration: Integration) =>
  integration.name ?? platformLabels[integration.platform];

/**
 * Reads the config fields of a create or edit form: attempts before a delivery is dead, and
 * the console address for links in messages. Empty fields are left out.
 */
function configOf(data: FormData): Integration['config'] {
  const config: NonNullable<Integration['config']> = {};
  const attempts = String(data.get('maxAttempts') ?? '').trim();
  if (attempts) config.maxAttempts = Number(attempts);
  const consoleUrl = String(data.get('consoleUrl') ?? '').trim();
  if (consoleUrl) config.consoleUrl = consoleUrl;
  return config;
}

/**
 * `<churn-integrations-settings>`: the tenant's Slack, Discord and signed-webhook integrations.
 * Everyone with `integrations:read` sees the list and the delivery log; with
 * `integrations:write` (admin, developer) an operator adds one (a signed webhook's signing
 * secret is shown once), edits it, rotates the secret (shown once), sends a test, retries a
 * dead delivery and deletes it after confirming. The server refuses the same to other roles.
 */
export class ChurnIntegrationsSettings extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    integrations: { state: true },
    message: { state: true },
    revealed: { state: true },
    editing: { state: true },
    deliveriesOf: { state: true },
    deliveries: { state: true },
  };

  declare integrations: Integration[];
  declare message: SectionMessage | undefined;
  declare revealed: { name: string; secret: string } | undefined;
  /** The id of the integration whose edit form is open. */
  declare editing: string | undefined;
  /** The id of the integration whose delivery log is open. */
  declare deliveriesOf: string | undefined;
  declare deliveries: Delivery[];

  constructor() {
    super();
    this.integrations = [];
    this.deliveries = [];
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#guard(() => this.#load());
  }

  async #load(): Promise<void> {
    this.integrations = (
      await this.api.get<{ integrations: Integration[] }>('/api/integrations')
    ).integrations;
  }

  async #loadDeliveries(id: string): Promise<void> {
    this.deliveries = (
      await this.api.get<{ deliveries: Delivery[] }>(
        `/api/integrations/${encodeURIComponent(id)}/deliveries`,
        { limit: 20 },
      )
    ).deliveries;
    this.deliveriesOf = id;
  }

  async #guard(action: () => Promise<void>, success?: string): Promise<void> {
    this.message = undefined;
    try {
      await action();
      if (success) this.message = { kind: 'notice', text: success };
    } catch (error) {
      this.message = { kind: 'error', text: errorMessage(error) };
    }
  }

  #path(integration: Integration, rest = ''): string {
    return `/api/integrations/${encodeURIComponent(integration.id)}${rest}`;
  }

  #create(event: SubmitEvent): void {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const name = String(data.get('integrationName') ?? '').trim();
    const platform = String(data.get('platform')) as Integration['platform'];
    void this.#guard(async () => {
      const created = await this.api.post<IntegrationWithSecret>('/api/integrations', {
        platform,
        webhookUrl: String(data.get('webhookUrl') ?? '').trim(),
        ...(name ? { name } : {}),
        config: configOf(data),
      });
      form.reset();
      if (created.signingSecret) {
        this.revealed = { name: nameOf(created.integration), secret: created.signingSecret };
      }
      await this.#load();
    }, 'Integration added.');
  }

  #save(event: SubmitEvent, integration: Integration): void {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const name = String(data.get('integrationName') ?? '').trim();
    const webhookUrl = String(data.get('webhookUrl') ?? '').trim();
    void this.#guard(
      async () => {
        await this.api.patch(this.#path(integration), {
          name: name || null,
          enabled: data.get('enabled') === 'on',
          config: configOf(data),
          // The URL is never read back (Slack and Discord URLs hold a token): empty keeps it.
          ...(webhookUrl ? { webhookUrl } : {}),
        });
        this.editing = undefined;
        await this.#load();
      },
      `${name || nameOf(integration)} saved.`,
    );
  }

  #rotate(integration: Integration): void {
    const name = nameOf(integration);
    if (
      !confirm(
        `Rotate the signing secret of ${name}? The receiver must use the new secret to verify deliveries from now on.`,
      )
    )
      return;
    void this.#guard(async () => {
      const rotated = await this.api.patch<IntegrationWithSecret>(this.#path(integration), {
        rotateSigningSecret: true,
      });
      if (rotated.signingSecret) this.revealed = { name, secret: rotated.signingSecret };
    });
  }

  #delete(integration: Integration): void {
    const name = nameOf(integration);
    if (!confirm(`Delete ${name} and its delivery log? Escalations stop going there.`)) return;
    void this.#guard(async () => {
      await this.api.delete(this.#path(integration));
      if (this.deliveriesOf === integration.id) this.deliveriesOf = undefined;
      if (this.editing === integration.id) this.editing = undefined;
      await this.#load();
    }, `${name} deleted.`);
  }

  #test(integration: Integration): void {
    const name = nameOf(integration);
    void this.#guard(async () => {
      const { delivery } = await this.api.post<{ delivery: Delivery }>(
        this.#path(integration, '/test'),
      );
      if (this.deliveriesOf === integration.id) await this.#loadDeliveries(integration.id);
      if (delivery.status !== 'delivered')
        throw new Error(`The test was not delivered: ${delivery.lastError ?? delivery.status}.`);
    }, `Test message delivered to ${name}.`);
  }

  #toggleDeliveries(integration: Integration): void {
    if (this.deliveriesOf === integration.id) this.deliveriesOf = undefined;
    else void this.#guard(() => this.#loadDeliveries(integration.id));
  }

  #retry(integration: Integration, delivery: Delivery): void {
    void this.#guard(async () => {
      await this.api.post(
        this.#path(integration, `/deliveries/${encodeURIComponent(delivery.id)}/retry`),
      );
      await this.#loadDeliveries(integration.id);
    }, 'Delivery queued again: it is sent with a fresh set of attempts.');
  }

  protected override render(): TemplateResult {
    const canWrite = this.can('integrations:write');
    return html`<section class="card" aria-labelledby="integrations-title">
      <h2 id="integrations-title">Integrations</h2>
      <p class="muted small">Escalations go to Slack, Discord or a webhook of yours, signed with a secret so it can check they come from Churn.</p>
      ${sectionMessage(this.message)}
      ${
        this.revealed
          ? shownOnce({
              id: 'revealed-signing-secret',
              label: `Signing secret of ${this.revealed.name}`,
              value: this.revealed.secret,
              warning:
                'Copy this signing secret now: it is shown once and cannot be read again. Your receiver verifies the churn-signature header with it.',
              onDone: () => {
                this.revealed = undefined;
              },
            })
          : nothing
      }
      ${
        this.integrations.length === 0
          ? html`<p>No integration yet.</p>`
          : html`<div class="table-wrap"><table>
            <caption class="visually-hidden">Integrations</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Kind</th><th scope="col">Receiver</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>${this.integrations.map((integration) => this.#renderRow(integration, canWrite))}</tbody>
          </table></div>`
      }
      ${this.#renderEdit(canWrite)}
      ${this.#renderDeliveries(canWrite)}
      ${canWrite ? this.#renderCreate() : nothing}
    </section>`;
  }

  #renderRow(integration: Integration, canWrite: boolean): TemplateResult {
    const name = nameOf(integration);
    return html`<tr>
      <td>${name}</td>
      <td>${platformLabels[integration.platform]}</td>
      <td>${integration.webhookUrlPreview ?? '—'}</td>
      <td>${integration.enabled ? 'Enabled' : 'Disabled'}</td>
      <td class="row-actions">
        <button type="button" class="secondary small" aria-label=${`Deliveries of ${name}`} aria-pressed=${this.deliveriesOf === integration.id ? 'true' : 'false'} @click=${() => this.#toggleDeliveries(integration)}>Deliveries</button>
        ${
          canWrite
            ? html`<button type="button" class="secondary small" aria-label=${`Send test to ${name}`} @click=${() => this.#test(integration)}>Send test</button>
              <button type="button" class="secondary small" aria-label=${`Edit ${name}`} @click=${() => {
                this.editing = integration.id;
              }}>Edit</button>
              ${
                integration.platform === 'webhook'
                  ? html`<button type="button" class="secondary small" aria-label=${`Rotate secret of ${name}`} @click=${() => this.#rotate(integration)}>Rotate secret</button>`
                  : nothing
              }
              <button type="button" class="danger small" aria-label=${`Delete ${name}`} @click=${() => this.#delete(integration)}>Delete</button>`
            : nothing
        }
      </td>
    </tr>`;
  }

  #renderEdit(canWrite: boolean): unknown {
    const integration = this.integrations.find((each) => each.id === this.editing);
    if (!canWrite || !integration) return nothing;
    const name = nameOf(integration);
    // Keyed: switching to another integration's form starts from empty fields.
    return keyed(
      integration.id,
      html`<form class="stack subsection" aria-labelledby="integration-edit-title" @submit=${(event: SubmitEvent) => this.#save(event, integration)}>
      <h3 id="integration-edit-title">Edit ${name}</h3>
      <label for="edit-integration-name">Integration name</label>
      <input id="edit-integration-name" name="integrationName" maxlength="100" .value=${integration.name ?? ''} />
      <label for="edit-webhook-url">New webhook URL (empty keeps ${integration.webhookUrlPreview ?? 'the current one'})</label>
      <input id="edit-webhook-url" name="webhookUrl" type="url" maxlength="500" />
      ${this.#configFields('edit', integration)}
      <label class="check"><input name="enabled" type="checkbox" .checked=${integration.enabled} /> Enabled: escalations are sent to it</label>
      <div class="inline-fields">
        <button type="submit">Save integration</button>
        <button type="button" class="secondary" @click=${() => {
          this.editing = undefined;
        }}>Cancel</button>
      </div>
    </form>`,
    );
  }

  #configFields(prefix: string, integration?: Integration): TemplateResult {
    return html`<div class="inline-fields">
      <div class="field">
        <label for=${`${prefix}-max-attempts`}>Attempts before a delivery is dead (1 to 20)</label>
        <input id=${`${prefix}-max-attempts`} name="maxAttempts" type="number" min="1" max="20" step="1" .value=${integration?.config?.maxAttempts?.toString() ?? ''} />
      </div>
      <div class="field">
        <label for=${`${prefix}-console-url`}>Console address for links (optional)</label>
        <input id=${`${prefix}-console-url`} name="consoleUrl" type="url" maxlength="500" .value=${integration?.config?.consoleUrl ?? ''} />
      </div>
    </div>`;
  }

  #renderDeliveries(canWrite: boolean): TemplateResult | typeof nothing {
    const integration = this.integrations.find((each) => each.id === this.deliveriesOf);
    if (!integration) return nothing;
    const name = nameOf(integration);
    return html`<div class="subsection" role="region" aria-labelledby="deliveries-title">
      <h3 id="deliveries-title">Delivery log of ${name}</h3>
      ${
        this.deliveries.length === 0
          ? html`<p>Nothing sent yet.</p>`
          : html`<div class="table-wrap"><table>
            <caption class="visually-hidden">Deliveries of ${name}, newest first</caption>
            <thead><tr><th scope="col">Created</th><th scope="col">What</th><th scope="col">Status</th><th scope="col">Attempts</th><th scope="col">Last error</th>${canWrite ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}</tr></thead>
            <tbody>${this.deliveries.map(
              (delivery) => html`<tr>
                <td>${formatDateTime(delivery.createdAt)}</td>
                <td>${humanize(delivery.kind)}</td>
                <td>${humanize(delivery.status)}</td>
                <td>${delivery.attempts} of ${delivery.maxAttempts}</td>
                <td>${delivery.lastError ?? (delivery.lastStatusCode ? `HTTP ${delivery.lastStatusCode}` : '—')}</td>
                ${
                  canWrite
                    ? html`<td>${
                        delivery.status === 'dead'
                          ? html`<button type="button" class="secondary small" aria-label=${`Retry the delivery of ${formatDateTime(delivery.createdAt)}`} @click=${() => this.#retry(integration, delivery)}>Retry</button>`
                          : nothing
                      }</td>`
                    : nothing
                }
              </tr>`,
            )}</tbody>
          </table></div>`
      }
      <button type="button" class="secondary small" @click=${() => void this.#guard(() => this.#loadDeliveries(integration.id))}>Refresh the log</button>
    </div>`;
  }

  #renderCreate(): TemplateResult {
    return html`<form class="stack subsection" aria-labelledby="integration-create-title" @submit=${(event: SubmitEvent) => this.#create(event)}>
      <h3 id="integration-create-title">Add an integration</h3>
      <label for="integration-platform">Kind</label>
      <select id="integration-platform" name="platform">
        ${Object.entries(platformLabels).map(([value, label]) => html`<option value=${value}>${label}</option>`)}
      </select>
      <label for="integration-name">Integration name</label>
      <input id="integration-name" name="integrationName" maxlength="100" />
      <label for="integration-url">Webhook URL (https)</label>
      <input id="integration-url" name="webhookUrl" type="url" required maxlength="500" placeholder="https://hooks.example.com/churn" />
      ${this.#configFields('create')}
      <div><button type="submit">Add integration</button></div>
    </form>`;
  }
}
