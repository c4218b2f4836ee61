import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenize } from '../../providers/offline/text-analyzer.js';
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

  it('scores exactly the BM25+ formula without feedback (the baseline stays plain)', () => {
    const index = createLexicalIndex();
    const chunks = corpusChunks();
    index.add(corpusTenantId, chunks);
    const query = 'update the card for failed payment retries';
    // Reference: field-weighted tf and length (content 1, title 2, headings 1.5), Lucene idf.
    const weighted = chunks.map((entry) => {
      const frequencies = new Map<string, number>();
      let length = 0;
      const count = (text: string, weight: number) => {
        for (const term of tokenize(text)) {
          frequencies.set(term, (frequencies.get(term) ?? 0) + weight);
          length += weight;
        }
      };
      count(entry.content, 1);
      count(entry.metadata.title ?? '', 2);
      count((entry.metadata.headingPath ?? []).join(' \n '), 1.5);
      return { id: entry.id, frequencies, length };
    });
    const averageLength = weighted.reduce((sum, entry) => sum + entry.length, 0) / chunks.length;
    const expected = new Map<string, number>();
    for (const term of new Set(tokenize(query))) {
      const df = weighted.filter((entry) => entry.frequencies.has(term)).length;
      if (df === 0) continue;
      const idf = Math.log(1 + (chunks.length - df + 0.5) / (df + 0.5));
      for (const entry of weighted) {
        const tf = entry.frequencies.get(term);
        if (tf === undefined) continue;
        const saturation =
          (tf * 2.2) / (tf + 1.2 * (1 - 0.75 + (0.75 * entry.length) / averageLength));
        expected.set(entry.id, (expected.get(entry.id) ?? 0) + idf * (saturation + 0.5));
      }
    }
    const reference = [...expected.entries()]
      .sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1))
      .slice(0, 10);
    const actual = index.search(corpusTenantId, query, { topK: 10 });
    expect(actual.map((match) => match.id)).toEqual(reference.map(([id]) => id));
    actual.forEach((match, position) => {
      expect(match.score).toBeCloseTo(reference[position]![1], 10);
    });
  });

  it('expands the query with the terms of its best chunks when asked (RM3 feedback)', () => {
    const index = createLexicalIndex();
    index.add('t', [
      chunk('a', 'd1', 'Money back: refunds go to the original card. Refunds take five days.'),
      chunk('b', 'd2', 'Refunds reach the card statement within ten business days.'),
      chunk('c', 'd3', 'Invoices are emailed on the first of the month.'),
    ]);
    // Plain BM25: only the chunk with the question's own words.
    expect(index.search('t', 'money back').map((match) => match.id)).toEqual(['a']);
    // With feedback from the best chunk, its commonest terms (refund, card) find `b` too,
    // and the chunk that matched the question itself stays first.
    const expanded = index.search('t', 'money back', {
      feedback: { documents: 1, terms: 5, originalWeight: 0.5 },
    });
    expect(expanded.map((match) => match.id)).toEqual(['a', 'b']);
    // No expansion terms: the original ranking, scaled.
    expect(
      index
        .search('t', 'money back', { feedback: { documents: 1, terms: 0 } })
        .map((match) => match.id),
    ).toEqual(['a']);
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
        const feedback = { documents: 2, terms: 4, originalWeight: 0.7 };
        const leftExpanded = incremental.search('t', query, { topK: 20, feedback });
        const rightExpanded = rebuilt.search('t', query, { topK: 20, feedback });
        expect(leftExpanded.map((match) => match.id)).toEqual(
          rightExpanded.map((match) => match.id),
        );
        expect(incremental.size('t')).toBe(live.size);
      }),
      { numRuns: 200 },
    );
  });
});
