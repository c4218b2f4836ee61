import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';

/** `GET/PUT /api/intervention-rules`. */
export interface InterventionRules {
  failedPayment: { enabled: boolean; minAccountValue: number };
  expiringCard: { enabled: boolean; withinDays: number; skipLikelyAutoUpdated: boolean };
  linkPublishableKey?: string;
}

/**
 * `<churn-rules-page>`: the rules that start interventions on their own. Everyone who may
 * start interventions reads them; editing needs `customers:write` (the server checks too).
 */
export class ChurnRulesPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    rules: { state: true },
    error: { state: true },
    notice: { state: true },
  };

  declare rules: InterventionRules | undefined;
  declare error: string;
  declare notice: string;

  constructor() {
    super();
    this.error = '';
    this.notice = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.api
      .get<{ rules: InterventionRules }>('/api/intervention-rules')
      .then((body) => {
        this.rules = body.rules;
      })
      .catch((error: unknown) => {
        this.error = errorMessage(error);
      });
  }

  async #save(event: SubmitEvent): Promise<void> {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const key = String(data.get('linkPublishableKey') ?? '').trim();
    const rules: InterventionRules = {
      failedPayment: {
        enabled: data.get('failedEnabled') === 'on',
        minAccountValue: Number(data.get('minAccountValue') ?? 0),
      },
      expiringCard: {
        enabled: data.get('expiringEnabled') === 'on',
        withinDays: Number(data.get('withinDays') ?? 30),
        skipLikelyAutoUpdated: data.get('skipAutoUpdated') === 'on',
      },
      ...(key ? { linkPublishableKey: key } : {}),
    };
    this.error = '';
    this.notice = '';
    try {
      this.rules = (
        await this.api.put<{ rules: InterventionRules }>('/api/intervention-rules', rules)
      ).rules;
      this.notice = 'Rules saved.';
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  protected override render(): TemplateResult {
    const rules = this.rules;
    const readOnly = !this.can('customers:write');
    return html`
      <h1>Intervention rules</h1>
      <p class="muted">When a webhook or the Stripe sync marks a customer at risk, these rules start a recovery conversation on their own.</p>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      ${readOnly ? html`<p class="notice">Your role can read these rules; an admin or supervisor changes them.</p>` : nothing}
      ${
        rules
          ? html`<form class="card stack" @submit=${(event: SubmitEvent) => this.#save(event)}>
            <fieldset ?disabled=${readOnly}>
              <legend>Failed payment</legend>
              <label class="check"><input type="checkbox" name="failedEnabled" .checked=${rules.failedPayment.enabled} /> Start an intervention after a failed payment</label>
              <label for="min-account-value">Only for customers worth at least (monthly, major units)</label>
              <input id="min-account-value" name="minAccountValue" type="number" min="0" step="1" .value=${String(rules.failedPayment.minAccountValue)} />
            </fieldset>
            <fieldset ?disabled=${readOnly}>
              <legend>Expiring card</legend>
              <label class="check"><input type="checkbox" name="expiringEnabled" .checked=${rules.expiringCard.enabled} /> Start an intervention before a card expires</label>
              <label for="within-days">Days before expiry</label>
              <input id="within-days" name="withinDays" type="number" min="0" max="365" step="1" .value=${String(rules.expiringCard.withinDays)} />
              <label class="check"><input type="checkbox" name="skipAutoUpdated" .checked=${rules.expiringCard.skipLikelyAutoUpdated} /> Skip Visa and Mastercard cards the account updater will likely refresh</label>
            </fieldset>
            <fieldset ?disabled=${readOnly}>
              <legend>Recovery links</legend>
              <label for="link-key">Publishable key the hosted recovery page uses</label>
              <input id="link-key" name="linkPublishableKey" placeholder="pk_live_..." .value=${rules.linkPublishableKey ?? ''} />
            </fieldset>
            ${readOnly ? nothing : html`<button type="submit">Save rules</button>`}
          </form>`
          : this.error
            ? nothing
            : html`<p role="status">Loading…</p>`
      }
    `;
  }
}
