import { describe, expect, it } from 'vitest';
import { ChurnError, ValidationError } from '../../errors/index.js';
import { parseEvalQuestions } from './eval-question.js';
import { summarizeEvaluation } from './summarize-evaluation.js';

function capture(run: () => unknown): ValidationError {
  try {
    run();
  } catch (error) {
    if (ChurnError.isInstance(error) && error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseEvalQuestions', () => {
  it('reads JSONL lines and skips blank lines', () => {
    const questions = parseEvalQuestions(
      '{"id":"q1","question":"How?","gold_doc_ids":["a"],"answer":"so"}\n\n{"id":"q2","question":"Why?","gold_doc_ids":["b","c"]}\n',
    );
    expect(questions).toEqual([
      { id: 'q1', question: 'How?', gold_doc_ids: ['a'], answer: 'so' },
      { id: 'q2', question: 'Why?', gold_doc_ids: ['b', 'c'] },
    ]);
  });

  it('reports every bad line with its number and field', () => {
    const error = capture(() =>
      parseEvalQuestions(
        [
          '{"id":"q1","question":"How?","gold_doc_ids":["a"]}',
          '{"id":"q2","question":"","gold_doc_ids":["a"]}',
          'not json',
          '{"id":"q4","question":"What?","gold_doc_ids":[]}',
          '{"id":"q1","question":"Again?","gold_doc_ids":["a"]}',
        ].join('\n'),
      ),
    );
    expect(error.code).toBe('validation_failed');
    expect(error.issues.map((issue) => issue.path)).toEqual([
      ['line 2', 'question'],
      ['line 3'],
      ['line 4', 'gold_doc_ids'],
      ['line 5', 'id'],
    ]);
    expect(error.message).toContain('line 3: is not valid JSON');
    expect(error.message).toContain('line 4.gold_doc_ids: must list at least one document id');
    expect(error.message).toContain('already used on line 1');
  });

  it('rejects a file without questions', () => {
    expect(capture(() => parseEvalQuestions('\n\n')).message).toContain('has no questions');
  });
});

describe('summarizeEvaluation', () => {
  it('averages the metrics over the questions and the F1 over those with answers', () => {
    const summary = summarizeEvaluation(
      [
        { id: 'q1', question: 'A?', gold_doc_ids: ['a'], answer: '3 days' },
        { id: 'q2', question: 'B?', gold_doc_ids: ['b'] },
        { id: 'q3', question: 'C?', gold_doc_ids: ['c'] },
      ],
      [
        { id: 'q1', ranked_doc_ids: ['a', 'x'], answer: 'Retried 3 days later' },
        { id: 'q2', ranked_doc_ids: ['x', 'b'], answer: '' },
      ],
    );
    // recall@5: (1 + 1 + 0) / 3; mrr: (1 + 0.5 + 0) / 3; ndcg: (1 + 0.6309 + 0) / 3.
    expect(summary).toEqual({
      'recall@5': 0.6667,
      'recall@10': 0.6667,
      'mrr@10': 0.5,
      'ndcg@10': 0.5436,
      answer_f1: 0.6667,
      questions: 3,
      questions_with_answers: 1,
    });
  });
});
