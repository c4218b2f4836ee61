import type { KnowledgeStoreV1, StoredChunk, StoredDocument } from '@churn/core';
import { describe, expect, it } from 'vitest';
import { captureRejection } from './conformance-helpers.js';

/** Settings of {@link describeKnowledgeStoreConformance}. */
export interface KnowledgeStoreConformanceOptions {
  /** Per-test timeout in milliseconds, for stores behind a network. */
  timeoutMs?: number;
}

let runCounter = 0;

/** Values exactly representable as float32, so `real[]`/pgvector columns round-trip them unchanged. */
const embeddingValues = [0.5, -0.25, 0.125, 0.75, -1, 0, 0.0625, 0.375];

function byId<T extends { id: string }>(items: T[]): T[] {
  return [...items].sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}

/**
 * The conformance suite of {@link KnowledgeStoreV1}: the memory store and the
 * PostgreSQL store (real server or PGlite) must both pass it.
 *
 * `createStore` is called once per test; it may return a shared store, since every
 * test uses tenant ids of its own.
 *
 * Checked: documents and chunks round-trip (dates as `Date`, embeddings, heading
 * paths); listing by tenant and by source; reading chunks by document and by id,
 * unknown ids ignored; tenant isolation (same ids in two tenants stay apart, and no
 * call of one tenant reads, replaces or deletes another's data); `replaceDocument`
 * replaces all chunks at once and a rejected call (a chunk of another tenant or
 * document, duplicate chunk ids) leaves the previous version intact; concurrent
 * readers never see chunks of two versions; `deleteDocument` cascades to chunks and
 * ignores absent documents; values are copies in both directions.
 *
 * @example
 * describeKnowledgeStoreConformance('memory', () => createMemoryKnowledgeStore());
 */
export function describeKnowledgeStoreConformance(
  name: string,
  createStore: () => KnowledgeStoreV1 | Promise<KnowledgeStoreV1>,
  options: KnowledgeStoreConformanceOptions = {},
): void {
  const timeout = options.timeoutMs;

  function freshTenants(): { tenantA: string; tenantB: string } {
    runCounter += 1;
    const run = `${Date.now().toString(36)}-${runCounter}`;
    return { tenantA: `ks-conformance-a-${run}`, tenantB: `ks-conformance-b-${run}` };
  }

  function makeDocument(
    tenantId: string,
    id: string,
    overrides: Partial<StoredDocument> = {},
  ): StoredDocument {
    return {
      id,
      tenantId,
      sourceId: 'https://docs.example.com/',
      sourceUrl: `https://docs.example.com/${id}`,
      title: `Title of ${id}`,
      content: `Content of ${id}.`,
      docType: 'guide',
      category: 'billing',
      contentHash: 'a'.repeat(64),
      lastUpdated: new Date('2025-01-02T03:04:05.000Z'),
      scrapedAt: new Date('2025-02-03T04:05:06.000Z'),
      ...overrides,
    };
  }

  function makeChunks(document: StoredDocument, count: number, version = 'v1'): StoredChunk[] {
    return Array.from({ length: count }, (_, index) => ({
      id: `${document.id}#${index}`,
      tenantId: document.tenantId,
      documentId: document.id,
      content: `${version} chunk ${index} of ${document.id}`,
      tokenCount: 5 + index,
      metadata: {
        tenantId: document.tenantId,
        documentId: document.id,
        sourceUrl: document.sourceUrl,
        title: document.title,
        docType: document.docType,
        category: document.category,
        headingPath: [document.title, `Section ${index}`],
        index,
      },
      embedding: embeddingValues.map((value, position) =>
        position === index % embeddingValues.length ? 1 : value,
      ),
      createdAt: new Date('2025-02-03T04:05:07.000Z'),
    }));
  }

  describe(`KnowledgeStoreV1 conformance: ${name}`, () => {
    it('declares contract version v1 and a provider name', async () => {
      const store = await createStore();
      expect(store.specificationVersion).toBe('v1');
      expect(typeof store.provider).toBe('string');
      expect(store.provider.length).toBeGreaterThan(0);
    });

    it('stores a document with its chunks and reads them back unchanged', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const document = makeDocument(tenantA, 'doc-1');
      const chunks = makeChunks(document, 3);
      await store.replaceDocument({ document, chunks });

      const read = await store.getDocument({ tenantId: tenantA, documentId: 'doc-1' });
      expect(read).toEqual(document);
      expect(read?.lastUpdated).toBeInstanceOf(Date);
      expect(read?.scrapedAt).toBeInstanceOf(Date);
      expect(byId(await store.listChunks({ tenantId: tenantA }))).toEqual(byId(chunks));
      const listed = await store.listChunks({ tenantId: tenantA, documentIds: ['doc-1'] });
      expect(byId(listed)).toEqual(byId(chunks));
      expect(listed[0]?.createdAt).toBeInstanceOf(Date);
      expect(await store.getDocument({ tenantId: tenantA, documentId: 'missing' })).toBeUndefined();
    });

    it('lists documents by tenant and by source', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const siteOne = makeDocument(tenantA, 'doc-a', { sourceId: 'site-1' });
      const siteOneMore = makeDocument(tenantA, 'doc-b', { sourceId: 'site-1' });
      const folder = makeDocument(tenantA, 'doc-c', { sourceId: 'folder-1' });
      for (const document of [siteOne, siteOneMore, folder]) {
        await store.replaceDocument({ document, chunks: makeChunks(document, 1) });
      }
      expect(byId(await store.listDocuments({ tenantId: tenantA }))).toEqual(
        byId([siteOne, siteOneMore, folder]),
      );
      expect(byId(await store.listDocuments({ tenantId: tenantA, sourceId: 'site-1' }))).toEqual(
        byId([siteOne, siteOneMore]),
      );
      expect(await store.listDocuments({ tenantId: tenantA, sourceId: 'nothing' })).toEqual([]);
      expect(await store.listDocuments({ tenantId: `${tenantA}-empty` })).toEqual([]);
    });

    it('reads chunks by document and by id, ignoring unknown ids', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const first = makeDocument(tenantA, 'doc-1');
      const second = makeDocument(tenantA, 'doc-2');
      const firstChunks = makeChunks(first, 2);
      const secondChunks = makeChunks(second, 3);
      await store.replaceDocument({ document: first, chunks: firstChunks });
      await store.replaceDocument({ document: second, chunks: secondChunks });

      expect(byId(await store.listChunks({ tenantId: tenantA, documentIds: ['doc-2'] }))).toEqual(
        byId(secondChunks),
      );
      expect(
        byId(
          await store.listChunks({ tenantId: tenantA, documentIds: ['doc-1', 'doc-2', 'nope'] }),
        ),
      ).toEqual(byId([...firstChunks, ...secondChunks]));
      expect(await store.listChunks({ tenantId: tenantA, documentIds: [] })).toEqual([]);
      const picked = await store.getChunks({
        tenantId: tenantA,
        chunkIds: ['doc-1#1', 'doc-2#0', 'doc-9#0'],
      });
      expect(byId(picked)).toEqual(byId([firstChunks[1]!, secondChunks[0]!]));
      expect(await store.getChunks({ tenantId: tenantA, chunkIds: [] })).toEqual([]);
    });

    it('keeps tenants apart, even with the same ids', { timeout }, async () => {
      const store = await createStore();
      const { tenantA, tenantB } = freshTenants();
      const documentA = makeDocument(tenantA, 'shared-id', { title: 'A' });
      const documentB = makeDocument(tenantB, 'shared-id', { title: 'B', sourceId: 'site-1' });
      await store.replaceDocument({ document: documentA, chunks: makeChunks(documentA, 2, 'a') });
      await store.replaceDocument({ document: documentB, chunks: makeChunks(documentB, 1, 'b') });

      expect((await store.getDocument({ tenantId: tenantA, documentId: 'shared-id' }))?.title).toBe(
        'A',
      );
      expect((await store.getDocument({ tenantId: tenantB, documentId: 'shared-id' }))?.title).toBe(
        'B',
      );
      const chunksA = await store.listChunks({ tenantId: tenantA });
      expect(chunksA).toHaveLength(2);
      expect(
        chunksA.every((chunk) => chunk.tenantId === tenantA && chunk.content.startsWith('a ')),
      ).toBe(true);
      const pickedB = await store.getChunks({
        tenantId: tenantB,
        chunkIds: ['shared-id#0', 'shared-id#1'],
      });
      expect(pickedB.map((chunk) => chunk.content)).toEqual(['b chunk 0 of shared-id']);
      expect(
        await store.listDocuments({ tenantId: tenantB, sourceId: 'https://docs.example.com/' }),
      ).toEqual([]);

      await store.deleteDocument({ tenantId: tenantB, documentId: 'shared-id' });
      expect(
        await store.getDocument({ tenantId: tenantB, documentId: 'shared-id' }),
      ).toBeUndefined();
      expect(await store.getDocument({ tenantId: tenantA, documentId: 'shared-id' })).toEqual(
        documentA,
      );
      expect(await store.listChunks({ tenantId: tenantA })).toHaveLength(2);
    });

    it('replaces a document and all its chunks at once', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const original = makeDocument(tenantA, 'doc-1');
      await store.replaceDocument({ document: original, chunks: makeChunks(original, 4, 'old') });
      const updated = makeDocument(tenantA, 'doc-1', {
        content: 'New content.',
        contentHash: 'b'.repeat(64),
        category: 'webhooks',
      });
      const newChunks = makeChunks(updated, 2, 'new');
      await store.replaceDocument({ document: updated, chunks: newChunks });

      expect(await store.getDocument({ tenantId: tenantA, documentId: 'doc-1' })).toEqual(updated);
      expect(byId(await store.listChunks({ tenantId: tenantA, documentIds: ['doc-1'] }))).toEqual(
        byId(newChunks),
      );
      expect(
        await store.getChunks({ tenantId: tenantA, chunkIds: ['doc-1#2', 'doc-1#3'] }),
      ).toEqual([]);
      expect(await store.listDocuments({ tenantId: tenantA })).toHaveLength(1);
    });

    it('rejects an invalid replacement and keeps the previous version intact', {
      timeout,
    }, async () => {
      const store = await createStore();
      const { tenantA, tenantB } = freshTenants();
      const original = makeDocument(tenantA, 'doc-1');
      const originalChunks = makeChunks(original, 3, 'old');
      await store.replaceDocument({ document: original, chunks: originalChunks });
      const updated = makeDocument(tenantA, 'doc-1', {
        content: 'New.',
        contentHash: 'c'.repeat(64),
      });

      const duplicate = makeChunks(updated, 2, 'new');
      duplicate[1] = { ...duplicate[1]!, id: duplicate[0]!.id };
      const foreignTenant = makeChunks(updated, 2, 'new');
      foreignTenant[1] = { ...foreignTenant[1]!, tenantId: tenantB };
      const foreignDocument = makeChunks(updated, 2, 'new');
      foreignDocument[0] = { ...foreignDocument[0]!, documentId: 'doc-other' };

      for (const chunks of [duplicate, foreignTenant, foreignDocument]) {
        const error = await captureRejection(() =>
          store.replaceDocument({ document: updated, chunks }),
        );
        expect(error).toBeInstanceOf(Error);
        expect(await store.getDocument({ tenantId: tenantA, documentId: 'doc-1' })).toEqual(
          original,
        );
        expect(byId(await store.listChunks({ tenantId: tenantA }))).toEqual(byId(originalChunks));
      }
      expect(await store.listChunks({ tenantId: tenantB })).toEqual([]);
    });

    it('never shows a reader chunks of two versions', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const document = makeDocument(tenantA, 'doc-1');
      await store.replaceDocument({ document, chunks: makeChunks(document, 6, 'v0') });
      const writes: Promise<void>[] = [];
      const reads: Promise<StoredChunk[]>[] = [];
      for (let version = 1; version <= 5; version++) {
        const next = makeDocument(tenantA, 'doc-1', { contentHash: String(version).repeat(64) });
        writes.push(
          store.replaceDocument({
            document: next,
            chunks: makeChunks(next, 7 - version, `v${version}`),
          }),
        );
        reads.push(store.listChunks({ tenantId: tenantA, documentIds: ['doc-1'] }));
      }
      await Promise.all(writes);
      for (const chunks of await Promise.all(reads)) {
        const versions = new Set(chunks.map((chunk) => chunk.content.split(' ')[0]));
        expect(versions.size).toBe(1);
        const version = Number([...versions][0]?.slice(1));
        expect(chunks).toHaveLength(version === 0 ? 6 : 7 - version);
      }
    });

    it('deletes a document with all its chunks, and ignores absent documents', {
      timeout,
    }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const kept = makeDocument(tenantA, 'doc-kept');
      const removed = makeDocument(tenantA, 'doc-removed');
      await store.replaceDocument({ document: kept, chunks: makeChunks(kept, 2) });
      await store.replaceDocument({ document: removed, chunks: makeChunks(removed, 3) });

      await store.deleteDocument({ tenantId: tenantA, documentId: 'doc-removed' });
      expect(
        await store.getDocument({ tenantId: tenantA, documentId: 'doc-removed' }),
      ).toBeUndefined();
      expect(await store.listChunks({ tenantId: tenantA, documentIds: ['doc-removed'] })).toEqual(
        [],
      );
      expect(await store.getChunks({ tenantId: tenantA, chunkIds: ['doc-removed#0'] })).toEqual([]);
      expect(await store.listChunks({ tenantId: tenantA })).toHaveLength(2);
      await expect(
        store.deleteDocument({ tenantId: tenantA, documentId: 'doc-removed' }),
      ).resolves.toBeUndefined();
      await expect(
        store.deleteDocument({ tenantId: `${tenantA}-none`, documentId: 'x' }),
      ).resolves.toBeUndefined();

      // A document can come back after deletion, with new chunks only.
      await store.replaceDocument({ document: removed, chunks: makeChunks(removed, 1, 'again') });
      const back = await store.listChunks({ tenantId: tenantA, documentIds: ['doc-removed'] });
      expect(back.map((chunk) => chunk.content)).toEqual(['again chunk 0 of doc-removed']);
    });

    it('hands out copies and keeps copies of what it was given', { timeout }, async () => {
      const store = await createStore();
      const { tenantA } = freshTenants();
      const document = makeDocument(tenantA, 'doc-1');
      const chunks = makeChunks(document, 2);
      const expectedDocument = structuredClone(document);
      const expectedChunks = structuredClone(chunks);
      await store.replaceDocument({ document, chunks });

      // Mutating the inputs after the call changes nothing.
      document.title = 'changed';
      document.lastUpdated.setTime(0);
      chunks[0]!.content = 'changed';
      chunks[0]!.embedding[0] = 42;
      chunks[0]!.metadata.headingPath.push('changed');
      chunks.pop();

      // Mutating what was read changes nothing either.
      const read = await store.getDocument({ tenantId: tenantA, documentId: 'doc-1' });
      read!.title = 'changed again';
      read!.scrapedAt.setTime(0);
      const readChunks = await store.listChunks({ tenantId: tenantA });
      readChunks[0]!.embedding[1] = 42;
      readChunks[0]!.metadata.headingPath.length = 0;
      readChunks[0]!.createdAt.setTime(0);
      const listed = await store.listDocuments({ tenantId: tenantA });
      listed[0]!.content = 'changed';
      const picked = await store.getChunks({ tenantId: tenantA, chunkIds: ['doc-1#1'] });
      picked[0]!.metadata.title = 'changed';

      expect(await store.getDocument({ tenantId: tenantA, documentId: 'doc-1' })).toEqual(
        expectedDocument,
      );
      expect(byId(await store.listChunks({ tenantId: tenantA }))).toEqual(byId(expectedChunks));
    });
  });
}
