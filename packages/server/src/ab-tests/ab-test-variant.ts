import {
  type AbTestRecord,
  assignVariant,
  type ConversationRecord,
  type StorageV1,
} from '@churn/core';
import { cachedReadsOf } from '../storage/cached-reads.js';
import {
  type AbTestDefinition,
  loadAbTestDefinition,
  type VariantSettings,
} from './ab-test-definition.js';

/** The variant a chat turn runs under. */
export interface TurnVariant {
  testId: string;
  testName: string;
  variant: string;
  settings: VariantSettings;
  /** Analytics dimensions: `{ ab_test, variant }`. */
  dimensions: { ab_test: string; variant: string };
}

/**
 * How long the tenant's running A/B test (or that none runs) is reused without reading it
 * again: every chat turn asks, tests change rarely. A change made through this process
 * (start, stop, a new test) is seen at once; another instance sees it at most this long after.
 */
export const runningAbTestCacheTtlMs = 5_000;

const cacheSettings = { topic: 'ab-tests' as const, ttlMs: runningAbTestCacheTtlMs, max: 10_000 };

/** The tenant's running test and its definition (`null`: none runs), cached. */
async function runningAbTest(
  storage: StorageV1,
  tenantId: string,
): Promise<{ test: AbTestRecord; definition: AbTestDefinition } | null> {
  const cache = cachedReadsOf<{ test: AbTestRecord; definition: AbTestDefinition } | null>(
    storage,
    cacheSettings,
  );
  const running = await cache.read(tenantId, async () => {
    const tests = await storage.abTests.list({ tenantId, limit: 1000 });
    const test = tests.find((candidate) => candidate.status === 'running');
    const value = test ? { test, definition: await loadAbTestDefinition(storage, test) } : null;
    return { value, tenantId };
  });
  return running ?? null;
}

/**
 * The user's variant of the tenant's running A/B test, if one runs: assigned once and
 * sticky (the stored A_B_TEST row wins; a new user gets `assignVariant`'s deterministic
 * pick, stored), with the variant's settings. The conversation's metadata is stamped with
 * the test and variant (once), so outcomes recorded later (deflection, feedback,
 * escalations, recovery) are tagged with the same variant.
 *
 * `userId` is the verified customer's id, else the anonymous visitor's id.
 */
export async function variantForTurn(
  storage: StorageV1,
  options: { tenantId: string; userId: string; conversation: ConversationRecord },
): Promise<TurnVariant | undefined> {
  const { tenantId, userId, conversation } = options;
  const running = await runningAbTest(storage, tenantId);
  if (!running) return undefined;
  const { test, definition } = running;
  let assignment = await storage.abTests.getAssignment({ tenantId, testId: test.id, userId });
  if (!assignment) {
    const variant = assignVariant({ testId: test.id, userId, variants: definition.variants });
    assignment = await storage.abTests.assign({ tenantId, testId: test.id, userId, variant });
  }
  const variant = assignment.variant;
  const settings =
    definition.variants.find((candidate) => candidate.name === variant)?.settings ?? {};
  const { metadata } = conversation;
  if (metadata.abTest !== test.id || metadata.abVariant !== variant) {
    await storage.conversations.update({
      tenantId,
      id: conversation.id,
      changes: { metadata: { ...metadata, abTest: test.id, abVariant: variant } },
    });
  }
  return {
    testId: test.id,
    testName: test.testName,
    variant,
    settings,
    dimensions: { ab_test: test.id, variant },
  };
}
