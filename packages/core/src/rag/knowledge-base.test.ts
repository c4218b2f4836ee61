import { describe, expect, it } from 'vitest';
import { ChurnError } from '../errors/index.js';
import type { AnswerStreamPart } from './answer/answer-stream-part.js';
import { createKnowledgeBase } from './knowledge-base.js';

const refunds = {
  type: 'text' as const,
  id: 'refunds',
  content:
    '# Refunds\n\nApproved refunds reach your bank within 5 to 10 business days.\n\nMonthly charges are not refunded.',
};
const card = {
  type: 'text' as const,
  id: 'update-card',
  content:
    '# Update your card\n\nOpen Settings, then Billing, and choose Replace card to change the card we charge.',
};

async function readAll(stream: ReadableStream<AnswerStreamPart>): Promise<AnswerStreamPart[]> {
  const parts: AnswerStreamPart[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return parts;
    parts.push(value);
  }
}

describe('createKnowledgeBase (embedded defaults)', () => {
  it('ingests, searches and answers with citations, confidence and retrieval records', async () => {
    const knowledgeBase = createKnowledgeBase({ tenantId: 'acme' });
    expect(knowledgeBase.settings.languageModel.provider).toBe('offline');
    const report = await knowledgeBase.ingest([refunds, card]);
    expect(report.totals.added).toBe(2);

    const question = 'How many business days until a refund reaches my bank?';
    const found = await knowledgeBase.search(question);
    expect(found[0]?.metadata.sourceUrl).toBe('raw:refunds');
    expect(found[0]?.rank).toBe(1);

    const { stream, result } = await knowledgeBase.answer(question);
    const parts = await readAll(stream);
    const final = await result;
    expect(final.text).toContain('5 to 10 business days');
    expect(final.citations[0]).toMatchObject({
      citation: 1,
      sourceUrl: 'raw:refunds',
      title: 'Refunds',
    });
    expect(parts.filter((part) => part.type === 'source')).toHaveLength(final.citations.length);
    expect(final.confidence).toBeGreaterThanOrEqual(0.35);
    expect(final.escalate).toBeUndefined();
    expect(final.retrievals[0]).toEqual({
      chunkId: found[0]!.chunkId,
      similarityScore: found[0]!.similarityScore,
      rerankScore: found[0]!.rerankScore,
      rankPosition: 1,
    });
  });

  it('never throws for an empty knowledge base: it says so and suggests escalation', async () => {
    const knowledgeBase = createKnowledgeBase({ tenantId: 'empty' });
    const { result } = await knowledgeBase.answer('Can I pay with bitcoin?');
    const final = await result;
    expect(final.text).toContain("I couldn't find this in the docs");
    expect(final.confidence).toBe(0);
    expect(final.escalate).toEqual({ reason: 'low_confidence' });
  });

  it('keeps tenants apart', async () => {
    const knowledgeBase = createKnowledgeBase();
    await knowledgeBase.ingest([refunds], { tenantId: 'tenant-a' });
    await knowledgeBase.forTenant('tenant-b').ingest([card]);
    const a = await knowledgeBase.search('refunds business days', { tenantId: 'tenant-a' });
    const b = await knowledgeBase.forTenant('tenant-b').search('refunds business days');
    expect(a.length).toBeGreaterThan(0);
    expect(a.every((chunk) => chunk.metadata.tenantId === 'tenant-a')).toBe(true);
    expect(b.every((chunk) => chunk.metadata.sourceUrl === 'raw:update-card')).toBe(true);
    expect(
      (await knowledgeBase.listDocuments({ tenantId: 'tenant-b' })).map((d) => d.sourceUrl),
    ).toEqual(['raw:update-card']);
  });

  it('requires a tenant on every call of an unbound knowledge base, and refuses another tenant when bound', async () => {
    const unbound = createKnowledgeBase();
    const missing = await unbound.search('refunds').catch((error: unknown) => error);
    expect(ChurnError.isInstance(missing) && missing.code).toBe('validation_failed');
    expect((missing as Error).message).toContain('tenantId');

    const bound = createKnowledgeBase({ tenantId: 'acme' });
    await expect(bound.search('refunds', { tenantId: 'other' })).rejects.toThrow(/bound to "acme"/);
    expect(() => bound.forTenant('other')).toThrow(/bound to "acme"/);
    await expect(bound.answer('  ')).rejects.toThrow(/question/);
  });

  it('keeps the BM25 index in step when a document changes', async () => {
    const knowledgeBase = createKnowledgeBase({ tenantId: 'acme' });
    await knowledgeBase.ingest([refunds]);
    await knowledgeBase.ingest([
      { ...refunds, content: '# Refunds\n\nRefunds are sent back by cheque within three weeks.' },
    ]);
    const lexical = knowledgeBase.index.lexicalIndex.search('acme', 'cheque weeks');
    expect(lexical).toHaveLength(1);
    expect(knowledgeBase.index.lexicalIndex.search('acme', 'business days')).toHaveLength(0);
  });

  it('loads a tenant from an existing store on first use', async () => {
    const first = createKnowledgeBase({ tenantId: 'acme' });
    await first.ingest([refunds, card]);
    const second = createKnowledgeBase({ tenantId: 'acme', store: first.settings.store });
    const found = await second.search('replace card');
    expect(found[0]?.metadata.sourceUrl).toBe('raw:update-card');
  });
});
