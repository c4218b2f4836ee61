import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { type ChartData, chartColors, periods } from './chart-data.js';

type ChartInstance = { destroy(): void };

let panelCount = 0;

/**
 * `<churn-chart-panel>`: one chart with its own period picker and a table view of the same
 * figures (for screen readers, keyboard users and anyone who wants the numbers). The chart is
 * drawn with Chart.js on a canvas whose label says what the table holds.
 */
export class ChurnChartPanel extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    heading: {},
    description: {},
    kind: {},
    integer: { type: Boolean },
    load: { attribute: false },
    format: { attribute: false },
    days: { state: true },
    data: { state: true },
    error: { state: true },
    showTable: { state: true },
  };

  declare heading: string;
  declare description: string;
  declare kind: 'bar' | 'line';
  /** Whole numbers only (counts): no 0.5 ticks on the axis. */
  declare integer: boolean;
  /** Loads the figures of the last `days` days. */
  declare load: (days: number) => Promise<ChartData>;
  declare format: (value: number | null) => string;
  declare days: number;
  declare data: ChartData | undefined;
  declare error: string;
  declare showTable: boolean;
  #chart: ChartInstance | undefined;
  #id = `chart-${++panelCount}`;

  constructor() {
    super();
    this.heading = '';
    this.description = '';
    this.kind = 'line';
    this.integer = false;
    this.days = 30;
    this.error = '';
    this.showTable = false;
    this.format = (value) =>
      value === null ? '—' : value.toLocaleString('en', { maximumFractionDigits: 2 });
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#reload();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#chart?.destroy();
    this.#chart = undefined;
  }

  async #reload(): Promise<void> {
    this.error = '';
    try {
      this.data = await this.load(this.days);
    } catch (error) {
      this.data = undefined;
      this.error = errorMessage(error);
    }
  }

  protected override async updated(changed: PropertyValues<this>): Promise<void> {
    super.updated(changed);
    if (!changed.has('data') && !changed.has('showTable')) return;
    this.#chart?.destroy();
    this.#chart = undefined;
    const canvas = this.querySelector<HTMLCanvasElement>('canvas');
    const data = this.data;
    if (!canvas || !data) return;
    const { Chart } = await import('./chart-js.js');
    if (!canvas.isConnected || data !== this.data) return;
    this.#chart = new Chart(canvas, {
      type: this.kind,
      data: {
        labels: data.labels,
        datasets: data.datasets.map((dataset, index) => {
          const color = chartColors[index % chartColors.length];
          return {
            label: dataset.label,
            data: dataset.data,
            ...(dataset.kind ? { type: dataset.kind } : {}),
            borderColor: color,
            backgroundColor: color,
            borderDash: dataset.dashed ? [6, 4] : [],
            pointRadius: dataset.dashed ? 0 : 2,
            spanGaps: true,
          };
        }),
      } as never,
      options: {
        animation: false,
        maintainAspectRatio: false,
        responsive: true,
        scales: {
          y: {
            beginAtZero: true,
            ticks: {
              ...(this.integer ? { precision: 0 } : {}),
              callback: (value: string | number) => this.format(Number(value)),
            },
          },
        },
        plugins: { legend: { display: data.datasets.length > 1, labels: { color: '#1f2937' } } },
      },
    });
  }

  protected override render(): TemplateResult {
    const data = this.data;
    const headingId = `${this.#id}-title`;
    return html`
      <section class="card chart-panel" aria-labelledby=${headingId}>
        <div class="chart-head">
          <h2 id=${headingId}>${this.heading}</h2>
          <div class="chart-controls">
            <label for=${`${this.#id}-period`} class="visually-hidden">Period of ${this.heading}</label>
            <select id=${`${this.#id}-period`} .value=${String(this.days)} @change=${(
              event: Event,
            ) => {
              this.days = Number((event.target as HTMLSelectElement).value);
              void this.#reload();
            }}>
              ${periods.map((period) => html`<option value=${String(period.days)} ?selected=${period.days === this.days}>${period.label}</option>`)}
            </select>
            <button type="button" class="secondary small" aria-pressed=${this.showTable ? 'true' : 'false'} @click=${() => {
              this.showTable = !this.showTable;
            }}>Table view</button>
          </div>
        </div>
        ${this.description ? html`<p class="muted small">${this.description}</p>` : nothing}
        ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
        ${!data && !this.error ? html`<p role="status">Loading…</p>` : nothing}
        ${
          data && !this.showTable
            ? html`<div class="chart-box"><canvas role="img" aria-label=${`${this.heading}: chart of ${data.datasets.map((d) => d.label).join(', ')}; use Table view for the figures.`}></canvas></div>`
            : nothing
        }
        ${data && this.showTable ? this.#table(data) : nothing}
      </section>
    `;
  }

  #table(data: ChartData): TemplateResult {
    return html`<div class="table-wrap chart-table" role="region" aria-label=${`Figures of ${this.heading}`} tabindex="0"><table>
      <caption class="visually-hidden">${this.heading}</caption>
      <thead><tr><th scope="col">Period</th>${data.datasets.map((dataset) => html`<th scope="col">${dataset.label}</th>`)}</tr></thead>
      <tbody>${data.labels.map(
        (label, index) =>
          html`<tr><th scope="row">${label}</th>${data.datasets.map(
            (dataset) => html`<td class="number">${this.format(dataset.data[index] ?? null)}</td>`,
          )}</tr>`,
      )}</tbody>
    </table></div>`;
  }
}
