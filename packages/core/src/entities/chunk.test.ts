import { describe, expect, it } from 'vitest';
import { chunkArbitrary } from './arbitraries.js';
import { type ChunkInput, ChunkSchema, createChunkSchema } from './chunk.js';
import { parseEntity } from './parse-entity.js';
import { describeEntity } from './rule-test-kit.js';

const example: ChunkInput = {
  id: 'chk_1',
  documentId: 'doc_1',
  content: 'Open Billing, then choose Update card.',
  tokenCount: 9,
  metadata: {
    tenantId: 'ten_1',
    documentId: 'doc_1',
    sourceUrl: 'https://docs.acme.example/billing/update-card',
    title: 'Update your card',
    docType: 'guide',
    category: 'billing',
    headingPath: ['Update your card'],
    index: 0,
  },
  embedding: [0.12, -0.5, 0.33],
  createdAt: '2026-03-01T04:00:01Z',
};

describeEntity('Chunk', ChunkSchema, {
  example,
  arbitrary: chunkArbitrary(),
  accepted: [
    { title: 'a one-number embedding', change: (c) => ({ ...c, embedding: [0] }) },
    {
      title: 'a 1536-number embedding',
      change: (c) => ({ ...c, embedding: Array.from({ length: 1536 }, (_, i) => Math.sin(i)) }),
    },
  ],
  rules: [
    {
      rule: 'embedding is not empty',
      path: ['embedding'],
      message: /must not be empty/,
      breakIt: (c) => ({ ...c, embedding: [] }),
    },
    {
      rule: 'embedding numbers are finite (no NaN)',
      path: ['embedding', 1],
      message: /must be a finite number/,
      breakIt: (c) => ({ ...c, embedding: [0.1, Number.NaN] }),
    },
    {
      rule: 'embedding numbers are finite (no Infinity)',
      path: ['embedding', 0],
      message: /must be a finite number/,
      breakIt: (c) => ({ ...c, embedding: [Number.POSITIVE_INFINITY] }),
    },
    {
      rule: 'tokenCount is a whole number, 1 or more',
      path: ['tokenCount'],
      message: /must be a whole number, 1 or more/,
      breakIt: (c) => ({ ...c, tokenCount: 0 }),
    },
    {
      rule: 'content is not empty',
      path: ['content'],
      message: /must not be empty/,
      breakIt: (c) => ({ ...c, content: '' }),
    },
    {
      rule: 'metadata names the chunk document',
      path: ['metadata', 'documentId'],
      message: /must equal the chunk's documentId/,
      breakIt: (c) => ({ ...c, metadata: { ...c.metadata, documentId: `${c.documentId}_other` } }),
    },
    {
      rule: 'metadata docType is api, guide or support',
      path: ['metadata', 'docType'],
      message: /must be one of: api, guide, support/,
      breakIt: (c) => ({ ...c, metadata: { ...c.metadata, docType: 'blog' } }),
    },
    {
      rule: 'metadata category is a lowercase slug',
      path: ['metadata', 'category'],
      message: /must be a lowercase slug/,
      breakIt: (c) => ({ ...c, metadata: { ...c.metadata, category: 'Web Hooks' } }),
    },
    {
      rule: 'metadata is an object, not a JSON string',
      path: ['metadata'],
      message: /must be an object/,
      breakIt: (c) => ({ ...c, metadata: JSON.stringify(c.metadata) }),
    },
  ],
});

describe('Chunk embedding dimension', () => {
  it('is checked when the embedder dimension is given', () => {
    const schema = createChunkSchema({ dimensions: 3 });
    expect(parseEntity(schema, example, 'Chunk').embedding).toHaveLength(3);
    expect(() => parseEntity(schema, { ...example, embedding: [1, 2] }, 'Chunk')).toThrow(
      /embedding: must have exactly 3 numbers/,
    );
  });
});
