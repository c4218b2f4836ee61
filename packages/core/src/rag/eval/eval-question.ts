import { z } from 'zod';
import { ValidationError, type ValidationIssue } from '../../errors/index.js';

/** One line of an evaluation question file (JSONL). */
export const evalQuestionSchema = z.object({
  id: z.string().trim().min(1, 'must be a non-empty string'),
  question: z.string().trim().min(1, 'must be a non-empty string'),
  gold_doc_ids: z
    .array(z.string().trim().min(1, 'must be a non-empty document id'))
    .min(1, 'must list at least one document id (the file name without extension)'),
  answer: z.string().trim().min(1, 'must be a non-empty string when present').optional(),
});

/** One evaluation question: what is asked, which documents answer it, and optionally the answer. */
export type EvalQuestion = z.infer<typeof evalQuestionSchema>;

/** One line of a run file: what the system returned for one question. */
export interface EvalRunLine {
  id: string;
  /** Distinct document ids in retrieval rank order. */
  ranked_doc_ids: string[];
  answer: string;
}

/**
 * Parses a JSONL question file. Blank lines are skipped. Every problem is
 * reported at once, each with its line number (from 1) and field, for example
 * `line 3.gold_doc_ids: must list at least one document id`; duplicate ids are
 * a problem too. Throws a {@link ValidationError} whose subject is `subject`.
 */
export function parseEvalQuestions(text: string, subject = 'questions file'): EvalQuestion[] {
  const questions: EvalQuestion[] = [];
  const issues: ValidationIssue[] = [];
  const seen = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = `line ${index + 1}`;
    if (raw.trim().length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      issues.push({
        path: [line],
        message: `is not valid JSON (${error instanceof Error ? error.message : String(error)}); write one JSON object per line`,
      });
      return;
    }
    const parsed = evalQuestionSchema.safeParse(value);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push({
          path: [
            line,
            ...issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
          ],
          message: issue.message,
        });
      }
      return;
    }
    const first = seen.get(parsed.data.id);
    if (first !== undefined) {
      issues.push({
        path: [line, 'id'],
        message: `"${parsed.data.id}" is already used on line ${first}; ids must be unique`,
      });
      return;
    }
    seen.set(parsed.data.id, index + 1);
    questions.push(parsed.data);
  });
  if (issues.length > 0) throw new ValidationError(subject, issues);
  if (questions.length === 0) {
    throw new ValidationError(subject, [
      { path: [], message: 'has no questions; write one JSON object per line' },
    ]);
  }
  return questions;
}
