import { docTypes } from '@churn/core';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../customers/keyset-cursor.js';
import { cursorParameter, limitParameter } from '../http/page-query.js';
import type { Database } from '../storage/database.js';

/** Query of `GET /api/knowledge/documents`. */
export const DocumentListQuerySchema = z.object({
  q: z
    .string()
    .trim()
    .max(200, { error: 'must be at most 200 characters' })
    .optional()
    .describe('Text in the title or source URL.'),
  docType: z.enum(docTypes, { error: `must be one of: ${docTypes.join(', ')}` }).optional(),
  category: z
    .string()
    .regex(/^[a-z0-9]+(?:[-_][a-z0-9]+)*$/, { error: 'must be a lowercase slug like billing' })
    .max(100)
    .optional(),
  limit: limitParameter(200, 50),
  cursor: cursorParameter,
});

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (character) => `\\${character}`);
}

/** A page of a tenant's documents, most recently scraped first, with chunk and token counts. */
export async function listDocuments(
  db: Kysely<Database>,
  tenantId: string,
  query: z.output<typeof DocumentListQuerySchema>,
) {
  let select = db
    .selectFrom('documents')
    .select(['id', 'title', 'source_url', 'doc_type', 'category', 'last_updated', 'scraped_at'])
    .select(sql<string>`cast(scraped_at as text)`.as('sort_value'))
    .where('tenant_id', '=', tenantId);
  if (query.docType) select = select.where('doc_type', '=', query.docType);
  if (query.category) select = select.where('category', '=', query.category);
  if (query.q) {
    const pattern = `%${escapeLike(query.q)}%`;
    select = select.where((where) =>
      where.or([where('title', 'ilike', pattern), where('source_url', 'ilike', pattern)]),
    );
  }
  if (query.cursor) {
    const position = decodeCursor(query.cursor, 'scrapedAt:desc');
    select = select.where(
      sql<boolean>`(scraped_at, id) < (cast(${String(position.value)} as timestamptz), ${position.id})`,
    );
  }
  const rows = await select
    .orderBy('scraped_at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const counts =
    page.length === 0
      ? []
      : await db
          .selectFrom('chunks')
          .select('document_id')
          .select((eb) => [
            eb.fn.countAll<string | number>().as('chunk_count'),
            eb.fn.sum<string | number>('token_count').as('token_count'),
          ])
          .where('tenant_id', '=', tenantId)
          .where(
            'document_id',
            'in',
            page.map((row) => row.id),
          )
          .groupBy('document_id')
          .execute();
  const countOf = new Map(counts.map((row) => [row.document_id, row]));
  const last = page.at(-1);
  return {
    documents: page.map((row) => ({
      id: row.id,
      title: row.title,
      sourceUrl: row.source_url,
      docType: row.doc_type,
      category: row.category,
      chunkCount: Number(countOf.get(row.id)?.chunk_count ?? 0),
      tokenCount: Number(countOf.get(row.id)?.token_count ?? 0),
      lastUpdated: row.last_updated.toISOString(),
      scrapedAt: row.scraped_at.toISOString(),
    })),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor({ sort: 'scrapedAt:desc', value: last.sort_value, id: last.id })
        : null,
  };
}
