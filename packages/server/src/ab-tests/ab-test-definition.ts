import type { AbTestRecord, StorageV1 } from '@churn/core';
import { sql } from 'kysely';
import { z } from 'zod';
import { kyselyOf } from '../analytics/kysely-of.js';
import { markChanged } from '../storage/cached-reads.js';

/** What a variant changes. Every field is optional: absent means the tenant's default. */
export const VariantSettingsSchema = z.strictObject({
  /** Extra instructions for the language model (tone, length, product name). */
  instructions: z
    .string()
    .trim()
    .min(1)
    .max(2000, { error: 'must be at most 2000 characters' })
    .optional(),
  /** Chunks retrieved per question (1 to 50). */
  topK: z.number().int({ error: 'must be a whole number' }).min(1).max(50).optional(),
  /** Confidence below which the answer hands over to a person (0 to 1). */
  threshold: z.number().min(0).max(1, { error: 'must be from 0 to 1' }).optional(),
  /** The recovery conversation's opening copy (read by the payment-recovery flow). */
  interventionCopy: z
    .string()
    .trim()
    .min(1)
    .max(2000, { error: 'must be at most 2000 characters' })
    .optional(),
});

/** What a variant changes. */
export type VariantSettings = z.output<typeof VariantSettingsSchema>;

const VariantSchema = z.strictObject({
  name: z
    .string({ error: 'must be a variant name like A' })
    .regex(/^\S{1,10}$/, { error: 'must be 1 to 10 characters without spaces, like A or control' }),
  weight: z
    .number({ error: 'must be a number' })
    .positive({ error: 'must be above 0' })
    .max(1000)
    .default(1),
  settings: VariantSettingsSchema.default({}),
});

/** The body of `POST /api/ab-tests`. */
export const NewAbTestSchema = z
  .strictObject({
    name: z
      .string({ error: 'must be text' })
      .trim()
      .min(1)
      .max(100, { error: 'must be at most 100 characters' }),
    description: z.string().trim().min(1).max(1000).optional(),
    variants: z
      .array(VariantSchema, { error: 'must be a list of variants' })
      .min(2, { error: 'must have at least 2 variants' })
      .max(10, { error: 'must have at most 10 variants' }),
    /** The baseline the others are compared with. Default: the first variant. */
    control: z.string().optional(),
  })
  .superRefine((test, context) => {
    const names = test.variants.map((variant) => variant.name);
    if (new Set(names).size !== names.length) {
      context.addIssue({ code: 'custom', path: ['variants'], message: 'must have distinct names' });
    }
    if (test.control !== undefined && !names.includes(test.control)) {
      context.addIssue({
        code: 'custom',
        path: ['control'],
        message: 'must be one of the variant names',
      });
    }
  });

/** A variant with its weight and settings. */
export interface AbTestVariant {
  name: string;
  weight: number;
  settings: VariantSettings;
}

/** What a test changes, stored in `ab_tests.definition` (migration 004). */
export interface AbTestDefinition {
  control: string;
  description?: string;
  variants: AbTestVariant[];
}

/** A test as the API shows it: the stored record and its definition. */
export type AbTestView = Omit<AbTestRecord, 'variants'> & AbTestDefinition;

function isDefinition(value: unknown, test: AbTestRecord): value is AbTestDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const { variants, control } = value as Partial<AbTestDefinition>;
  return (
    typeof control === 'string' &&
    Array.isArray(variants) &&
    variants.length === test.variants.length &&
    variants.every((variant, index) => variant.name === test.variants[index])
  );
}

/**
 * The definition of `test`. Without a stored one (another storage, or a test created
 * through the storage contract alone) every variant weighs 1, changes nothing, and the
 * first is the control.
 */
export async function loadAbTestDefinition(
  storage: StorageV1,
  test: AbTestRecord,
): Promise<AbTestDefinition> {
  const db = kyselyOf(storage);
  if (db) {
    const result = await sql<{ definition: unknown }>`
      select definition from ab_tests where tenant_id = ${test.tenantId} and id = ${test.id}`.execute(
      db,
    );
    const definition = result.rows[0]?.definition;
    if (isDefinition(definition, test)) return definition;
  }
  return {
    control: test.variants[0] ?? 'A',
    variants: test.variants.map((name) => ({ name, weight: 1, settings: {} })),
  };
}

/** Stores the definition of a test (the server's own storage only; otherwise a no-op). */
export async function saveAbTestDefinition(
  storage: StorageV1,
  test: AbTestRecord,
  definition: AbTestDefinition,
): Promise<void> {
  const db = kyselyOf(storage);
  if (!db) return;
  markChanged('ab-tests', test.tenantId);
  await sql`update ab_tests set definition = ${JSON.stringify(definition)}::jsonb
    where tenant_id = ${test.tenantId} and id = ${test.id}`.execute(db);
}
