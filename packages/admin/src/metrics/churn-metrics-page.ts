import { html, nothing, type TemplateResult } from 'lit';
import { errorMessage } from '../api/admin-api-error.js';
import { ConsoleElement } from '../elements/console-element.js';
import { formatAmount, formatNumber, formatPercent } from '../elements/format.js';
import { type ChartData, dayLabel, type MetricSeriesResult, periodRange } from './chart-data.js';

/** What `GET /api/recovery/metrics` answers. */
export interface RecoveryMetrics {
  metrics: {
    totalInterventions: number;
    successfulResolutions: number;
    averageResolutionTime: number;
    customerRetentionRate: number;
    revenueRetained: number;
    overBudgetResolutions: number;
  };
  resolutionTimes: {
    count: number;
    mean: number;
    p50: number;
    p90: number;
    max: number;
    withinBudgetRate: number;
    budgetSeconds: number;
  };
  recovery: { failedAmount: number; recoveredAmount: number; recoveryRate: number };
}

interface AbTest {
  id: string;
  name: string;
  status: string;
}

interface RateResult {
  successes: number;
  trials: number;
  rate: number | null;
  pValue?: number;
}

interface AbResults {
  testName: string;
  control: string;
  method: string;
  variants: {
    variant: string;
    control: boolean;
    users: number;
    deflection: RateResult;
    resolution: RateResult;
    positiveFeedback: RateResult;
    meanConfidence: number | null;
    revenueRetained: number;
  }[];
}

const significance = 0.05;
const percent = (value: number | null) => formatPercent(value);
const count = (value: number | null) => formatNumber(value);
const seconds = (value: number | null) => (value === null ? '—' : `${formatNumber(value, 1)} s`);
const money = (value: number | null) => (value === null ? '—' : formatAmount(value));
const ratio = (value: number | null) => formatNumber(value, 2);

/**
 * `<churn-metrics-page>`: payment recovery (interventions, resolutions, resolution time
 * against the 3-minute target, retention rate, revenue retained, recovery rate) and support
 * (volume, confidence, deflection, feedback, escalations) over time, and A/B test results with
 * their significance. Every chart has its own period picker and table view.
 */
export class ChurnMetricsPage extends ConsoleElement {
  static override properties = {
    ...ConsoleElement.properties,
    summary: { state: true },
    error: { state: true },
    tests: { state: true },
    testId: { state: true },
    results: { state: true },
    resultsError: { state: true },
  };

  declare summary: RecoveryMetrics | undefined;
  declare error: string;
  declare tests: AbTest[];
  declare testId: string;
  declare results: AbResults | undefined;
  declare resultsError: string;

  constructor() {
    super();
    this.error = '';
    this.tests = [];
    this.testId = '';
    this.resultsError = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    void this.#loadSummary();
    void this.#loadTests();
  }

  async #loadSummary(): Promise<void> {
    try {
      this.summary = await this.api.get<RecoveryMetrics>('/api/recovery/metrics', periodRange(30));
    } catch (error) {
      this.error = errorMessage(error);
    }
  }

  async #loadTests(): Promise<void> {
    try {
      this.tests = (await this.api.get<{ tests: AbTest[] }>('/api/ab-tests')).tests;
      const first = this.tests.find((test) => test.status === 'running') ?? this.tests[0];
      if (first) await this.#loadResults(first.id);
    } catch (error) {
      this.resultsError = errorMessage(error);
    }
  }

  async #loadResults(id: string): Promise<void> {
    this.testId = id;
    this.resultsError = '';
    try {
      this.results = (
        await this.api.get<{ results: AbResults }>(
          `/api/ab-tests/${encodeURIComponent(id)}/results`,
        )
      ).results;
    } catch (error) {
      this.results = undefined;
      this.resultsError = errorMessage(error);
    }
  }

  /** Loads daily series of `metrics` for the last `days` days. */
  async #series(metrics: string[], days: number): Promise<MetricSeriesResult['series']> {
    const body = await this.api.get<MetricSeriesResult>('/api/analytics/series', {
      metrics: metrics.join(','),
      ...periodRange(days),
      interval: 'day',
    });
    return body.series;
  }

  #seriesChart(
    metrics: { metric: string; label: string; value: 'sum' | 'count' | 'mean'; scale?: number }[],
  ): (days: number) => Promise<ChartData> {
    return async (days) => {
      const series = await this.#series(
        metrics.map((item) => item.metric),
        days,
      );
      const first = series[0]?.points ?? [];
      return {
        labels: first.map((point) => dayLabel(point.date)),
        datasets: metrics.map((item) => {
          const points = series.find((entry) => entry.metric === item.metric)?.points ?? [];
          return {
            label: item.label,
            data: points.map((point) => {
              const value = point[item.value];
              return value === null ? null : value * (item.scale ?? 1);
            }),
          };
        }),
      };
    };
  }

  /** Retention rate per day: resolutions / interventions. */
  #retentionChart = async (days: number): Promise<ChartData> => {
    const series = await this.#series(['interventions', 'resolutions'], days);
    const interventions = series.find((entry) => entry.metric === 'interventions')?.points ?? [];
    const resolutions = series.find((entry) => entry.metric === 'resolutions')?.points ?? [];
    return {
      labels: interventions.map((point) => dayLabel(point.date)),
      datasets: [
        {
          label: 'Retention rate',
          data: interventions.map((point, index) =>
            point.sum > 0
              ? Math.min(100, ((resolutions[index]?.sum ?? 0) / point.sum) * 100)
              : null,
          ),
        },
      ],
    };
  };

  /** Recovery metrics of the period, cut into up to 10 buckets: resolution time and recovery rate. */
  async #buckets(days: number): Promise<{ label: string; metrics: RecoveryMetrics }[]> {
    const count = Math.min(days, 10);
    const now = Date.now();
    const span = (days * 86_400_000) / count;
    return Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const from = new Date(now - (count - index) * span);
        const to = new Date(now - (count - index - 1) * span);
        const metrics = await this.api.get<RecoveryMetrics>('/api/recovery/metrics', {
          from: from.toISOString(),
          to: to.toISOString(),
        });
        return { label: dayLabel(to.toISOString()), metrics };
      }),
    );
  }

  #resolutionTimeChart = async (days: number): Promise<ChartData> => {
    const buckets = await this.#buckets(days);
    return {
      labels: buckets.map((bucket) => bucket.label),
      datasets: [
        {
          label: 'Median (p50)',
          data: buckets.map((bucket) =>
            bucket.metrics.resolutionTimes.count ? bucket.metrics.resolutionTimes.p50 : null,
          ),
        },
        {
          label: 'p90',
          data: buckets.map((bucket) =>
            bucket.metrics.resolutionTimes.count ? bucket.metrics.resolutionTimes.p90 : null,
          ),
        },
        {
          label: '3-minute target',
          data: buckets.map((bucket) => bucket.metrics.resolutionTimes.budgetSeconds),
          dashed: true,
        },
      ],
    };
  };

  #recoveryRateChart = async (days: number): Promise<ChartData> => {
    const buckets = await this.#buckets(days);
    return {
      labels: buckets.map((bucket) => bucket.label),
      datasets: [
        {
          label: 'Recovery rate',
          data: buckets.map((bucket) =>
            bucket.metrics.recovery.failedAmount > 0 ? bucket.metrics.recovery.recoveryRate : null,
          ),
        },
      ],
    };
  };

  protected override render(): TemplateResult {
    const summary = this.summary;
    return html`
      <h1>Metrics</h1>
      ${this.error ? html`<p class="error" role="alert">${this.error}</p>` : nothing}
      <section aria-labelledby="kpi-title">
        <h2 id="kpi-title">Payment recovery, last 30 days</h2>
        ${
          summary
            ? html`<dl class="kpis">
              <div><dt>Interventions</dt><dd data-kpi="interventions">${formatNumber(summary.metrics.totalInterventions)}</dd></div>
              <div><dt>Resolutions</dt><dd data-kpi="resolutions">${formatNumber(summary.metrics.successfulResolutions)}</dd></div>
              <div><dt>Retention rate</dt><dd>${formatPercent(summary.metrics.customerRetentionRate)}</dd></div>
              <div><dt>Revenue retained (monthly)</dt><dd>${formatAmount(summary.metrics.revenueRetained)}</dd></div>
              <div><dt>Recovery rate</dt><dd>${formatPercent(summary.recovery.recoveryRate)}</dd></div>
              <div><dt>Median resolution time</dt><dd>${summary.resolutionTimes.count > 0 ? seconds(summary.resolutionTimes.p50) : '—'} <span class="muted small">(target ${summary.resolutionTimes.budgetSeconds} s${summary.resolutionTimes.count > 0 ? `; ${formatPercent(summary.resolutionTimes.withinBudgetRate)} within` : ''})</span></dd></div>
            </dl>`
            : this.error
              ? nothing
              : html`<p role="status">Loading…</p>`
        }
      </section>
      <div class="chart-grid">
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Interventions and resolutions" kind="bar" integer .format=${count}
          .load=${this.#seriesChart([
            { metric: 'interventions', label: 'Interventions', value: 'sum' },
            { metric: 'resolutions', label: 'Resolutions', value: 'sum' },
          ])}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Resolution time against the 3-minute target" kind="line" .format=${seconds}
          description="Seconds from the start of a recovery conversation to the updated payment." .load=${this.#resolutionTimeChart}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Retention rate" kind="line" .format=${percent}
          description="Resolutions divided by interventions, per day." .load=${this.#retentionChart}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Revenue retained" kind="bar" .format=${money}
          description="Monthly value of the customers whose payment was recovered." .load=${this.#seriesChart([{ metric: 'revenue_retained', label: 'Revenue retained', value: 'sum' }])}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Recovery rate" kind="line" .format=${percent}
          description="Amount recovered divided by the amount of failed payments." .load=${this.#recoveryRateChart}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Support volume" kind="bar" integer .format=${count}
          description="Answers the assistant gave, per day." .load=${this.#seriesChart([{ metric: 'response_time', label: 'Answers', value: 'count' }])}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Answer confidence" kind="line" .format=${ratio}
          .load=${this.#seriesChart([{ metric: 'confidence', label: 'Mean confidence', value: 'mean' }])}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Deflection and positive feedback" kind="line" .format=${percent}
          description="Conversations solved without a person, and thumbs-up share of rated answers."
          .load=${this.#seriesChart([
            { metric: 'deflection', label: 'Deflection rate', value: 'mean', scale: 100 },
            { metric: 'feedback', label: 'Positive feedback', value: 'mean', scale: 100 },
          ])}></churn-chart-panel>
        <churn-chart-panel .api=${this.api} .router=${this.router} heading="Escalations" kind="bar" integer .format=${count}
          .load=${this.#seriesChart([{ metric: 'escalation', label: 'Escalations', value: 'sum' }])}></churn-chart-panel>
      </div>
      ${this.#renderAbTests()}
    `;
  }

  #renderAbTests(): TemplateResult {
    const results = this.results;
    return html`<section class="card" aria-labelledby="ab-title">
      <h2 id="ab-title">A/B tests</h2>
      ${this.tests.length === 0 && !this.resultsError ? html`<p>No A/B test yet.</p>` : nothing}
      ${
        this.tests.length > 0
          ? html`<label for="ab-test">Test</label>
            <select id="ab-test" .value=${this.testId} @change=${(event: Event) => this.#loadResults((event.target as HTMLSelectElement).value)}>
              ${this.tests.map((test) => html`<option value=${test.id} ?selected=${test.id === this.testId}>${test.name} (${test.status})</option>`)}
            </select>`
          : nothing
      }
      ${this.resultsError ? html`<p class="error" role="alert">${this.resultsError}</p>` : nothing}
      ${
        results
          ? html`<div class="table-wrap"><table>
            <caption>Results of ${results.testName} against the control ${results.control}; ${results.method}; significant when p &lt; ${significance}.</caption>
            <thead><tr><th scope="col">Variant</th><th scope="col">Users</th><th scope="col">Deflection</th><th scope="col">Resolution</th><th scope="col">Positive feedback</th><th scope="col">Mean confidence</th><th scope="col">Revenue retained</th></tr></thead>
            <tbody>${results.variants.map(
              (variant) => html`<tr>
                <th scope="row">${variant.variant}${variant.control ? ' (control)' : ''}</th>
                <td class="number">${formatNumber(variant.users)}</td>
                ${[variant.deflection, variant.resolution, variant.positiveFeedback].map((rate) => this.#rateCell(rate))}
                <td class="number">${formatNumber(variant.meanConfidence, 2)}</td>
                <td class="number">${formatAmount(variant.revenueRetained)}</td>
              </tr>`,
            )}</tbody></table></div>`
          : nothing
      }
    </section>`;
  }

  #rateCell(rate: RateResult): TemplateResult {
    const value = rate.rate === null ? '—' : formatPercent(rate.rate * 100);
    if (rate.pValue === undefined)
      return html`<td class="number">${value} <span class="muted small">(${rate.successes}/${rate.trials})</span></td>`;
    const significant = rate.pValue < significance;
    return html`<td class="number">${value} <span class="muted small">(${rate.successes}/${rate.trials}; p = ${rate.pValue.toFixed(3)})</span>
      <span class=${significant ? 'badge significant' : 'badge'}>${significant ? 'significant' : 'not significant'}</span></td>`;
  }
}
