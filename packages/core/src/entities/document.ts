import { z } from 'zod';
import { docTypes } from './enums.js';
import {
  expecting,
  IdSchema,
  nonEmptyText,
  SourceUrlSchema,
  slug,
  TimestampSchema,
} from './fields.js';

/** A document category: a lowercase slug like `billing`, `webhooks` or `payments`. */
export const CategorySchema = slug('billing');

/** A document type. */
export const DocTypeSchema = z.enum(docTypes, {
  error: expecting('must be one of: api, guide, support'),
});

/** One page or file of a tenant's documentation (support-agent seed). */
export const DocumentSchema = z.object({
  id: IdSchema,
  tenantId: IdSchema,
  /** Where it came from: an http, https or file URL. */
  sourceUrl: SourceUrlSchema,
  title: nonEmptyText(500),
  /** The full text; never empty. */
  content: nonEmptyText(),
  docType: DocTypeSchema,
  category: CategorySchema,
  /** When the source says it last changed. */
  lastUpdated: TimestampSchema,
  /** When Churn fetched it. */
  scrapedAt: TimestampSchema,
});

/** A validated document. */
export type Document = z.output<typeof DocumentSchema>;
/** What {@link DocumentSchema} accepts. */
export type DocumentInput = z.input<typeof DocumentSchema>;
