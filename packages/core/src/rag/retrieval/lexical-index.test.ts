import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLexicalIndex, type LexicalChunk } from './lexical-index.js';
import { corpusChunks, corpusTenantId } from './retrieval-test-corpus.js';

const chunk = (id: string, documentId: string, content: string, title = ''): LexicalChunk => ({
  id,
  documentId,
  content,
  metadata: {
    tenantId: 't',
    documentId,
    sourceUrl: `https://docs.example.com/${documentId}`,
    title,
    docType: 'guide',
    category: documentId === 'faq' ? 'faq' : 'billing',
    headingPath: [],
    index: 0,
  },
});

describe('createLexicalIndex', () => {
  it('ranks by BM25 with stemming shared with the embedder', () => {
    const index = createLexicalIndex();
    index.add('t', [
      chunk('a', 'd1', 'Retrying failed payments happens automatically.'),
      chunk('b', 'd1', 'Invoices are emailed every month.'),
      chunk('c', 'd2', 'A payment is retried; retries stop after four attempts.'),
    ]);
    const results = index.search('t', 'payment retry');
    expect(results.map((result) => result.id)).toEqual(['c', 'a']);
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
  });

  it('boosts title matches and filters by doc type, category and document', () => {
    const index = createLexicalIndex();
    index.add('t', [
      chunk('body', 'd1', 'Refunds are possible. Other text about plans and seats.'),
      chunk('titled', 'faq', 'Possible within 14 days, other text about plans.', 'Refunds'),
    ]);
    expect(index.search('t', 'refunds')[0]!.id).toBe('titled');
    expect(
      index.search('t', 'refunds', { filter: { category: 'billing' } }).map((m) => m.id),
    ).toEqual(['body']);
    expect(
      index.search('t', 'refunds', { filter: { documentId: ['faq'] } }).map((m) => m.id),
    ).toEqual(['titled']);
    expect(index.search('t', 'refunds', { filter: { docType: 'video' } })).toEqual([]);
  });

  it('keeps tenants apart and removes by document', () => {
    const index = createLexicalIndex();
    index.add(corpusTenantId, corpusChunks());
    index.add('other', [chunk('secret', 'd9', 'card update secret text')]);
    expect(
      index.search(corpusTenantId, 'secret text').every((match) => match.id !== 'secret'),
    ).toBe(true);
    index.removeDocument(corpusTenantId, 'cards');
    expect(
      index.search(corpusTenantId, 'card').every((match) => !match.id.startsWith('cards-')),
    ).toBe(true);
    expect(index.size('other')).toBe(1);
  });

  it('matches a rebuilt index after any adds and removes (property)', () => {
    const words = ['card', 'invoice', 'refund', 'webhook', 'retry', 'plan', 'tax', 'email'];
    const text = fc
      .array(fc.constantFrom(...words), { minLength: 1, maxLength: 12 })
      .map((list) => list.join(' '));
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('add' as const),
        id: fc.integer({ min: 0, max: 9 }),
        document: fc.integer({ min: 0, max: 2 }),
        text,
      }),
      fc.record({ kind: fc.constant('remove' as const), id: fc.integer({ min: 0, max: 9 }) }),
      fc.record({
        kind: fc.constant('removeDocument' as const),
        document: fc.integer({ min: 0, max: 2 }),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), fc.constantFrom(...words), (steps, query) => {
        const incremental = createLexicalIndex();
        const live = new Map<string, LexicalChunk>();
        for (const operation of steps) {
          if (operation.kind === 'add') {
            const added = chunk(`c${operation.id}`, `d${operation.document}`, operation.text);
            incremental.add('t', [added]);
            live.set(added.id, added);
          } else if (operation.kind === 'remove') {
            incremental.remove('t', [`c${operation.id}`]);
            live.delete(`c${operation.id}`);
          } else {
            incremental.removeDocument('t', `d${operation.document}`);
            for (const [id, entry] of live)
              if (entry.documentId === `d${operation.document}`) live.delete(id);
          }
        }
        const rebuilt = createLexicalIndex();
        rebuilt.add('t', [...live.values()]);
        const left = incremental.search('t', query, { topK: 20 });
        const right = rebuilt.search('t', query, { topK: 20 });
        expect(left.map((match) => match.id)).toEqual(right.map((match) => match.id));
        left.forEach((match, index) => {
          expect(match.score).toBeCloseTo(right[index]!.score, 9);
        });
        expect(incremental.size('t')).toBe(live.size);
      }),
      { numRuns: 200 },
    );
  });
});
