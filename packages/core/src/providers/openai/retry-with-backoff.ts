/**
 * Retries for the remote adapters (OpenAI, Pinecone), written once so both vendors
 * behave the same: exponential backoff with jitter, `Retry-After` honoured, the
 * caller's abort signal obeyed even while waiting, and a per-attempt timeout.
 *
 * The vendor SDKs' own retries are switched off (OpenAI `maxRetries: 0`; the
 * Pinecone data plane has none): the OpenAI SDK sleeps through an abort and lets a
 * `Retry-After` of any length stall a call, and Pinecone's errors do not carry the
 * status or headers needed to decide.
 */

/** How the retry loop treats one failed attempt. */
export interface RetryDecision {
  /** Whether another attempt may succeed (429, 408, 5xx, a dropped connection, a timeout). */
  retryable: boolean;
  /** What the server asked for (`Retry-After`, `retry-after-ms`), in milliseconds. */
  retryAfterMs?: number;
}

/** Settings of {@link retryWithBackoff}. */
export interface RetrySettings {
  /** Attempts after the first. */
  maxRetries: number;
  /** First backoff; doubled each retry. */
  initialDelayMs: number;
  /** Ceiling of the computed backoff. */
  maxDelayMs: number;
  /**
   * Longest server-requested wait we accept. A `Retry-After` above it is not
   * waited for: the call fails at once with the vendor error, so a caller is
   * never stuck for minutes behind a quota window.
   */
  maxRetryAfterMs: number;
  /** Bound of one attempt, from sending the request to the last byte of the answer. */
  timeoutMs: number;
  abortSignal?: AbortSignal;
  /** Classifies a failure of one attempt. */
  classify: (error: unknown) => RetryDecision;
  /**
   * Keep the attempt's signal and timer alive after `operation` resolves (a stream
   * that is still being read). The operation then owns `context.handle.dispose()`.
   */
  keepSignalOnSuccess?: boolean;
}

/** The signal of one attempt and the controls of its timer. */
export type AttemptSignal = ReturnType<typeof createAttemptSignal>;

/** What one attempt receives: a signal that fires on caller abort or on this attempt's timeout. */
export interface AttemptContext {
  signal: AbortSignal;
  /** Zero-based attempt number. */
  attempt: number;
  /** The timer behind `signal`: `touch` restarts it, `timedOut` tells why it fired. */
  handle: AttemptSignal;
}

/** Why the last attempt stopped, so the error mapper can tell a timeout from an abort. */
export interface AttemptOutcome {
  timedOut: boolean;
  aborted: boolean;
  attempts: number;
}

/** Thrown by {@link retryWithBackoff} around the last failure, with how it ended. */
export class RetryExhaustedError extends Error {
  readonly outcome: AttemptOutcome;

  constructor(cause: unknown, outcome: AttemptOutcome) {
    super('The remote call failed.', { cause });
    this.name = 'RetryExhaustedError';
    this.outcome = outcome;
  }
}

/**
 * The failure behind `error` and how its attempts ended, for the error mappers: the last
 * attempt's error when {@link retryWithBackoff} gave up, else `error` itself (one attempt).
 * `tries` is what their messages append (" after 3 attempts"), empty after one attempt.
 */
export function unwrapRetry(error: unknown): AttemptOutcome & { cause: unknown; tries: string } {
  const exhausted = error instanceof RetryExhaustedError;
  const outcome = exhausted ? error.outcome : { timedOut: false, aborted: false, attempts: 1 };
  return {
    ...outcome,
    cause: exhausted ? error.cause : error,
    tries: outcome.attempts > 1 ? ` after ${outcome.attempts} attempts` : '',
  };
}

/**
 * A signal that fires when `parent` aborts or `timeoutMs` passes, whichever comes first.
 * Call `dispose` once the attempt is over so the timer does not keep the process alive.
 */
export function createAttemptSignal(
  parent: AbortSignal | undefined,
  timeoutMs: number,
): {
  signal: AbortSignal;
  timedOut: () => boolean;
  /** Restarts the timeout: used before waiting for the next chunk of a stream (an idle timeout). */
  touch: () => void;
  /** Stops the timeout while nobody waits on the server (the reader of a stream is busy). */
  pause: () => void;
  dispose: () => void;
} {
  const controller = new AbortController();
  let didTimeOut = false;
  const onTimeout = () => {
    didTimeOut = true;
    controller.abort(new DOMException('The request timed out.', 'TimeoutError'));
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    if (timer !== undefined) clearTimeout(timer);
    if (Number.isFinite(timeoutMs) && timeoutMs > 0) timer = setTimeout(onTimeout, timeoutMs);
  };
  const onAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) controller.abort(parent.reason);
  else parent?.addEventListener('abort', onAbort, { once: true });
  arm();
  return {
    signal: controller.signal,
    timedOut: () => didTimeOut,
    touch: () => {
      if (!controller.signal.aborted) arm();
    },
    pause: () => {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
    dispose: () => {
      if (timer !== undefined) clearTimeout(timer);
      parent?.removeEventListener('abort', onAbort);
    },
  };
}

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Backoff before retry number `retry` (zero-based): `initial * 2^retry`, capped, minus up to 25 % jitter. */
export function computeBackoffMs(
  retry: number,
  settings: Pick<RetrySettings, 'initialDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const base = Math.min(settings.initialDelayMs * 2 ** retry, settings.maxDelayMs);
  return Math.round(base * (1 - random() * 0.25));
}

/**
 * Parses `retry-after-ms` (milliseconds) or `Retry-After` (seconds or an HTTP date).
 * Returns undefined when neither is present or readable.
 */
export function parseRetryAfter(
  headers: { get(name: string): string | null } | undefined,
  now: number = Date.now(),
): number | undefined {
  if (!headers) return undefined;
  const milliseconds = headers.get('retry-after-ms');
  if (milliseconds !== null && milliseconds.trim() !== '') {
    const value = Number(milliseconds);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const retryAfter = headers.get('retry-after');
  if (retryAfter === null || retryAfter.trim() === '') return undefined;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Runs `operation` until it succeeds, a failure is not retryable, the retries are
 * spent, or the caller aborts. Every failure leaves as a {@link RetryExhaustedError}
 * whose `cause` is the last vendor error and whose `outcome` says whether the last
 * attempt timed out or was aborted.
 */
export async function retryWithBackoff<T>(
  operation: (context: AttemptContext) => Promise<T>,
  settings: RetrySettings,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    const attemptSignal = createAttemptSignal(settings.abortSignal, settings.timeoutMs);
    let succeeded = false;
    try {
      const value = await operation({
        signal: attemptSignal.signal,
        attempt,
        handle: attemptSignal,
      });
      succeeded = true;
      return value;
    } catch (error) {
      const aborted = settings.abortSignal?.aborted === true;
      const timedOut = !aborted && attemptSignal.timedOut();
      const outcome = { timedOut, aborted, attempts: attempt + 1 };
      if (aborted) throw new RetryExhaustedError(error, outcome);
      const decision: RetryDecision = timedOut ? { retryable: true } : settings.classify(error);
      const waitMs = decision.retryAfterMs ?? computeBackoffMs(attempt, settings, Math.random);
      if (
        !decision.retryable ||
        attempt >= settings.maxRetries ||
        (decision.retryAfterMs !== undefined && decision.retryAfterMs > settings.maxRetryAfterMs)
      ) {
        throw new RetryExhaustedError(error, outcome);
      }
      try {
        await sleep(waitMs, settings.abortSignal);
      } catch {
        throw new RetryExhaustedError(error, {
          timedOut: false,
          aborted: true,
          attempts: attempt + 1,
        });
      }
    } finally {
      if (!succeeded || settings.keepSignalOnSuccess !== true) attemptSignal.dispose();
    }
  }
}
