/**
 * Runs `worker` over a growing queue with at most `concurrency` items in flight.
 * A worker may `push` more items (a crawler's newly found links). Resolves when the
 * queue is empty and every worker is done; rejects on the first worker error
 * (workers handle their expected failures themselves).
 */
export function runPool<T>(
  initial: T[],
  concurrency: number,
  worker: (item: T, push: (item: T) => void) => Promise<void>,
): Promise<void> {
  const queue = [...initial];
  let active = 0;
  let failed = false;
  return new Promise((resolve, reject) => {
    const pump = () => {
      if (failed) return;
      while (active < concurrency && queue.length > 0) {
        const item = queue.shift() as T;
        active++;
        worker(item, (next) => queue.push(next)).then(
          () => {
            active--;
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      if (active === 0 && queue.length === 0) resolve();
    };
    pump();
  });
}
