import { ValidationError, type ValidationIssue } from '../../errors/index.js';
import type {
  KnowledgeStoreV1,
  StoredChunk,
  StoredDocument,
} from '../../knowledge-store/v1/index.js';

interface DocumentEntry {
  document: StoredDocument;
  /** Chunks by id, in the order they were given. */
  chunks: Map<string, StoredChunk>;
}

interface TenantSpace {
  documents: Map<string, DocumentEntry>;
  /** chunk id -> document id, for `getChunks`. */
  chunkOwners: Map<string, string>;
}

function copyDocument(document: StoredDocument): StoredDocument {
  return {
    ...document,
    lastUpdated: new Date(document.lastUpdated.getTime()),
    scrapedAt: new Date(document.scrapedAt.getTime()),
  };
}

function copyChunk(chunk: StoredChunk): StoredChunk {
  return {
    ...chunk,
    metadata: { ...chunk.metadata, headingPath: [...chunk.metadata.headingPath] },
    embedding: [...chunk.embedding],
    createdAt: new Date(chunk.createdAt.getTime()),
  };
}

function isValidDate(value: unknown): boolean {
  return value instanceof Date && !Number.isNaN(value.getTime());
}

/** Everything `replaceDocument` refuses, found before anything is written. */
function findProblems(
  document: StoredDocument,
  chunks: StoredChunk[],
  space: TenantSpace | undefined,
): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of ['id', 'tenantId', 'sourceId'] as const) {
    if (typeof document[key] !== 'string' || document[key].length === 0) {
      issues.push({ path: ['document', key], message: 'must be a non-empty string' });
    }
  }
  for (const key of ['lastUpdated', 'scrapedAt'] as const) {
    if (!isValidDate(document[key])) {
      issues.push({ path: ['document', key], message: 'must be a valid Date' });
    }
  }
  const seen = new Set<string>();
  chunks.forEach((chunk, index) => {
    if (typeof chunk.id !== 'string' || chunk.id.length === 0) {
      issues.push({ path: ['chunks', index, 'id'], message: 'must be a non-empty string' });
    } else if (seen.has(chunk.id)) {
      issues.push({ path: ['chunks', index, 'id'], message: `duplicates chunk id "${chunk.id}"` });
    } else {
      seen.add(chunk.id);
      const owner = space?.chunkOwners.get(chunk.id);
      if (owner !== undefined && owner !== document.id) {
        issues.push({
          path: ['chunks', index, 'id'],
          message: `"${chunk.id}" already belongs to document "${owner}"`,
        });
      }
    }
    if (chunk.tenantId !== document.tenantId) {
      issues.push({
        path: ['chunks', index, 'tenantId'],
        message: `must equal the document's tenantId ("${document.tenantId}")`,
      });
    }
    if (chunk.documentId !== document.id) {
      issues.push({
        path: ['chunks', index, 'documentId'],
        message: `must equal the document's id ("${document.id}")`,
      });
    }
    if (!isValidDate(chunk.createdAt)) {
      issues.push({ path: ['chunks', index, 'createdAt'], message: 'must be a valid Date' });
    }
  });
  return issues;
}

/**
 * An in-memory {@link KnowledgeStoreV1}: the embedded default for tests, demos and
 * single-process use. It passes the same conformance suite as the PostgreSQL store.
 *
 * - Every read is scoped to one tenant; the same document id in two tenants is two documents.
 * - `replaceDocument` checks everything first and then swaps the document and its
 *   chunks in one synchronous step, so readers never see a mix and a rejected call
 *   changes nothing.
 * - Values are copied in and out: mutating what you passed or got back never
 *   changes the store.
 *
 * Nothing is persisted: the store lives as long as the process.
 *
 * @example
 * const store = createMemoryKnowledgeStore();
 * await ingest({ tenantId: 'acme', sources, store, embedder, vectorStore });
 */
export function createMemoryKnowledgeStore(): KnowledgeStoreV1 {
  const tenants = new Map<string, TenantSpace>();

  function spaceOf(tenantId: string): TenantSpace | undefined {
    return tenants.get(tenantId);
  }

  return {
    specificationVersion: 'v1',
    provider: 'memory',

    async listDocuments({ tenantId, sourceId }) {
      const space = spaceOf(tenantId);
      if (!space) return [];
      const documents: StoredDocument[] = [];
      for (const entry of space.documents.values()) {
        if (sourceId === undefined || entry.document.sourceId === sourceId) {
          documents.push(copyDocument(entry.document));
        }
      }
      return documents.sort((left, right) =>
        left.id < right.id ? -1 : left.id > right.id ? 1 : 0,
      );
    },

    async getDocument({ tenantId, documentId }) {
      const entry = spaceOf(tenantId)?.documents.get(documentId);
      return entry ? copyDocument(entry.document) : undefined;
    },

    async listChunks({ tenantId, documentIds }) {
      const space = spaceOf(tenantId);
      if (!space) return [];
      const entries =
        documentIds === undefined
          ? [...space.documents.values()]
          : documentIds.flatMap((id) => {
              const entry = space.documents.get(id);
              return entry ? [entry] : [];
            });
      return [...new Set(entries)].flatMap((entry) => [...entry.chunks.values()].map(copyChunk));
    },

    async getChunks({ tenantId, chunkIds }) {
      const space = spaceOf(tenantId);
      if (!space) return [];
      const chunks: StoredChunk[] = [];
      for (const chunkId of new Set(chunkIds)) {
        const owner = space.chunkOwners.get(chunkId);
        const chunk =
          owner === undefined ? undefined : space.documents.get(owner)?.chunks.get(chunkId);
        if (chunk) chunks.push(copyChunk(chunk));
      }
      return chunks;
    },

    async replaceDocument({ document, chunks }) {
      const issues = findProblems(document, chunks, spaceOf(document.tenantId));
      if (issues.length > 0) throw new ValidationError('knowledge-store document', issues);
      // Build the new entry completely before touching the store.
      const entry: DocumentEntry = {
        document: copyDocument(document),
        chunks: new Map(chunks.map((chunk) => [chunk.id, copyChunk(chunk)])),
      };
      let space = tenants.get(document.tenantId);
      if (!space) {
        space = { documents: new Map(), chunkOwners: new Map() };
        tenants.set(document.tenantId, space);
      }
      const previous = space.documents.get(document.id);
      if (previous) for (const chunkId of previous.chunks.keys()) space.chunkOwners.delete(chunkId);
      for (const chunkId of entry.chunks.keys()) space.chunkOwners.set(chunkId, document.id);
      space.documents.set(document.id, entry);
    },

    async deleteDocument({ tenantId, documentId }) {
      const space = spaceOf(tenantId);
      const entry = space?.documents.get(documentId);
      if (!space || !entry) return;
      for (const chunkId of entry.chunks.keys()) space.chunkOwners.delete(chunkId);
      space.documents.delete(documentId);
    },
  };
}
