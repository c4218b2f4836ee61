import { describeKnowledgeStoreConformance } from '@churn/testing/conformance';
import { describe, expect, it } from 'vitest';
import { ChurnError } from '../../errors/index.js';
import type { StoredDocument } from '../../knowledge-store/v1/index.js';
import { createMemoryKnowledgeStore } from './memory-knowledge-store.js';

describeKnowledgeStoreConformance('memory', () => createMemoryKnowledgeStore());

describe('createMemoryKnowledgeStore', () => {
  const document: StoredDocument = {
    id: 'doc-1',
    tenantId: 'acme',
    sourceId: 'site',
    sourceUrl: 'https://docs.acme.test/a',
    title: 'A',
    content: 'A.',
    docType: 'guide',
    category: 'general',
    contentHash: '0'.repeat(64),
    lastUpdated: new Date(0),
    scrapedAt: new Date(0),
  };

  it('explains every problem of a rejected replacement in one validation error', async () => {
    const store = createMemoryKnowledgeStore();
    const chunk = {
      id: 'doc-1#0',
      tenantId: 'other',
      documentId: 'doc-2',
      content: 'x',
      tokenCount: 1,
      metadata: { ...document, documentId: 'doc-1', headingPath: [], index: 0 },
      embedding: [1],
      createdAt: new Date(0),
    };
    const error = await store
      .replaceDocument({ document, chunks: [chunk] })
      .catch((caught) => caught);
    expect(ChurnError.isInstance(error) && error.code).toBe('validation_failed');
    expect((error as Error).message).toContain(
      'chunks[0].tenantId: must equal the document\'s tenantId ("acme")',
    );
    expect((error as Error).message).toContain(
      'chunks[0].documentId: must equal the document\'s id ("doc-1")',
    );
  });

  it('refuses a chunk id that belongs to another document of the tenant', async () => {
    const store = createMemoryKnowledgeStore();
    const chunkOf = (documentId: string) => ({
      id: 'same#0',
      tenantId: 'acme',
      documentId,
      content: 'x',
      tokenCount: 1,
      metadata: { ...document, documentId, headingPath: [], index: 0 },
      embedding: [1],
      createdAt: new Date(0),
    });
    await store.replaceDocument({ document, chunks: [chunkOf('doc-1')] });
    await expect(
      store.replaceDocument({ document: { ...document, id: 'doc-2' }, chunks: [chunkOf('doc-2')] }),
    ).rejects.toThrow(/already belongs to document "doc-1"/);
    expect(await store.getDocument({ tenantId: 'acme', documentId: 'doc-2' })).toBeUndefined();
  });
});
