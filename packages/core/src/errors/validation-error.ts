import type { z } from 'zod';
import { ChurnError } from './churn-error.js';

/** One problem found in an input: where it is (a field path) and what is wrong. */
export interface ValidationIssue {
  /** Field path, for example `['paymentMethods', 0, 'expiryMonth']`. */
  path: (string | number)[];
  /** Plain words: what is wrong and what is expected. */
  message: string;
}

function formatPath(path: (string | number)[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : index === 0 ? part : `.${part}`,
    )
    .join('');
}

/**
 * The input did not pass validation. Lists every problem with its field path, so
 * one round trip is enough to fix them all.
 */
export class ValidationError extends ChurnError {
  readonly issues: ValidationIssue[];
  /** What was being validated, for example `Customer`. */
  readonly subject: string;

  constructor(subject: string, issues: ValidationIssue[], options: { cause?: unknown } = {}) {
    const list = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
    super('validation_failed', `Invalid ${subject}: ${list}`, options);
    this.name = 'ValidationError';
    this.subject = subject;
    this.issues = issues;
  }

  static fromZod(subject: string, error: z.ZodError): ValidationError {
    const issues = error.issues.map((issue) => ({
      path: issue.path.filter((part): part is string | number => typeof part !== 'symbol'),
      message: issue.message,
    }));
    return new ValidationError(subject, issues, { cause: error });
  }

  override toJSON(): { code: 'validation_failed'; message: string; issues: ValidationIssue[] } {
    return { code: 'validation_failed', message: this.message, issues: this.issues };
  }
}
