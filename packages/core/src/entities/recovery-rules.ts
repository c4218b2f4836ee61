/**
 * The rules of a recovery session's timeline and outcome, written once and
 * applied by both shapes that carry them: `ConversationSchema` (fields under
 * `recovery`) and the seed-shaped `ChatSessionSchema` view. Values may be
 * invalid at runtime (another field already failed), so every rule guards its
 * inputs and reports only what it can judge.
 */
import type { ChatSessionStatus } from './enums.js';
import { isFiniteNumber, isValidDate } from './fields.js';

/**
 * A recovery session must be over within this many seconds; longer ones are `abandoned`,
 * except a session whose payment was already processing, which may still complete.
 */
export const recoveryTimeLimitSeconds = 180;

/** Statuses in which a recovery session is over. */
export const terminalChatSessionStatuses: readonly ChatSessionStatus[] = ['completed', 'abandoned'];

/** Two derived and given resolution times closer than this (half a millisecond) are equal. */
const resolutionTolerance = 0.0005;

type Path = (string | number)[];

export interface RuleIssue {
  path: Path;
  message: string;
}

interface TimelineFacts {
  startedAt: unknown;
  endedAt?: unknown;
}

interface TimelinePaths {
  startedAt: string;
  endedAt: string;
}

/** `endedAt` (when present) must be strictly after `startedAt`. */
export function checkEndAfterStart(facts: TimelineFacts, paths: TimelinePaths): RuleIssue[] {
  if (!isValidDate(facts.startedAt) || !isValidDate(facts.endedAt)) return [];
  if (facts.endedAt.getTime() > facts.startedAt.getTime()) return [];
  return [{ path: [paths.endedAt], message: `must be after ${paths.startedAt}` }];
}

/** Seconds between two instants, or undefined when either is not a valid date. */
export function secondsBetween(start: unknown, end: unknown): number | undefined {
  if (!isValidDate(start) || !isValidDate(end)) return undefined;
  return (end.getTime() - start.getTime()) / 1000;
}

interface RecoveryFacts extends TimelineFacts {
  status: unknown;
  outcome?: unknown;
  paymentAttempted: unknown;
  resolutionTime?: unknown;
}

interface RecoveryPaths extends TimelinePaths {
  status: Path;
  outcome: Path;
  paymentAttempted: Path;
  resolutionTime: Path;
}

function isTerminal(status: unknown): boolean {
  return status === 'completed' || status === 'abandoned';
}

const statusNames = ['initiated', 'in-progress', 'payment-requested', 'payment-processing'];

/** Every rule of a recovery session's status, outcome, end and resolution time. */
export function checkRecoveryRules(facts: RecoveryFacts, paths: RecoveryPaths): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const { status, outcome, endedAt, resolutionTime } = facts;
  const knownStatus = isTerminal(status) || statusNames.includes(String(status));

  if (knownStatus) {
    if (isTerminal(status) && endedAt === undefined) {
      issues.push({
        path: [paths.endedAt],
        message: `is required once status is ${String(status)}: the session has ended`,
      });
    }
    if (!isTerminal(status) && endedAt !== undefined) {
      issues.push({
        path: [paths.endedAt],
        message: `must be absent while status is ${String(status)}: a session ends when it is completed or abandoned`,
      });
    }
    if (isTerminal(status) && outcome === undefined) {
      issues.push({
        path: paths.outcome,
        message: `is required once status is ${String(status)}: payment-updated, customer-declined, technical-failure or abandoned`,
      });
    }
    if (!isTerminal(status) && outcome !== undefined) {
      issues.push({
        path: paths.outcome,
        message: `must be absent while status is ${String(status)}: only an ended session has an outcome`,
      });
    }
    if (status === 'abandoned' && outcome !== undefined && outcome !== 'abandoned') {
      issues.push({ path: paths.outcome, message: 'must be abandoned when status is abandoned' });
    }
    if (status === 'completed' && outcome === 'abandoned') {
      issues.push({
        path: paths.outcome,
        message:
          'cannot be abandoned when status is completed: use status abandoned, or outcome payment-updated, customer-declined or technical-failure',
      });
    }
  }

  if (outcome === 'payment-updated' && facts.paymentAttempted === false) {
    issues.push({
      path: paths.paymentAttempted,
      message: 'must be true when outcome is payment-updated',
    });
  }

  const derived = secondsBetween(facts.startedAt, endedAt);
  if (endedAt === undefined && resolutionTime !== undefined) {
    issues.push({
      path: paths.resolutionTime,
      message: `must be absent until the session has ended: it is derived from ${paths.startedAt} and ${paths.endedAt}`,
    });
  }
  if (derived !== undefined && derived > 0) {
    if (
      isFiniteNumber(resolutionTime) &&
      Math.abs(resolutionTime - derived) > resolutionTolerance
    ) {
      issues.push({
        path: paths.resolutionTime,
        message: `must equal the seconds from ${paths.startedAt} to ${paths.endedAt} (${derived}), or be left out to be derived`,
      });
    }
    // Only a payment still processing when the budget ran out may finish later: the
    // state machine never abandons a charge in flight (docs/state-machines.md).
    const paymentInFlight =
      facts.paymentAttempted === true &&
      (outcome === 'payment-updated' || outcome === 'technical-failure');
    if (status === 'completed' && derived > recoveryTimeLimitSeconds && !paymentInFlight) {
      issues.push({
        path: paths.resolutionTime,
        message: `must be at most ${recoveryTimeLimitSeconds} seconds for a completed session (this one took ${derived}): longer sessions are abandoned unless a payment was processing`,
      });
    }
  }
  return issues;
}
