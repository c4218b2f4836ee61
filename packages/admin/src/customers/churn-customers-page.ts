import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatDateTime, formatMoney, humanize } from '../elements/format.js';
import { type CustomerRow, describeCard, toCustomerRow } from './customer-row.js';

interface CustomerPage {
  customers: unknown[];
  nextCursor: string | null;
  total?: number;
  totalIsEstimate?: boolean;
}

interface InterventionResult {
  interventions: { customerId: string; conversationId: string; created: boolean }[];
  skipped: { customerId: string; reason: string }[];
}

/** The filters, sort and search of the table; kept in the URL so a view can be shared. */
export interface CustomerFilters {
  q: string;
  riskCategory: string;
  severity: string;
  status: string;
  minValue: string;
  maxValue: string;
  sort: string;
  order: 'asc' | 'desc';
}

const filterKeys = [
  'q',
  'riskCategory',
  'severity',
  'status',
  'minValue',
  'maxValue',
  'sort',
  'order',
] as const;
const pageSize = 25;

const columns: { field: string; label: string }[] = [
  { field: 'name', label: 'Customer' },
  { field: 'riskCategory', label: 'Risk' },
  { field: 'severity', label: 'Severity' },
  { field: 'status', label: 'Status' },
  { field: 'value', label: 'Monthly value' },
  { field: 'card', label: 'Card' },
  { field: 'lastInterventionAt', label: 'Last intervention' },
  { field: 'updatedAt', label: 'Updated' },
];
/** The server's sort fields (each backed by an index). */
const sortable = new Set(['name', 'severity', 'value', 'updatedAt']);

function filtersFromUrl(): CustomerFilters {
  const search = new URLSearchParams(location.search);
  const order = search.get('order') === 'asc' ? 'asc' : 'desc';
  return {
    q: search.get('q') ?? '',
    riskCategory: search.get('riskCategory') ?? '',
    severity: search.get('severity') ?? '',
    status: search.get('status') ?? 'at-risk',
    minValue: search.get('minValue') ?? '',
    maxValue: search.get('maxValue') ?? '',
    sort: search.get('sort') ?? 'severity',
    order,
  };
}

/** Major units typed by the operator (`49.5`) to cents for the API; '' stays ''. */
function toCents(value: string): string {
  const amount = Number.parseFloat(value);
  return value.trim() === '' || !Number.isFinite(amount) ? '' : String(Math.round(amount * 100));
}

/**
 * `<churn-customers-page>`: the at-risk customers. Filters (risk category, severity, status,
 * monthly value), search, sorting by column and cursor paging over `GET /api/customers`;
 * select rows and start an intervention for them (`POST /api/interventions`).
 */
export class ChurnCustomersPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    filters: { state: true },
    rows: { state: true },
    total: { state: true },
    totalIsEstimate: { state: true },
    loading: { state: true },
    error: { state: true },
    notice: { state: true },
    selected: { state: true },
    cursors: { state: true },
    nextCursor: { state: true },
  };

  declare filters: CustomerFilters;
  declare rows: CustomerRow[];
  declare total: number | undefined;
  declare totalIsEstimate: boolean;
  declare loading: boolean;
  declare error: string;
  declare notice: string;
  declare selected: Set<string>;
  /** Cursors of the pages before this one (paging back); the last is this page's. */
  declare cursors: (string | null)[];
  declare nextCursor: string | null;
  #request = 0;

  constructor() {
    super();
    this.filters = filtersFromUrl();
    this.rows = [];
    this.totalIsEstimate = false;
    this.loading = false;
    this.error = '';
    this.notice = '';
    this.selected = new Set();
    this.cursors = [null];
    this.nextCursor = null;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#load();
  }

  async #load(): Promise<void> {
    const request = ++this.#request;
    this.loading = true;
    this.error = '';
    const { minValue, maxValue, ...rest } = this.filters;
    try {
      const page = await this.api.get<CustomerPage>('/api/customers', {
        ...rest,
        minValue: toCents(minValue),
        maxValue: toCents(maxValue),
        limit: pageSize,
        cursor: this.cursors.at(-1) ?? undefined,
      });
      if (request !== this.#request) return;
      this.rows = page.customers.map(toCustomerRow);
      this.nextCursor = page.nextCursor;
      this.total = page.total;
      this.totalIsEstimate = page.totalIsEstimate === true;
    } catch (error) {
      if (request !== this.#request) return;
      this.rows = [];
      this.error = errorMessage(error);
    } finally {
      if (request === this.#request) this.loading = false;
    }
  }

  #applyFilters(changes: Partial<CustomerFilters>): void {
    this.filters = { ...this.filters, ...changes };
    const search = new URLSearchParams();
    for (const key of filterKeys) {
      const value = this.filters[key];
      if (value) search.set(key, value);
    }
    history.replaceState(null, '', `${location.pathname}?${search}`);
    this.cursors = [null];
    this.selected = new Set();
    void this.#load();
  }

  #onFilterSubmit(event: SubmitEvent): void {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const read = (key: string) => String(data.get(key) ?? '').trim();
    this.#applyFilters({
      q: read('q'),
      riskCategory: read('riskCategory'),
      severity: read('severity'),
      status: read('status'),
      minValue: read('minValue'),
      maxValue: read('maxValue'),
    });
  }

  #sortBy(field: string): void {
    const order = this.filters.sort === field && this.filters.order === 'asc' ? 'desc' : 'asc';
    this.#applyFilters({ sort: field, order });
  }

  #page(direction: 1 | -1): void {
    if (direction === 1 && this.nextCursor) this.cursors = [...this.cursors, this.nextCursor];
    if (direction === -1 && this.cursors.length > 1) this.cursors = this.cursors.slice(0, -1);
    void this.#load();
  }

  #toggle(id: string, checked: boolean): void {
    const next = new Set(this.selected);
    if (checked) next.add(id);
    else next.delete(id);
    this.selected = next;
  }

  #toggleAll(checked: boolean): void {
    this.selected = checked ? new Set(this.rows.map((row) => row.id)) : new Set();
  }

  async #startIntervention(): Promise<void> {
    const customerIds = [...this.selected];
    this.notice = '';
    this.error = '';
    try {
      const result = await this.api.post<InterventionResult>('/api/interventions', { customerIds });
      const started = result.interventions.length;
      const skipped = result.skipped.map((item) => `${item.customerId}: ${item.reason}`).join(' ');
      this.notice = `Started ${started} intervention${started === 1 ? '' : 's'}.${skipped ? ` Skipped ${skipped}` : ''}`;
      this.selected = new Set();
      void this.#load();
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  protected override render(): TemplateResult {
    const f = this.filters;
    const canStart = this.can('interventions:start');
    const allSelected = this.rows.length > 0 && this.rows.every((row) => this.selected.has(row.id));
    return html`
      <h1>At-risk customers</h1>
      <form class="filters" role="search" aria-label="Filter customers" @submit=${(event: SubmitEvent) => this.#onFilterSubmit(event)}>
        <div class="field"><label for="customer-q">Search</label>
          <input id="customer-q" name="q" type="search" placeholder="Name, email or Stripe id" .value=${f.q} /></div>
        <div class="field"><label for="customer-risk">Risk category</label>
          <select id="customer-risk" name="riskCategory" .value=${f.riskCategory}>
            <option value="">Any</option><option value="failed-payment">Failed payment</option><option value="expiring-card">Expiring card</option>
          </select></div>
        <div class="field"><label for="customer-severity">Severity</label>
          <select id="customer-severity" name="severity" .value=${f.severity}>
            <option value="">Any</option><option value="high">High</option><option value="medium">Medium</option><option value="low">Low</option>
          </select></div>
        <div class="field"><label for="customer-status">Status</label>
          <select id="customer-status" name="status" .value=${f.status}>
            <option value="">Any</option><option value="at-risk">At risk</option><option value="active">Active</option><option value="resolved">Resolved</option><option value="churned">Churned</option>
          </select></div>
        <div class="field"><label for="customer-min">Min monthly value</label>
          <input id="customer-min" name="minValue" type="number" min="0" step="0.01" inputmode="decimal" .value=${f.minValue} /></div>
        <div class="field"><label for="customer-max">Max monthly value</label>
          <input id="customer-max" name="maxValue" type="number" min="0" step="0.01" inputmode="decimal" .value=${f.maxValue} /></div>
        <div class="field actions"><button type="submit">Apply filters</button></div>
      </form>
      <div class="toolbar">
        <p role="status" class="muted">${this.loading ? 'Loading…' : this.#summary()}</p>
        ${
          canStart
            ? html`<button type="button" ?disabled=${this.selected.size === 0} @click=${() => this.#startIntervention()}>
              Start intervention${this.selected.size ? ` (${this.selected.size})` : ''}
            </button>`
            : nothing
        }
      </div>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      ${this.notice ? html`<p class="notice" role="status">${this.notice}</p>` : nothing}
      <div class="table-wrap" role="region" aria-label="Customers table" tabindex="0">
        <table>
          <caption class="visually-hidden">Customers, sorted by ${humanize(f.sort)} (${f.order === 'asc' ? 'ascending' : 'descending'})</caption>
          <thead><tr>
            ${
              canStart
                ? html`<th scope="col"><input type="checkbox" aria-label="Select every customer on this page" .checked=${allSelected}
                  @change=${(event: Event) => this.#toggleAll((event.target as HTMLInputElement).checked)} /></th>`
                : nothing
            }
            ${columns.map((column) => this.#header(column.field, column.label))}
          </tr></thead>
          <tbody>
            ${this.rows.map(
              (row) => html`<tr>
              ${
                canStart
                  ? html`<td><input type="checkbox" aria-label=${`Select ${row.name}`} .checked=${this.selected.has(row.id)}
                    @change=${(event: Event) => this.#toggle(row.id, (event.target as HTMLInputElement).checked)} /></td>`
                  : nothing
              }
              <td><a href=${this.href(`customers/${encodeURIComponent(row.id)}`)}>${row.name}</a><br /><span class="muted small">${row.email}</span></td>
              <td>${humanize(row.riskCategory)}</td>
              <td>${row.severity ? html`<span class=${`badge severity-${row.severity}`}>${humanize(row.severity)}</span>` : '—'}</td>
              <td>${humanize(row.status)}</td>
              <td class="number">${formatMoney(row.monthlyValueCents, row.currency)}</td>
              <td>${describeCard(row.card)}</td>
              <td>${formatDateTime(row.lastInterventionAt)}</td>
              <td>${formatDateTime(row.updatedAt)}</td>
            </tr>`,
            )}
          </tbody>
        </table>
      </div>
      ${!this.loading && this.rows.length === 0 && !this.error ? html`<p>No customers match these filters.</p>` : nothing}
      <nav class="pager" aria-label="Pages of customers">
        <button type="button" class="secondary" ?disabled=${this.cursors.length <= 1} @click=${() => this.#page(-1)}>Previous page</button>
        <span>Page ${this.cursors.length}</span>
        <button type="button" class="secondary" ?disabled=${!this.nextCursor} @click=${() => this.#page(1)}>Next page</button>
      </nav>
    `;
  }

  #summary(): string {
    if (this.total === undefined) return `${this.rows.length} customers on this page`;
    const total = this.total.toLocaleString('en');
    return `${this.totalIsEstimate ? 'About ' : ''}${total} customer${this.total === 1 ? '' : 's'} match`;
  }

  #header(field: string, label: string): TemplateResult {
    if (!sortable.has(field)) return html`<th scope="col">${label}</th>`;
    const active = this.filters.sort === field;
    const sort = active ? (this.filters.order === 'asc' ? 'ascending' : 'descending') : 'none';
    return html`<th scope="col" aria-sort=${sort}>
      <button type="button" class="sort" @click=${() => this.#sortBy(field)}>${label}<span aria-hidden="true">${active ? (this.filters.order === 'asc' ? ' ▲' : ' ▼') : ''}</span></button>
    </th>`;
  }
}
