/**
 * The browser tests' vocabulary: mocha's globals (web-test-runner's default framework),
 * typed here so the package needs no global test types, and a few assertions.
 */
type Body = (this: unknown) => void | Promise<void>;

interface MochaGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: Body): void;
  beforeEach(body: Body): void;
  afterEach(body: Body): void;
}

const globals = globalThis as unknown as MochaGlobals;

export const describe = (name: string, body: () => void): void => globals.describe(name, body);
export const it = (name: string, body: Body): void => globals.it(name, body);
export const beforeEach = (body: Body): void => globals.beforeEach(body);
export const afterEach = (body: Body): void => globals.afterEach(body);

/** Fails with `message` unless `condition` holds. */
export function assert(condition: unknown, message = 'assertion failed'): asserts condition {
  if (!condition) throw new Error(message);
}

/** Strict equality, or structural equality of JSON values. */
export function assertEqual<T>(actual: T, expected: T, message = ''): void {
  const same = Object.is(actual, expected) || JSON.stringify(actual) === JSON.stringify(expected);
  if (!same) {
    throw new Error(
      `${message ? `${message}: ` : ''}expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`,
    );
  }
}

/** `text` contains `part`. */
export function assertIncludes(text: string | null | undefined, part: string, message = ''): void {
  if (!text?.includes(part)) {
    throw new Error(
      `${message ? `${message}: ` : ''}expected ${JSON.stringify(text)} to include ${JSON.stringify(part)}`,
    );
  }
}

/** Waits until `check` returns a truthy value (polling), or fails after `timeout` ms. */
export async function waitFor<T>(
  check: () => T | undefined | null | false,
  message = 'condition',
  timeout = 4000,
): Promise<T> {
  const start = performance.now();
  while (performance.now() - start < timeout) {
    const value = check();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${message}`);
}

/** Resolves after the next event of `name` on `target`. */
export function nextEvent<E extends Event>(
  target: EventTarget,
  name: string,
  timeout = 4000,
): Promise<E> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${name} event`)), timeout);
    target.addEventListener(
      name,
      (event) => {
        clearTimeout(timer);
        resolve(event as E);
      },
      { once: true },
    );
  });
}

interface AxeResult {
  violations: {
    id: string;
    impact: string;
    help: string;
    nodes: { target: string[]; failureSummary?: string }[];
  }[];
}

interface Axe {
  run(context: Element | Document, options?: unknown): Promise<AxeResult>;
}

/** Runs axe-core (WCAG 2.0/2.1 A and AA) on `context`; fails listing every violation. */
export async function assertAccessible(context: Element | Document = document): Promise<void> {
  const axe = await loadAxe();
  const result = await axe.run(context, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    rules: { region: { enabled: false } },
  });
  if (result.violations.length > 0) {
    const details = result.violations
      .map(
        (violation) =>
          `${violation.id} (${violation.impact}): ${violation.help}\n${violation.nodes
            .map((node) => `  ${node.target.join(' ')} ${node.failureSummary ?? ''}`)
            .join('\n')}`,
      )
      .join('\n');
    throw new Error(`axe found ${result.violations.length} violation(s):\n${details}`);
  }
}

let axeLoading: Promise<Axe> | undefined;

function loadAxe(): Promise<Axe> {
  axeLoading ??= new Promise<Axe>((resolve, reject) => {
    const existing = (globalThis as { axe?: Axe }).axe;
    if (existing) {
      resolve(existing);
      return;
    }
    const script = document.createElement('script');
    script.src = '/__axe__/axe.min.js';
    script.onload = () => resolve((globalThis as unknown as { axe: Axe }).axe);
    script.onerror = () => reject(new Error('axe-core could not be loaded'));
    document.head.append(script);
  });
  return axeLoading;
}
