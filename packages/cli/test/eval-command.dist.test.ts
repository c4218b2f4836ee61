import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the BUILT command the way a user does: `node packages/cli/dist/bin.js`.
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../..');
const bin = join(root, 'packages/cli/dist/bin.js');
const coreDist = join(root, 'packages/core/dist/index.js');
const fixtures = join(here, 'fixtures');

function churn(...args: string[]) {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('churn eval (built CLI)', () => {
  let work: string;

  beforeAll(() => {
    if (!existsSync(bin) || !existsSync(coreDist)) {
      throw new Error(
        `The built CLI is missing (${existsSync(bin) ? coreDist : bin}): run \`pnpm build\` at the repository root first.`,
      );
    }
    work = mkdtempSync(join(tmpdir(), 'churn-eval-'));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('prints one JSON object of metrics and writes the run file', () => {
    const out = join(work, 'nested', 'run.jsonl');
    const result = churn(
      'eval',
      '--docs',
      join(fixtures, 'eval-docs'),
      '--questions',
      join(fixtures, 'questions.jsonl'),
      '--out',
      out,
      '--top-k',
      '3',
      '--baseline',
    );
    expect(result.stderr).toContain('Ingested 3 documents');
    expect(result.status).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      questions: 3,
      questions_with_answers: 2,
      documents: 3,
      top_k: 3,
    });
    for (const key of ['recall@5', 'recall@10', 'mrr@10', 'ndcg@10', 'answer_f1']) {
      expect(summary[key]).toBeGreaterThanOrEqual(0);
      expect(summary[key]).toBeLessThanOrEqual(1);
    }
    // Three distinct, easy questions over three documents: each gold document is found first.
    expect(summary['recall@5']).toBe(1);
    expect(summary['mrr@10']).toBe(1);
    expect(summary.baseline.bm25['recall@10']).toBe(1);
    expect(summary.pipeline.language_model).toMatch(/^offline\//);

    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.id)).toEqual(['t1', 't2', 't3']);
    for (const line of lines) {
      expect(Object.keys(line).sort()).toEqual(['answer', 'id', 'ranked_doc_ids']);
      expect(new Set(line.ranked_doc_ids).size).toBe(line.ranked_doc_ids.length);
    }
    expect(lines[0].ranked_doc_ids[0]).toBe('refunds');
    expect(lines[0].answer).toMatch(/5 to 10 business days.*\[\d\]/);
    expect(lines[1].ranked_doc_ids[0]).toBe('update-card');
  });

  it('reports a bad question line with its number and exits 2', () => {
    const result = churn(
      'eval',
      '--docs',
      join(fixtures, 'eval-docs'),
      '--questions',
      join(fixtures, 'bad-questions.jsonl'),
    );
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('line 2.gold_doc_ids');
  });

  it('explains missing flags, and shows help', () => {
    const missing = churn('eval');
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('Missing --docs DIR');
    expect(missing.stderr).toContain('churn eval --help');

    const help = churn('eval', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: churn eval --docs DIR --questions FILE');

    const unknown = churn('nope');
    expect(unknown.status).toBe(2);
  });
});
