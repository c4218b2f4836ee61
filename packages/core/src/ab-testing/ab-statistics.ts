/** Successes out of trials of one variant (deflected conversations, positive votes...). */
export interface Proportion {
  successes: number;
  trials: number;
}

/** The result of {@link twoProportionZTest}. */
export interface TwoProportionTest {
  /** Rate of the control. */
  controlRate: number;
  /** Rate of the treatment. */
  treatmentRate: number;
  /** treatment − control. */
  difference: number;
  /** The z statistic with the pooled standard error; 0 when it cannot be computed. */
  z: number;
  /** Two-sided p-value; 1 when there is nothing to compare (no trials, or all or no successes). */
  pValue: number;
}

/**
 * The error function, Abramowitz and Stegun 7.1.26 (absolute error below 1.5e-7).
 */
export function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const value = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * value);
  const polynomial =
    t *
    (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - polynomial * Math.exp(-value * value));
}

/** The standard normal cumulative distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * (1 + erf(z / Math.SQRT2));
}

function rate(proportion: Proportion): number {
  return proportion.trials > 0 ? proportion.successes / proportion.trials : 0;
}

/**
 * Two-proportion z-test (pooled), two-sided: is the treatment's rate different from the
 * control's? `z = (p2 − p1) / sqrt(p(1 − p)(1/n1 + 1/n2))` with the pooled
 * `p = (x1 + x2) / (n1 + n2)`, and `p-value = 2 (1 − Φ(|z|))`. Reliable when each
 * variant has at least about 5 successes and 5 failures; below that, read it as a hint.
 */
export function twoProportionZTest(control: Proportion, treatment: Proportion): TwoProportionTest {
  const controlRate = rate(control);
  const treatmentRate = rate(treatment);
  const difference = treatmentRate - controlRate;
  const trials = control.trials + treatment.trials;
  const pooled = trials > 0 ? (control.successes + treatment.successes) / trials : 0;
  const variance =
    control.trials > 0 && treatment.trials > 0
      ? pooled * (1 - pooled) * (1 / control.trials + 1 / treatment.trials)
      : 0;
  if (!(variance > 0)) return { controlRate, treatmentRate, difference, z: 0, pValue: 1 };
  const z = difference / Math.sqrt(variance);
  const pValue = Math.min(1, Math.max(0, 2 * (1 - normalCdf(Math.abs(z)))));
  return { controlRate, treatmentRate, difference, z, pValue };
}
