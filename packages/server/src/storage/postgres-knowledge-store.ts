import {
  type ChunkMetadata,
  type KnowledgeStoreV1,
  type StoredChunk,
  type StoredDocument,
  ValidationError,
  type ValidationIssue,
} from '@churn/core';
import type { Kysely, Selectable } from 'kysely';
import type { ChunksTable, Database, DocumentsTable } from './database.js';
import { fromJson, guarded, inTransaction, toJson } from './storage-helpers.js';

/** Rows per multi-row insert: far below PostgreSQL's 65535 parameters at 9 per chunk. */
const insertBatchSize = 500;

function toDocument(row: Selectable<DocumentsTable>): StoredDocument {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    sourceId: row.source_id,
    sourceUrl: row.source_url,
    title: row.title,
    content: row.content,
    docType: row.doc_type,
    category: row.category,
    contentHash: row.content_hash,
    lastUpdated: row.last_updated,
    scrapedAt: row.scraped_at,
  };
}

function toChunk(row: Selectable<ChunksTable>): StoredChunk {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    documentId: row.document_id,
    content: row.content,
    tokenCount: row.token_count,
    metadata: fromJson<ChunkMetadata>(row.metadata),
    embedding: row.embedding.map(Number),
    createdAt: row.created_at,
  };
}

const documentColumns = [
  'tenant_id',
  'id',
  'source_id',
  'source_url',
  'title',
  'content',
  'doc_type',
  'category',
  'content_hash',
  'last_updated',
  'scraped_at',
] as const;

const chunkColumns = [
  'tenant_id',
  'id',
  'document_id',
  'position',
  'content',
  'token_count',
  'metadata',
  'embedding',
  'created_at',
] as const;

/** The chunks must belong to the document (same tenant, same id) and carry distinct ids. */
function checkChunks(document: StoredDocument, chunks: StoredChunk[]): void {
  const issues: ValidationIssue[] = [];
  const seen = new Set<string>();
  chunks.forEach((chunk, index) => {
    if (chunk.tenantId !== document.tenantId) {
      issues.push({
        path: ['chunks', index, 'tenantId'],
        message: "must equal the document's tenantId",
      });
    }
    if (chunk.documentId !== document.id) {
      issues.push({
        path: ['chunks', index, 'documentId'],
        message: "must equal the document's id",
      });
    }
    if (seen.has(chunk.id)) {
      issues.push({
        path: ['chunks', index, 'id'],
        message: `must be unique: "${chunk.id}" is repeated`,
      });
    }
    seen.add(chunk.id);
    if (!chunk.embedding.every((value) => Number.isFinite(value))) {
      issues.push({
        path: ['chunks', index, 'embedding'],
        message: 'must hold finite numbers only',
      });
    }
  });
  if (issues.length > 0) throw new ValidationError('document replacement', issues);
}

/**
 * The knowledge store over PostgreSQL (or PGlite): documents and chunks in two
 * tables keyed by `(tenant_id, id)`, embeddings as `real[]`.
 *
 * `replaceDocument` runs in one transaction that first upserts the document row
 * (which locks it, so concurrent replacements of one document queue up instead
 * of deadlocking), then deletes the old chunks and inserts the new ones. Readers
 * see the old version or the new one, never a mix.
 */
export function createPostgresKnowledgeStore(
  db: Kysely<Database>,
  provider: string,
): KnowledgeStoreV1 {
  const store: KnowledgeStoreV1 = {
    specificationVersion: 'v1',
    provider,
    async listDocuments({ tenantId, sourceId }) {
      let query = db
        .selectFrom('documents')
        .select(documentColumns)
        .where('tenant_id', '=', tenantId);
      if (sourceId !== undefined) query = query.where('source_id', '=', sourceId);
      const rows = await query.orderBy('id').execute();
      return rows.map((row) => toDocument(row as Selectable<DocumentsTable>));
    },
    async getDocument({ tenantId, documentId }) {
      const row = await db
        .selectFrom('documents')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', documentId)
        .executeTakeFirst();
      return row ? toDocument(row) : undefined;
    },
    async listChunks({ tenantId, documentIds }) {
      if (documentIds !== undefined && documentIds.length === 0) return [];
      let query = db.selectFrom('chunks').select(chunkColumns).where('tenant_id', '=', tenantId);
      if (documentIds !== undefined) query = query.where('document_id', 'in', documentIds);
      const rows = await query.orderBy('document_id').orderBy('position').orderBy('id').execute();
      return rows.map(toChunk);
    },
    async getChunks({ tenantId, chunkIds }) {
      if (chunkIds.length === 0) return [];
      const rows = await db
        .selectFrom('chunks')
        .select(chunkColumns)
        .where('tenant_id', '=', tenantId)
        .where('id', 'in', chunkIds)
        .orderBy('document_id')
        .orderBy('position')
        .orderBy('id')
        .execute();
      return rows.map(toChunk);
    },
    async replaceDocument({ document, chunks }) {
      checkChunks(document, chunks);
      const documentRow = {
        tenant_id: document.tenantId,
        id: document.id,
        source_id: document.sourceId,
        source_url: document.sourceUrl,
        title: document.title,
        content: document.content,
        doc_type: document.docType,
        category: document.category,
        content_hash: document.contentHash,
        last_updated: document.lastUpdated,
        scraped_at: document.scrapedAt,
      };
      const chunkRows = chunks.map((chunk) => ({
        tenant_id: chunk.tenantId,
        id: chunk.id,
        document_id: chunk.documentId,
        position: chunk.metadata.index,
        content: chunk.content,
        token_count: chunk.tokenCount,
        metadata: toJson(chunk.metadata),
        embedding: [...chunk.embedding],
        created_at: chunk.createdAt,
      }));
      await inTransaction(db, async (transaction) => {
        const { tenant_id: _tenant, id: _id, ...changes } = documentRow;
        await transaction
          .insertInto('documents')
          .values(documentRow)
          .onConflict((conflict) => conflict.columns(['tenant_id', 'id']).doUpdateSet(changes))
          .execute();
        await transaction
          .deleteFrom('chunks')
          .where('tenant_id', '=', document.tenantId)
          .where('document_id', '=', document.id)
          .execute();
        for (let start = 0; start < chunkRows.length; start += insertBatchSize) {
          await transaction
            .insertInto('chunks')
            .values(chunkRows.slice(start, start + insertBatchSize))
            .execute();
        }
      });
    },
    async deleteDocument({ tenantId, documentId }) {
      await db
        .deleteFrom('documents')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', documentId)
        .execute();
    },
  };
  return guarded(store);
}
