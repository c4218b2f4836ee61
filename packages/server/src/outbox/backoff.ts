/** Settings of {@link retryDelay}. */
export interface BackoffSettings {
  /** The first retry's delay. Default 10 seconds. */
  baseDelayMs?: number;
  /** The longest delay. Default one hour. */
  maxDelayMs?: number;
  /** A number in [0, 1) for jitter; default `Math.random`. Tests pass `() => 0.5` (no jitter). */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (1 after the first failure): exponential
 * (`base * 2^(attempt-1)`), capped at `maxDelayMs`, with ±20% jitter so receivers that come
 * back are not hit by every sender at the same instant.
 */
export function retryDelay(attempt: number, settings: BackoffSettings = {}): number {
  const base = settings.baseDelayMs ?? 10_000;
  const max = settings.maxDelayMs ?? 3_600_000;
  const exponential = Math.min(max, base * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  const jitter = 0.8 + 0.4 * (settings.random ?? Math.random)();
  return Math.round(Math.min(max, exponential * jitter));
}
