import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** One axe-core finding, reduced to what a failing test needs to print. */
export interface AccessibilityViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

let axeSource: Promise<string> | undefined;

function loadAxeSource(): Promise<string> {
  axeSource ??= readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

/**
 * Runs axe-core (WCAG 2.0 and 2.1, levels A and AA) on the page as it is now, or on the part
 * under `selector`, and returns every violation. An empty array is a pass.
 */
export async function findAccessibilityViolations(
  page: Page,
  selector?: string,
): Promise<AccessibilityViolation[]> {
  const hasAxe = await page.evaluate(() => 'axe' in globalThis);
  if (!hasAxe) await page.addScriptTag({ content: await loadAxeSource() });
  return page.evaluate(async (context) => {
    // biome-ignore lint/suspicious/noExplicitAny: axe is a page global injected above.
    const axe = (globalThis as any).axe;
    const result = await axe.run(context ?? document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    // biome-ignore lint/suspicious/noExplicitAny: axe's result objects are plain JSON.
    return result.violations.map((violation: any) => ({
      id: violation.id,
      impact: violation.impact ?? null,
      help: violation.help,
      // biome-ignore lint/suspicious/noExplicitAny: as above.
      targets: violation.nodes.map((node: any) => node.target.join(' ')),
    }));
  }, selector);
}

/** Fails with every violation listed when axe finds anything on the page. */
export async function expectAccessible(page: Page, selector?: string): Promise<void> {
  const violations = await findAccessibilityViolations(page, selector);
  if (violations.length === 0) return;
  const details = violations
    .map((v) => `- ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n    ${v.targets.join('\n    ')}`)
    .join('\n');
  throw new Error(`axe found ${violations.length} violation(s) on ${page.url()}:\n${details}`);
}
