/**
 * Retrieval quality by stage, shared by `retrieval.bench.ts` and
 * `retrieval-diagnosis.ts`: BM25 alone, vector search alone, plain reciprocal rank
 * fusion of the pipeline's two first stages (BM25 with pseudo-relevance feedback, and
 * vector search; before re-ranking) and the full `retrieve()` pipeline, on an
 * evaluation set (a docs folder and a questions file, ranked by document as
 * `churn eval` does) or on the hand-written chunk corpus (ranked by chunk).
 *
 * Deep imports and a local folder loader, so it runs from sources with no build
 * and without the package entry points.
 */
import { readdir, readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import {
  type EvalQuestion,
  type EvalRunLine,
  parseEvalQuestions,
} from '../packages/core/src/rag/eval/eval-question.js';
import { summarizeEvaluation } from '../packages/core/src/rag/eval/summarize-evaluation.js';
import { createKnowledgeBase } from '../packages/core/src/rag/knowledge-base.js';
import type { KnowledgeIndex } from '../packages/core/src/rag/retrieval/knowledge-index.js';
import {
  corpusChunks,
  corpusQuestions,
  corpusTenantId,
} from '../packages/core/src/rag/retrieval/retrieval-test-corpus.js';
import {
  defaultLexicalFeedback,
  type RetrieveOptions,
  retrieve,
} from '../packages/core/src/rag/retrieval/retrieve.js';

/** An indexed evaluation set: questions, the index, and how a chunk maps to a gold id. */
export interface QualitySet {
  name: string;
  /** Where the questions come from. */
  questionsFile: string;
  tenantId: string;
  index: KnowledgeIndex;
  questions: EvalQuestion[];
  /** The gold id a chunk counts for: its document's file id, or the chunk id itself. */
  goldIdOf(chunkId: string): string;
  /** What the gold ids are ("documents" or "chunks"). */
  unit: 'documents' | 'chunks';
  items: number;
}

/** The stages measured, in pipeline order. */
export const qualityStages = ['bm25', 'vector', 'rrf', 'pipeline'] as const;
/** One of {@link qualityStages}. */
export type QualityStage = (typeof qualityStages)[number];
/** Averaged retrieval metrics of one stage. */
export interface StageFigures {
  'recall@5': number;
  'recall@10': number;
  'mrr@10': number;
  'ndcg@10': number;
}

/** What {@link measureStages} returns. */
export interface StageReport {
  figures: Record<QualityStage, StageFigures>;
  /** Every stage's ranking of gold ids, per question. */
  rankings: Record<QualityStage, EvalRunLine[]>;
  /** Mean milliseconds of one `retrieve()` call. */
  pipelineMs: number;
}

const formats: Record<string, 'markdown' | 'html' | 'text'> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

/** Ingests a docs folder into an embedded knowledge base (as `churn eval` does). */
export async function loadEvalSet(docsDir: string, questionsFile: string): Promise<QualitySet> {
  const tenantId = 'quality';
  const documents: { id: string; format: 'markdown' | 'html' | 'text'; content: string }[] = [];
  for (const name of (await readdir(docsDir)).sort()) {
    const format = formats[extname(name).toLowerCase()];
    if (!format) continue;
    const content = await readFile(join(docsDir, name), 'utf8');
    documents.push({ id: name.slice(0, name.length - extname(name).length), format, content });
  }
  const questions = parseEvalQuestions(await readFile(questionsFile, 'utf8'), questionsFile);
  const knowledgeBase = createKnowledgeBase({ tenantId });
  await knowledgeBase.ingest(
    documents.map((document) => ({
      type: 'text' as const,
      id: document.id,
      content: document.content,
      format: document.format,
    })),
  );
  const fileIdByDocumentId = new Map<string, string>();
  for (const stored of await knowledgeBase.listDocuments()) {
    fileIdByDocumentId.set(stored.id, stored.sourceUrl.replace(/^raw:/, ''));
  }
  const index = knowledgeBase.index;
  return {
    name: docsDir,
    questionsFile,
    tenantId,
    index,
    questions,
    unit: 'documents',
    items: documents.length,
    goldIdOf: (chunkId) => {
      const chunk = index.lexicalIndex.get(tenantId, chunkId);
      return chunk ? (fileIdByDocumentId.get(chunk.documentId) ?? chunk.documentId) : chunkId;
    },
  };
}

/** The hand-written corpus of the retrieval tests: one gold chunk per question. */
export async function loadCorpusSet(): Promise<QualitySet> {
  const knowledgeBase = createKnowledgeBase({ tenantId: corpusTenantId });
  const chunks = corpusChunks();
  await knowledgeBase.index.index({ tenantId: corpusTenantId, chunks });
  return {
    name: 'hand-written corpus',
    questionsFile: 'retrieval-test-corpus.ts',
    tenantId: corpusTenantId,
    index: knowledgeBase.index,
    questions: corpusQuestions.map(({ question, answer }, position) => ({
      id: `c${position + 1}`,
      question,
      gold_doc_ids: [answer],
    })),
    unit: 'chunks',
    items: chunks.length,
    goldIdOf: (chunkId) => chunkId,
  };
}

/**
 * Ranks every question of `set` by each stage, 30 chunks deep, and averages
 * recall@5, recall@10, MRR@10 and nDCG@10 (distinct gold ids in rank order).
 * `overrides` are passed to `retrieve()` for the pipeline stage.
 */
export async function measureStages(
  set: QualitySet,
  overrides: Partial<RetrieveOptions> = {},
): Promise<StageReport> {
  const depth = 30;
  const { tenantId, index } = set;
  const rankings: Record<QualityStage, EvalRunLine[]> = {
    bm25: [],
    vector: [],
    rrf: [],
    pipeline: [],
  };
  const distinct = (chunkIds: readonly string[]) => [...new Set(chunkIds.map(set.goldIdOf))];
  let pipelineMs = 0;
  for (const question of set.questions) {
    const lexical = index.lexicalIndex
      .search(tenantId, question.question, { topK: depth })
      .map((match) => match.id);
    // The pipeline's lexical stage: BM25 with its pseudo-relevance feedback (RM3).
    const feedback =
      overrides.lexicalFeedback === false
        ? undefined
        : { ...defaultLexicalFeedback, ...overrides.lexicalFeedback };
    const expanded = index.lexicalIndex
      .search(tenantId, question.question, { topK: depth, feedback })
      .map((match) => match.id);
    const { embeddings } = await index.embedder.doEmbed({
      values: [question.question],
      purpose: 'query',
    });
    const { matches } = await index.vectorStore.doQuery({
      namespace: tenantId,
      vector: embeddings[0]!,
      topK: depth,
    });
    const vector = matches.map((match) => match.id);
    const fused = new Map<string, number>();
    for (const list of [expanded, vector]) {
      for (const [position, id] of list.entries()) {
        fused.set(id, (fused.get(id) ?? 0) + 1 / (60 + position + 1));
      }
    }
    const rrf = [...fused.entries()]
      .sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1))
      .slice(0, depth)
      .map(([id]) => id);
    const started = performance.now();
    const pipeline = await retrieve({
      ...overrides,
      tenantId,
      query: question.question,
      embedder: index.embedder,
      vectorStore: index.vectorStore,
      lexicalIndex: index.lexicalIndex,
      topK: depth,
    });
    pipelineMs += performance.now() - started;
    const lists: Record<QualityStage, string[]> = {
      bm25: lexical,
      vector,
      rrf,
      pipeline: pipeline.map((chunk) => chunk.chunkId),
    };
    for (const stage of qualityStages) {
      rankings[stage].push({ id: question.id, ranked_doc_ids: distinct(lists[stage]), answer: '' });
    }
  }
  const figures = {} as Record<QualityStage, StageFigures>;
  for (const stage of qualityStages) {
    const summary = summarizeEvaluation(set.questions, rankings[stage]);
    figures[stage] = {
      'recall@5': summary['recall@5'],
      'recall@10': summary['recall@10'],
      'mrr@10': summary['mrr@10'],
      'ndcg@10': summary['ndcg@10'],
    };
  }
  return { figures, rankings, pipelineMs: pipelineMs / Math.max(1, set.questions.length) };
}

/** One table row: `stage  recall@5  recall@10  mrr@10  ndcg@10`. */
export function formatFigures(label: string, figures: StageFigures): string {
  const cell = (value: number) => value.toFixed(4).padEnd(10);
  return `${label.padEnd(10)}${cell(figures['recall@5'])}${cell(figures['recall@10'])}${cell(figures['mrr@10'])}${cell(figures['ndcg@10'])}`;
}
