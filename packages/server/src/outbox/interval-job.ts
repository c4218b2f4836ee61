import type { ChurnLogger } from '../http/error-to-response.js';

/** A background job that runs every `intervalMs`: the outbox worker, the retention job. */
export interface IntervalJob {
  /** Starts the loop (the first run after one interval). Idempotent. */
  start(): void;
  /** Runs as soon as possible (after the run in progress, if any). */
  wake(): void;
  /** Stops the loop and waits for the run in progress. Idempotent. */
  stop(): Promise<void>;
  /** Whether the loop runs. */
  readonly running: boolean;
}

/**
 * A loop that calls `run` every `intervalMs`, one run at a time, never overlapping. A run
 * that throws is logged (`logger.warn`, without the error's details when they could carry
 * secrets: only its message) and the loop goes on. Timers are `unref`'d: the job never keeps
 * a process alive by itself.
 */
export function createIntervalJob(settings: {
  name: string;
  intervalMs: number;
  run: () => Promise<unknown>;
  logger: ChurnLogger;
}): IntervalJob {
  let running = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let current: Promise<void> | undefined;
  let again = false;

  const schedule = (delayMs: number) => {
    if (!running) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(tick, delayMs);
    timer.unref?.();
  };

  function tick(): void {
    timer = undefined;
    if (!running) return;
    if (current) {
      again = true;
      return;
    }
    current = settings
      .run()
      .then(
        () => {},
        (error: unknown) => {
          settings.logger.warn(`The ${settings.name} job failed; it runs again later.`, {
            error: error instanceof Error ? error.message : String(error),
          });
        },
      )
      .finally(() => {
        current = undefined;
        const soon = again;
        again = false;
        schedule(soon ? 0 : settings.intervalMs);
      });
  }

  return {
    start() {
      if (running) return;
      running = true;
      schedule(settings.intervalMs);
    },
    wake() {
      if (!running) return;
      if (current) again = true;
      else schedule(0);
    },
    async stop() {
      running = false;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await current;
    },
    get running() {
      return running;
    },
  };
}
