import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defaultSource, generateDemoDocs, rebrand } from '../scripts/demo-docs.mjs';

const folders: string[] = [];
afterAll(() => {
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

describe('the demo help centre, generated from eval/docs', () => {
  it('renames the product and its addresses, keeping headers valid and articles right', () => {
    expect(rebrand('Plannery has four plans.')).toBe('Acme Analytics has four plans.');
    expect(rebrand('tell security@plannery.app.')).toBe('tell security@acme-analytics.example.');
    expect(rebrand('a <code>Plannery-Signature</code> header')).toBe(
      'a <code>Acme-Analytics-Signature</code> header',
    );
    expect(rebrand('do not need a Plannery account')).toBe('do not need an Acme Analytics account');
    expect(rebrand('Nothing to rename.')).toBe('Nothing to rename.');
  });

  it('writes every evaluation document, renamed, and nothing else', async () => {
    const target = mkdtempSync(join(tmpdir(), 'churn-demo-docs-'));
    folders.push(target);
    writeFileSync(join(target, 'stale.md'), '# A document eval/docs no longer has');
    const written = await generateDemoDocs({ target });
    const sources = readdirSync(defaultSource).sort();
    expect(written).toEqual(sources);
    expect(readdirSync(target).sort()).toEqual(sources);
    expect(written.length).toBeGreaterThanOrEqual(30);
    for (const name of written) {
      const original = readFileSync(join(defaultSource, name), 'utf8');
      const generated = readFileSync(join(target, name), 'utf8');
      expect(generated, name).not.toMatch(/plannery/i);
      expect(generated, name).toBe(rebrand(original));
      // Only the product name changes: same number of lines, same headings.
      expect(generated.split('\n').length, name).toBe(original.split('\n').length);
    }
    expect(readFileSync(join(target, 'plans-overview.md'), 'utf8')).toContain(
      'Acme Analytics has four plans.',
    );
  });

  it('says where the evaluation docs were expected when they are missing', async () => {
    await expect(
      generateDemoDocs({
        source: join(tmpdir(), 'no-such-eval-docs'),
        target: join(tmpdir(), 'x'),
      }),
    ).rejects.toThrow(/evaluation docs are missing at .*no-such-eval-docs/);
  });
});
