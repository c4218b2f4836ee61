import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { UsageError } from '../cli-io.js';
import { runCli } from '../run-cli.js';
import { loadEvalDocuments, loadEvalQuestions, parseEvalArguments, runEvaluation } from './eval.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('churn eval arguments', () => {
  it('parses the flags with their defaults', () => {
    expect(parseEvalArguments(['--docs', 'd', '--questions', 'q.jsonl'])).toEqual({
      docsDir: 'd',
      questionsFile: 'q.jsonl',
      topK: 5,
      baseline: false,
    });
    expect(
      parseEvalArguments([
        '--docs=d',
        '--questions=q',
        '--out',
        'r.jsonl',
        '--top-k',
        '8',
        '--baseline',
      ]),
    ).toEqual({ docsDir: 'd', questionsFile: 'q', out: 'r.jsonl', topK: 8, baseline: true });
    expect(parseEvalArguments(['--help'])).toBe('help');
  });

  it.each([
    [[], /Missing --docs DIR[\s\S]*Missing --questions FILE/],
    [
      ['--docs', 'd', '--questions', 'q', '--top-k', 'ten'],
      /--top-k must be a whole number from 1 to 50, got "ten"/,
    ],
    [['--docs', 'd', '--questions', 'q', '--top-k', '0'], /--top-k must be/],
    [['--docs', 'd', '--questions', 'q', '--nope'], /nope[\s\S]*churn eval --help/],
    [['--docs', 'd', '--questions', 'q', 'extra'], /churn eval --help/],
  ])('rejects %j with a message that says what to do', (argv, message) => {
    expect(() => parseEvalArguments(argv)).toThrow(UsageError);
    expect(() => parseEvalArguments(argv)).toThrow(message);
  });

  it('exits 2 with the problem on stderr and nothing on stdout', async () => {
    const { io, output } = captureIo();
    expect(
      await runCli(['eval', '--docs', join(root, 'no-such-folder'), '--questions', 'x'], io),
    ).toBe(2);
    expect(output.stdout).toBe('');
    expect(output.stderr).toContain('is not a folder');
  });

  it('rejects gold ids that name no document', async () => {
    const documents = await loadEvalDocuments(join(root, 'packages/cli/test/fixtures/eval-docs'));
    expect(documents.map((document) => [document.id, document.format])).toEqual([
      ['api-keys', 'text'],
      ['refunds', 'markdown'],
      ['update-card', 'html'],
    ]);
    await expect(
      loadEvalQuestions(
        join(root, 'packages/cli/test/fixtures/questions.jsonl'),
        new Set(['refunds']),
      ),
    ).rejects.toThrow(/question t2: gold document "update-card" is not in the docs folder/);
  });
});

/** Runs the offline pipeline with the BM25 baseline on one evaluation set of the repository. */
async function evaluateSet(docs: string, questionsFile: string) {
  const documents = await loadEvalDocuments(join(root, docs));
  const questions = await loadEvalQuestions(
    join(root, questionsFile),
    new Set(documents.map((document) => document.id)),
  );
  const report = await runEvaluation({ documents, questions, baseline: true });
  expect(report.summary.documents).toBe(documents.length);
  expect(report.run).toHaveLength(questions.length);
  const { bm25, comparison } = report.summary.baseline!;
  // The comparison agrees with the two summaries, question counts add up, p is a probability.
  for (const metric of ['recall@5', 'recall@10', 'mrr@10', 'ndcg@10'] as const) {
    const { difference, better, worse, tied, p_value } = comparison[metric];
    expect(difference).toBeCloseTo(report.summary[metric] - bm25[metric], 3);
    expect(better + worse + tied).toBe(questions.length);
    expect(p_value).toBeGreaterThan(0);
    expect(p_value).toBeLessThanOrEqual(1);
  }
  return { ...report, bm25 };
}

/** Hybrid at or above plain BM25 on every metric, strictly above on the two ranking metrics. */
function expectAtOrAboveBm25(
  summary: Record<'recall@5' | 'recall@10' | 'mrr@10' | 'ndcg@10', number>,
  bm25: Record<'recall@5' | 'recall@10' | 'mrr@10' | 'ndcg@10', number>,
) {
  expect(summary['recall@5']).toBeGreaterThanOrEqual(bm25['recall@5']);
  expect(summary['recall@10']).toBeGreaterThanOrEqual(bm25['recall@10']);
  expect(summary['mrr@10']).toBeGreaterThan(bm25['mrr@10']);
  expect(summary['ndcg@10']).toBeGreaterThan(bm25['ndcg@10']);
}

describe('evaluation floor on eval/ (offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and hybrid above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet('eval/docs', 'eval/questions.jsonl');
    expect(summary.questions).toBeGreaterThanOrEqual(60);
    // Measured on the offline pipeline (see docs/rag.md): recall@5 0.964, recall@10 1.000,
    // MRR@10 0.864, nDCG@10 0.890, answer F1 0.187 (BM25 alone: 0.936, 0.993, 0.833, 0.864).
    // Floors sit a few points below so that only a real regression fails.
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.94);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.98);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.84);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.87);
    expect(summary.answer_f1).toBeGreaterThanOrEqual(0.16);
    expectAtOrAboveBm25(summary, bm25);
  });
});

describe('evaluation floor on eval/holdout/ (held-out set, offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and hybrid above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet(
      'eval/holdout/docs',
      'eval/holdout/questions.jsonl',
    );
    expect(summary.questions).toBeGreaterThanOrEqual(40);
    // Measured (see docs/rag.md): recall@5 0.978, recall@10 1.000, MRR@10 0.871,
    // nDCG@10 0.900 (BM25 alone: 0.978, 1.000, 0.827, 0.868).
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.95);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.97);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.84);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.87);
    expectAtOrAboveBm25(summary, bm25);
  });
});

describe('evaluation floor on eval/validation/ (validation set, offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and ranks above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet(
      'eval/validation/docs',
      'eval/validation/questions.jsonl',
    );
    expect(summary.questions).toBeGreaterThanOrEqual(45);
    // Measured once the method was chosen (see docs/rag.md): recall@5 0.798, recall@10
    // 0.895, MRR@10 0.722, nDCG@10 0.754 (BM25 alone: 0.816, 0.886, 0.686, 0.720).
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.77);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.87);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.69);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.72);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(bm25['recall@10']);
    expect(summary['mrr@10']).toBeGreaterThan(bm25['mrr@10']);
    expect(summary['ndcg@10']).toBeGreaterThan(bm25['ndcg@10']);
    // Known gap, not closed: on this set the hybrid top 5 has one gold document fewer
    // than BM25's (0.798 against 0.816, 1/57). This bounds the gap at that one document;
    // the target is recall@5 >= BM25 (docs/rag.md). (Figures are rounded to four
    // decimals, hence the 1e-4.)
    const oneGoldDocument = 1 / summary.questions;
    expect(summary['recall@5']).toBeGreaterThanOrEqual(bm25['recall@5'] - oneGoldDocument - 1e-4);
  });
});

describe('evaluation floor on eval/validation-2/ (fresh validation set, offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and recall at or above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet(
      'eval/validation-2/docs',
      'eval/validation-2/questions.jsonl',
    );
    expect(summary.questions).toBeGreaterThanOrEqual(50);
    // Written before any change of method and never tuned on (see docs/rag.md).
    // Measured: recall@5 0.789, recall@10 0.842, MRR@10 0.611, nDCG@10 0.653,
    // answer F1 0.090 (BM25 alone: 0.728, 0.833, 0.646, 0.665).
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.76);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.82);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.59);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.62);
    expect(summary.answer_f1).toBeGreaterThanOrEqual(0.07);
    expect(summary['recall@5']).toBeGreaterThanOrEqual(bm25['recall@5']);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(bm25['recall@10']);
    // Known gap, not closed: MRR@10 and nDCG@10 are below BM25's here (0.611 against
    // 0.646, 0.653 against 0.665); the target is at or above BM25 (docs/rag.md).
  });
});

describe('evaluation floor on eval/validation-3/ (fresh validation set, offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and ranks above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet(
      'eval/validation-3/docs',
      'eval/validation-3/questions.jsonl',
    );
    expect(summary.questions).toBeGreaterThanOrEqual(50);
    // Written before any change of method, run once after it (see docs/rag.md).
    // Measured: recall@5 0.732, recall@10 0.857, MRR@10 0.649, nDCG@10 0.688,
    // answer F1 0.051 (BM25 alone: 0.768, 0.866, 0.606, 0.656).
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.7);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.83);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.62);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.66);
    expect(summary.answer_f1).toBeGreaterThanOrEqual(0.04);
    expect(summary['mrr@10']).toBeGreaterThan(bm25['mrr@10']);
    expect(summary['ndcg@10']).toBeGreaterThan(bm25['ndcg@10']);
    // Known gaps, not closed: the hybrid top 5 has two gold documents fewer than BM25's
    // (0.732 against 0.768, 2/56) and the top 10 one of a two-gold question's documents
    // fewer (0.857 against 0.866, 0.5/56). These bound the gaps at what was measured;
    // the target is recall at or above BM25 (docs/rag.md). (Figures are rounded to four
    // decimals, hence the 1e-4.)
    const oneQuestion = 1 / summary.questions;
    expect(summary['recall@5']).toBeGreaterThanOrEqual(bm25['recall@5'] - 2 * oneQuestion - 1e-4);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(bm25['recall@10'] - oneQuestion / 2 - 1e-4);
  });
});

describe('evaluation floor on eval/holdout/ with freely paraphrased questions (offline pipeline)', () => {
  it('keeps retrieval quality above the measured floor, and hybrid above plain BM25', async () => {
    const { summary, bm25 } = await evaluateSet(
      'eval/holdout/docs',
      'eval/holdout/paraphrased-questions.jsonl',
    );
    expect(summary.questions).toBeGreaterThanOrEqual(30);
    // A development set (see docs/rag.md). Measured: recall@5 0.650, recall@10 0.833,
    // MRR@10 0.464, nDCG@10 0.545 (BM25 alone: 0.550, 0.717, 0.441, 0.497).
    expect(summary['recall@5']).toBeGreaterThanOrEqual(0.62);
    expect(summary['recall@10']).toBeGreaterThanOrEqual(0.8);
    expect(summary['mrr@10']).toBeGreaterThanOrEqual(0.44);
    expect(summary['ndcg@10']).toBeGreaterThanOrEqual(0.52);
    expectAtOrAboveBm25(summary, bm25);
  });
});
