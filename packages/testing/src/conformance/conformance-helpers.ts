import type { ChurnError } from '@churn/core';

/** Euclidean length of a vector. */
export function vectorNorm(vector: readonly number[]): number {
  let sum = 0;
  for (const value of vector) sum += value * value;
  return Math.sqrt(sum);
}

/** Dot product of two vectors of the same length. */
export function dotProduct(left: readonly number[], right: readonly number[]): number {
  let sum = 0;
  for (let index = 0; index < left.length; index++) sum += left[index]! * right[index]!;
  return sum;
}

/** A random unit vector of `dimensions` components. */
export function randomUnitVector(random: () => number, dimensions: number): number[] {
  const vector = Array.from({ length: dimensions }, () => random() * 2 - 1);
  const norm = vectorNorm(vector) || 1;
  return vector.map((value) => value / norm);
}

/**
 * `count` unit vectors orthogonal to each other and to every vector of `against`
 * (Gram-Schmidt), so tests can build vectors with exactly known cosines.
 */
export function orthonormalVectors(
  random: () => number,
  dimensions: number,
  count: number,
  against: number[][] = [],
): number[][] {
  const basis = [...against];
  const result: number[][] = [];
  while (result.length < count) {
    const vector = randomUnitVector(random, dimensions);
    for (const other of basis) {
      const projection = dotProduct(vector, other);
      for (let index = 0; index < dimensions; index++) vector[index]! -= projection * other[index]!;
    }
    const norm = vectorNorm(vector);
    if (norm < 1e-6) continue;
    const unit = vector.map((value) => value / norm);
    basis.push(unit);
    result.push(unit);
  }
  return result;
}

/** `cosine * query + sqrt(1 - cosine²) * orthogonal`: a unit vector at a known cosine to `query`. */
export function vectorAtCosine(query: number[], orthogonal: number[], cosine: number): number[] {
  const sine = Math.sqrt(Math.max(0, 1 - cosine * cosine));
  return query.map((value, index) => cosine * value + sine * orthogonal[index]!);
}

/** Runs `run` and returns what it threw, or fails if it resolved. */
export async function captureRejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  throw new Error('Expected the call to reject, but it resolved.');
}

/** True when `error` is a ChurnError with `code`. */
export function isChurnErrorWithCode(error: unknown, code: string): boolean {
  return isChurnError(error) && error.code === code;
}

/**
 * True when `error` carries the ChurnError marker. Checked through the global symbol,
 * like `ChurnError.isInstance`, so the suites load no runtime code from the core.
 */
export function isChurnError(error: unknown): error is ChurnError {
  return typeof error === 'object' && error !== null && Symbol.for('churn.error') in error;
}

/** Settings of {@link eventually}. */
export interface EventuallyOptions {
  /** How long to keep retrying a failing assertion. */
  timeoutMs: number;
  /** Pause between attempts. */
  intervalMs?: number;
}

/**
 * Retries `assertion` until it passes or `options.timeoutMs` elapses; with no options,
 * runs it once. Lets suites check eventually consistent stores without sleeps.
 */
export async function eventually<T>(
  assertion: () => Promise<T>,
  options: EventuallyOptions | undefined,
): Promise<T> {
  if (!options) return assertion();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    try {
      return await assertion();
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 50));
    }
  }
}
