import { html, nothing, type TemplateResult } from 'lit';
import { keyed } from 'lit/directives/keyed.js';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, formatNumber, humanize } from '../elements/format.js';
import { type Branding, previewFetch } from './branding-preview.js';

interface Tenant {
  id: string;
  name: string;
  usageQuota: number;
  customBranding?: Branding;
  allowedOrigins: string[];
}

interface Usage {
  used: number;
  quota: number;
  remaining: number;
  resetsAt: string;
}

interface ApiKey {
  id: string;
  name?: string;
  scope: 'secret' | 'publishable';
  prefix: string;
  status: 'active' | 'expiring' | 'revoked';
  createdAt: string;
  lastUsedAt?: string;
}

type RetentionPolicy = Record<string, number>;

const retentionLabels: Record<string, string> = {
  activeConversationDays: 'Inactive open conversations',
  closedConversationDays: 'Closed conversations',
  analyticsDays: 'Analytics events',
  feedbackDays: 'Feedback',
  abTestDays: 'A/B test assignments',
  deliveryLogDays: 'Integration delivery log',
};

/** The colour fields, with what the widget uses when the tenant sets none. */
const colorFields = [
  ['primaryColor', 'Primary colour', '#4338ca'],
  ['backgroundColor', 'Background colour', '#ffffff'],
  ['textColor', 'Text colour', '#1f2937'],
] as const;

/**
 * `<churn-settings-page>`: branding with a live preview of the widget (the real
 * `<churn-chat>`, fed the unsaved branding), API keys (create, reveal once, revoke), allowed
 * origins, integrations (`<churn-integrations-settings>`), console users and the identity
 * secret (`<churn-admin-users-settings>`), the retention policy, and quota and usage. Each
 * section shows only with its permission.
 */
export class ChurnSettingsPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    tenant: { state: true },
    usage: { state: true },
    branding: { state: true },
    keys: { state: true },
    revealed: { state: true },
    retention: { state: true },
    messages: { state: true },
    previewReady: { state: true },
  };

  declare tenant: Tenant | undefined;
  declare usage: Usage | undefined;
  declare branding: Branding;
  declare keys: ApiKey[];
  declare revealed: { key: string; apiKey: ApiKey } | undefined;
  declare retention: RetentionPolicy | undefined;
  /** A message per section: `{ branding: { kind: 'error', text } }`. */
  declare messages: Record<string, { kind: 'error' | 'notice'; text: string }>;
  declare previewReady: boolean;
  #previewFetch = previewFetch(() => this.branding);

  constructor() {
    super();
    this.branding = {};
    this.keys = [];
    this.messages = {};
    this.previewReady = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadTenant();
    if (this.can('keys:read')) void this.#loadKeys();
    if (this.can('retention:read')) {
      void this.#guard('retention', async () => {
        this.retention = (await this.api.get<{ policy: RetentionPolicy }>('/api/retention')).policy;
      });
    }
    void import('@churn/chat/define').then(() => {
      this.previewReady = true;
    });
  }

  async #guard(section: string, action: () => Promise<void>, success?: string): Promise<void> {
    const { [section]: _old, ...rest } = this.messages;
    this.messages = rest;
    try {
      await action();
      if (success)
        this.messages = { ...this.messages, [section]: { kind: 'notice', text: success } };
    } catch (error) {
      this.messages = { ...this.messages, [section]: { kind: 'error', text: errorMessage(error) } };
    }
  }

  #loadTenant(): Promise<void> {
    return this.#guard('tenant', async () => {
      const body = await this.api.get<{ tenant: Tenant; usage: Usage }>('/api/tenant');
      this.tenant = body.tenant;
      this.usage = body.usage;
      this.branding = { ...(body.tenant.customBranding ?? {}) };
    });
  }

  #loadKeys(): Promise<void> {
    return this.#guard('keys', async () => {
      this.keys = (await this.api.get<{ apiKeys: ApiKey[] }>('/api/keys')).apiKeys;
    });
  }

  #message(section: string): TemplateResult | typeof nothing {
    const message = this.messages[section];
    if (!message) return nothing;
    return message.kind === 'error'
      ? html`<p class="error" role="alert">${message.text}</p>`
      : html`<p class="notice" role="status">${message.text}</p>`;
  }

  #brandingInput(event: Event): void {
    const input = event.target as HTMLInputElement;
    const value = input.value.trim();
    const next: Branding = { ...this.branding };
    const key = input.name as keyof Branding;
    if (value) next[key] = value;
    else delete next[key];
    this.branding = next;
    // The preview re-reads its config on reconnect: render a fresh widget.
    this.#previewKey += 1;
  }

  #previewKey = 0;

  protected override render(): TemplateResult {
    const canWriteTenant = this.can('tenant:write');
    return html`
      <h1>Settings</h1>
      ${this.#message('tenant')}
      ${this.#renderUsage()}
      <section class="card" aria-labelledby="branding-title">
        <h2 id="branding-title">Branding</h2>
        ${this.#message('branding')}
        <div class="two-columns">
          <form class="stack" @submit=${(event: SubmitEvent) => {
            event.preventDefault();
            void this.#guard(
              'branding',
              async () => {
                const body = await this.api.patch<{ tenant: Tenant }>('/api/tenant', {
                  customBranding: this.branding,
                });
                this.tenant = body.tenant;
              },
              'Branding saved: the widget shows it on the next page load.',
            );
          }}>
            <fieldset ?disabled=${!canWriteTenant}>
              <legend class="visually-hidden">Widget branding</legend>
              <label for="brand-name">Name in the chat header</label>
              <input id="brand-name" name="name" maxlength="100" .value=${this.branding.name ?? ''} @input=${(event: Event) => this.#brandingInput(event)} />
              <label for="brand-greeting">Greeting</label>
              <textarea id="brand-greeting" name="greeting" maxlength="500" rows="2" .value=${this.branding.greeting ?? ''} @input=${(event: Event) => this.#brandingInput(event)}></textarea>
              <label for="brand-logo">Logo URL (https)</label>
              <input id="brand-logo" name="logoUrl" type="url" .value=${this.branding.logoUrl ?? ''} @change=${(event: Event) => this.#brandingInput(event)} />
              <div class="inline-fields">
                ${colorFields.map(
                  ([field, label, fallback]) => html`<div class="field">
                    <label for=${`brand-${field}`}>${label}</label>
                    <input id=${`brand-${field}`} name=${field} type="color" .value=${this.branding[field] ?? fallback} @input=${(event: Event) => this.#brandingInput(event)} />
                  </div>`,
                )}
              </div>
              ${canWriteTenant ? html`<button type="submit">Save branding</button>` : nothing}
            </fieldset>
          </form>
          <div class="preview" aria-labelledby="preview-title">
            <h3 id="preview-title">Live preview</h3>
            <p class="muted small">The widget as your customers will see it, with the unsaved branding.</p>
            <div class="preview-frame">
              ${
                this.previewReady
                  ? keyed(
                      this.#previewKey,
                      html`<churn-chat tenant-key="pk_preview_console" persist="none" open .fetch=${this.#previewFetch}></churn-chat>`,
                    )
                  : html`<p role="status">Loading the preview…</p>`
              }
            </div>
          </div>
        </div>
      </section>
      ${this.#renderOrigins()}
      ${this.can('keys:read') ? this.#renderKeys() : nothing}
      ${
        this.can('integrations:read')
          ? html`<churn-integrations-settings .api=${this.api} .router=${this.router} .permissions=${this.permissions}></churn-integrations-settings>`
          : nothing
      }
      <churn-admin-users-settings .api=${this.api} .router=${this.router} .permissions=${this.permissions}></churn-admin-users-settings>
      ${this.#renderRetention()}
    `;
  }

  #renderUsage(): TemplateResult | typeof nothing {
    const usage = this.usage;
    if (!usage) return nothing;
    const share = usage.quota > 0 ? Math.min(100, (usage.used / usage.quota) * 100) : 0;
    return html`<section class="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Quota and usage</h2>
      <p>${formatNumber(usage.used)} of ${formatNumber(usage.quota)} chat turns used this month; ${formatNumber(usage.remaining)} left. Resets ${formatDateTime(usage.resetsAt)}.</p>
      <progress max="100" .value=${share} aria-label="Share of the monthly quota used"></progress>
    </section>`;
  }

  #renderOrigins(): TemplateResult {
    const canWrite = this.can('tenant:write');
    return html`<section class="card" aria-labelledby="origins-title">
      <h2 id="origins-title">Allowed origins</h2>
      <p class="muted small">Sites allowed to embed the widget, one per line, like https://shop.example.com.</p>
      ${this.#message('origins')}
      <form class="stack" @submit=${(event: SubmitEvent) => {
        event.preventDefault();
        const text = String(
          new FormData(event.currentTarget as HTMLFormElement).get('origins') ?? '',
        );
        const allowedOrigins = text
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean);
        void this.#guard(
          'origins',
          async () => {
            this.tenant = (
              await this.api.patch<{ tenant: Tenant }>('/api/tenant', { allowedOrigins })
            ).tenant;
          },
          'Allowed origins saved.',
        );
      }}>
        <label for="origins">Origins</label>
        <textarea id="origins" name="origins" rows="4" ?disabled=${!canWrite} .value=${(this.tenant?.allowedOrigins ?? []).join('\n')}></textarea>
        ${canWrite ? html`<button type="submit">Save origins</button>` : nothing}
      </form>
    </section>`;
  }

  #renderKeys(): TemplateResult {
    const canWrite = this.can('keys:write');
    return html`<section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      ${this.#message('keys')}
      ${
        this.revealed
          ? html`<div class="reveal" role="status">
            <p><strong>Copy this key now: it is shown once and cannot be read again.</strong></p>
            <label for="revealed-key">New ${this.revealed.apiKey.scope} key</label>
            <input id="revealed-key" readonly .value=${this.revealed.key} @focus=${(event: Event) => (event.target as HTMLInputElement).select()} />
            <button type="button" class="secondary" @click=${() => void navigator.clipboard?.writeText(this.revealed?.key ?? '')}>Copy</button>
            <button type="button" class="secondary" @click=${() => {
              this.revealed = undefined;
            }}>I saved it</button>
          </div>`
          : nothing
      }
      <div class="table-wrap"><table>
        <thead><tr><th scope="col">Name</th><th scope="col">Scope</th><th scope="col">Key</th><th scope="col">Status</th><th scope="col">Last used</th>${canWrite ? html`<th scope="col"><span class="visually-hidden">Actions</span></th>` : nothing}</tr></thead>
        <tbody>${this.keys.map(
          (key) => html`<tr>
            <td>${key.name ?? '—'}</td>
            <td>${humanize(key.scope)}</td>
            <td><code>${key.prefix}…</code></td>
            <td>${humanize(key.status)}</td>
            <td>${formatDateTime(key.lastUsedAt)}</td>
            ${
              canWrite
                ? html`<td>${
                    key.status === 'revoked'
                      ? nothing
                      : html`<button type="button" class="danger small" aria-label=${`Revoke key ${key.prefix}`} @click=${() => {
                          if (!confirm(`Revoke ${key.prefix}…? Calls with it stop working now.`))
                            return;
                          void this.#guard(
                            'keys',
                            async () => {
                              await this.api.post(`/api/keys/${encodeURIComponent(key.id)}/revoke`);
                              await this.#loadKeys();
                            },
                            `Key ${key.prefix}… revoked.`,
                          );
                        }}>Revoke</button>`
                  }</td>`
                : nothing
            }
          </tr>`,
        )}</tbody>
      </table></div>
      ${
        canWrite
          ? html`<form class="inline-form" @submit=${(event: SubmitEvent) => {
              event.preventDefault();
              const form = event.currentTarget as HTMLFormElement;
              const data = new FormData(form);
              const name = String(data.get('keyName') ?? '').trim();
              void this.#guard('keys', async () => {
                this.revealed = await this.api.post<{ key: string; apiKey: ApiKey }>('/api/keys', {
                  scope: String(data.get('scope')),
                  ...(name ? { name } : {}),
                });
                form.reset();
                await this.#loadKeys();
              });
            }}>
            <label for="key-name">Name</label><input id="key-name" name="keyName" maxlength="100" />
            <label for="key-scope">Scope</label>
            <select id="key-scope" name="scope"><option value="publishable">Publishable (widget)</option><option value="secret">Secret (server)</option></select>
            <button type="submit">Create key</button>
          </form>`
          : nothing
      }
    </section>`;
  }

  #renderRetention(): TemplateResult | typeof nothing {
    const policy = this.retention;
    if (!policy && !this.messages.retention) return nothing;
    const canWrite = this.can('retention:write');
    return html`<section class="card" aria-labelledby="retention-title">
      <h2 id="retention-title">Retention policy</h2>
      <p class="muted small">Days each kind of data is kept before it is deleted. Only admins change these.</p>
      ${this.#message('retention')}
      ${
        policy
          ? html`<form class="stack" @submit=${(event: SubmitEvent) => {
              event.preventDefault();
              const data = new FormData(event.currentTarget as HTMLFormElement);
              const changes = Object.fromEntries(
                Object.keys(policy).map((key) => [key, Number(data.get(key))]),
              );
              void this.#guard(
                'retention',
                async () => {
                  this.retention = (
                    await this.api.patch<{ policy: RetentionPolicy }>('/api/retention', changes)
                  ).policy;
                },
                'Retention policy saved.',
              );
            }}>
            <fieldset ?disabled=${!canWrite}>
              <legend class="visually-hidden">Retention in days</legend>
              <div class="inline-fields">
                ${Object.entries(policy).map(
                  ([key, days]) => html`<div class="field">
                    <label for=${`retention-${key}`}>${retentionLabels[key] ?? humanize(key)} (days)</label>
                    <input id=${`retention-${key}`} name=${key} type="number" min="1" max="36500" step="1" .value=${String(days)} />
                  </div>`,
                )}
              </div>
              ${canWrite ? html`<button type="submit">Save retention</button>` : nothing}
            </fieldset>
          </form>`
          : nothing
      }
    </section>`;
  }
}
