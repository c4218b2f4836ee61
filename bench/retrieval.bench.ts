/**
 * Retrieval benchmark: the memory vector store (exact at 10k, indexed at 100k, 1536
 * dimensions), the offline embedder, end-to-end hybrid retrieval, and retrieval
 * quality of BM25 alone versus the hybrid pipeline (with vector-only and plain RRF
 * as intermediate stages, and the hybrid with convex score fusion instead of RRF) on
 * the hand-written corpus, eval/, eval/holdout/ (its own and its paraphrased
 * questions), eval/validation/, eval/validation-2/ and eval/validation-3/, with the
 * hybrid-minus-BM25 difference of each metric (and the hybrid without the lexical
 * stage's pseudo-relevance feedback, `no RM3`), and the lexical stage's latency with
 * and without that feedback at 10k chunks.
 *
 * Run: `pnpm exec tsx bench/retrieval.bench.ts` (about 1 to 2 minutes, ~2.5 GB RSS);
 * `--quality-only` prints the retrieval quality tables alone (a few seconds);
 * `--lexical-only` times the lexical stage alone, with and without its feedback, at 10k
 * and 100k synthetic chunks.
 */
import os from 'node:os';
import type { StoredChunk, VectorMetadata } from '../packages/core/src/index.js';
import { createDotProductKernel } from '../packages/core/src/providers/memory/dot-product-kernel.js';
import { createMemoryVectorStore } from '../packages/core/src/providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../packages/core/src/providers/offline/offline-embedding-model.js';
import { createKnowledgeIndex } from '../packages/core/src/rag/retrieval/knowledge-index.js';
import { createLexicalIndex } from '../packages/core/src/rag/retrieval/lexical-index.js';
import {
  corpusChunks,
  corpusQuestions,
  corpusTenantId,
} from '../packages/core/src/rag/retrieval/retrieval-test-corpus.js';
import { defaultLexicalFeedback } from '../packages/core/src/rag/retrieval/retrieve.js';
import { createSeededRandom } from '../packages/core/src/seeded-random.js';
import {
  formatFigures,
  loadCorpusSet,
  loadEvalSet,
  measureStages,
  qualityStages,
} from './retrieval-quality.js';

const dimensions = 1536;
const queryCount = 200;

/** Approximately normal (sum of three uniforms). */
function gaussian(random: () => number): number {
  return random() + random() + random() - 1.5;
}

function normalise(vector: Float32Array): Float32Array {
  let norm = 0;
  for (const value of vector) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  for (let index = 0; index < vector.length; index++) vector[index]! /= norm;
  return vector;
}

/**
 * Random but clustered unit vectors, shaped like document embeddings: topics
 * (clusters of uneven size) whose members sit at cosine 0.55 to 0.8 from their
 * centre, plus queries drawn the same way.
 */
function clusteredVectors(count: number, seed: number) {
  const random = createSeededRandom(seed);
  const clusterCount = Math.max(10, Math.round(count / 100));
  const centres = Array.from({ length: clusterCount }, () =>
    normalise(Float32Array.from({ length: dimensions }, () => gaussian(random))),
  );
  const draw = () => {
    const centre = centres[Math.floor(random() ** 1.5 * clusterCount)]!;
    const spread = 0.8 + random() * 0.7;
    const noise = normalise(Float32Array.from({ length: dimensions }, () => gaussian(random)));
    const vector = new Float32Array(dimensions);
    for (let index = 0; index < dimensions; index++) {
      vector[index] = centre[index]! + spread * noise[index]!;
    }
    return normalise(vector);
  };
  const data = new Float32Array(count * dimensions);
  for (let row = 0; row < count; row++) data.set(draw(), row * dimensions);
  const queries = Array.from({ length: queryCount }, draw);
  return { data, queries };
}

const categories = [
  'billing',
  'cards',
  'webhooks',
  'account',
  'developers',
  'security',
  'sales',
  'legal',
  'api',
  'other',
];

function metadataFor(row: number): VectorMetadata {
  return {
    tenantId: 'bench',
    documentId: `document-${Math.floor(row / 20)}`,
    sourceUrl: `https://docs.example.com/${Math.floor(row / 20)}`,
    docType: row % 3 === 0 ? 'faq' : 'guide',
    category: categories[row % categories.length]!,
    tokenCount: 300,
    createdAt: '2025-01-01T00:00:00.000Z',
  };
}

function percentile(samples: number[], fraction: number): number {
  const sorted = [...samples].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

const format = (milliseconds: number) => `${milliseconds.toFixed(2)} ms`;
const megabytes = () => `${Math.round(process.memoryUsage().rss / 1048576)} MB`;

/** Exact top-k ids of each query by brute force (the SIMD kernel over a copy). */
function groundTruth(
  data: Float32Array,
  count: number,
  queries: Float32Array[],
  topK: number,
): Set<number>[] {
  const kernel = createDotProductKernel(dimensions);
  kernel.reserve(count);
  kernel.rows.set(data.subarray(0, count * dimensions));
  const indices = Int32Array.from({ length: count }, (_, index) => index);
  const scores = new Float32Array(count);
  return queries.map((query) => {
    kernel.score(query, indices, count, scores);
    const order = Array.from(indices).sort((left, right) => scores[right]! - scores[left]!);
    return new Set(order.slice(0, topK));
  });
}

async function benchVectorStore(count: number, label: string) {
  const { data, queries } = clusteredVectors(count, count);
  const store = createMemoryVectorStore({ dimensions });
  const namespace = 'bench';
  let started = performance.now();
  for (let start = 0; start < count; start += 2_000) {
    const records = [];
    for (let row = start; row < Math.min(count, start + 2_000); row++) {
      records.push({
        id: `v${row}`,
        values: Array.from(data.subarray(row * dimensions, (row + 1) * dimensions)),
        metadata: metadataFor(row),
      });
    }
    await store.doUpsert({ namespace, records });
  }
  const upsertMs = performance.now() - started;
  started = performance.now();
  store.buildIndex(namespace);
  const indexMs = performance.now() - started;

  const vectors = queries.map((query) => Array.from(query));
  // Warm up the JIT.
  for (const vector of vectors.slice(0, 10)) await store.doQuery({ namespace, vector, topK: 10 });
  const latencies: number[] = [];
  const results: string[][] = [];
  for (const vector of vectors) {
    const start = performance.now();
    const { matches } = await store.doQuery({ namespace, vector, topK: 10 });
    latencies.push(performance.now() - start);
    results.push(matches.map((match) => match.id));
  }
  const mode = store.lastSearchMode(namespace);
  const filtered: number[] = [];
  for (const vector of vectors) {
    const start = performance.now();
    await store.doQuery({
      namespace,
      vector,
      topK: 10,
      filter: { category: 'webhooks', docType: 'guide' },
    });
    filtered.push(performance.now() - start);
  }
  const filteredMode = store.lastSearchMode(namespace);
  const truth = groundTruth(data, count, queries, 10);
  let hits = 0;
  results.forEach((ids, index) => {
    for (const id of ids) if (truth[index]!.has(Number(id.slice(1)))) hits++;
  });
  const recall = hits / (10 * queries.length);
  console.log(`\n## ${label}: ${count.toLocaleString('en')} vectors x ${dimensions} dims`);
  console.log(
    `upsert:              ${format(upsertMs)} (${Math.round(count / (upsertMs / 1000)).toLocaleString('en')} vectors/s)`,
  );
  console.log(`index build:         ${mode === 'index' ? format(indexMs) : 'none (exact search)'}`);
  console.log(
    `query topK=10 (${mode}): p50 ${format(percentile(latencies, 0.5))}, p95 ${format(percentile(latencies, 0.95))}`,
  );
  console.log(
    `filtered query (${filteredMode}, ~7% kept): p50 ${format(percentile(filtered, 0.5))}, p95 ${format(percentile(filtered, 0.95))}`,
  );
  console.log(`recall@10 vs exact:  ${recall.toFixed(3)}`);
  console.log(`rss:                 ${megabytes()}`);
  return { recall };
}

const vocabulary =
  'account address annual api attempt authentication bank billing card charge checkout contact coupon customer dashboard declined default delete discount download email endpoint event expiry export failed invoice key login method monthly password payment plan price proration receipt refund renewal retry secret security seat signature subscription support tax team token trial update upgrade usage user vat webhook workspace'.split(
    ' ',
  );

/** A synthetic support corpus: sentences of the hand-written docs, recombined with filler. */
function syntheticChunks(count: number): StoredChunk[] {
  const random = createSeededRandom(99);
  const sentences = corpusChunks().flatMap((chunk) => chunk.content.split(/(?<=\.)\s+/));
  return Array.from({ length: count }, (_, index) => {
    const parts: string[] = [];
    for (let sentence = 0; sentence < 8; sentence++) {
      parts.push(sentences[Math.floor(random() * sentences.length)]!);
      parts.push(
        Array.from({ length: 12 }, () => vocabulary[Math.floor(random() * vocabulary.length)]).join(
          ' ',
        ) + '.',
      );
    }
    const documentId = `synthetic-${Math.floor(index / 10)}`;
    return {
      id: `synthetic-${index}`,
      tenantId: corpusTenantId,
      documentId,
      content: parts.join(' '),
      tokenCount: 300,
      metadata: {
        tenantId: corpusTenantId,
        documentId,
        sourceUrl: `https://docs.example.com/${documentId}`,
        title: `Synthetic page ${Math.floor(index / 10)}`,
        docType: 'guide',
        category: categories[index % categories.length]!,
        headingPath: [`Synthetic page ${Math.floor(index / 10)}`, `Section ${index % 10}`],
        index: index % 10,
      },
      embedding: [],
      createdAt: new Date('2025-01-01T00:00:00.000Z'),
    };
  });
}

async function benchPipeline() {
  const embedder = createOfflineEmbeddingModel({ dimensions });
  const synthetic = syntheticChunks(3_000);
  let started = performance.now();
  for (let start = 0; start < synthetic.length; start += 500) {
    await embedder.doEmbed({
      values: synthetic.slice(start, start + 500).map((chunk) => chunk.content),
    });
  }
  const embedMs = performance.now() - started;
  const words =
    synthetic.reduce((sum, chunk) => sum + chunk.content.split(/\s+/).length, 0) / synthetic.length;

  const knowledge = createKnowledgeIndex({
    embedder,
    vectorStore: createMemoryVectorStore({ dimensions }),
  });
  started = performance.now();
  await knowledge.index({ tenantId: corpusTenantId, chunks: [...corpusChunks(), ...synthetic] });
  const indexMs = performance.now() - started;
  // The same stores without the lexical stage's feedback, timed in turn with the
  // default so that both see the same machine load.
  const withoutFeedback = createKnowledgeIndex({
    embedder,
    vectorStore: knowledge.vectorStore,
    lexicalIndex: knowledge.lexicalIndex,
    lexicalFeedback: false,
  });
  const latencies: number[] = [];
  const plainLatencies: number[] = [];
  for (let round = 0; round < 4; round++) {
    for (const { question } of corpusQuestions) {
      let start = performance.now();
      await knowledge.retrieve({ tenantId: corpusTenantId, query: question });
      latencies.push(performance.now() - start);
      start = performance.now();
      await withoutFeedback.retrieve({ tenantId: corpusTenantId, query: question });
      plainLatencies.push(performance.now() - start);
    }
  }
  console.log(
    `\n## Offline embedder and hybrid pipeline (${synthetic.length.toLocaleString('en')} synthetic chunks of ~${Math.round(words)} words + the corpus)`,
  );
  console.log(
    `embed:               ${format(embedMs / synthetic.length)} per chunk (${Math.round(synthetic.length / (embedMs / 1000))} chunks/s)`,
  );
  console.log(`index (embed + vector + BM25): ${format(indexMs)}`);
  console.log(
    `retrieve end to end (embed query, vector + BM25 with RM3, RRF, re-rank 30): p50 ${format(percentile(latencies, 0.5))}, p95 ${format(percentile(latencies, 0.95))}`,
  );
  console.log(
    `retrieve, lexicalFeedback: false (plain BM25 stage):                 p50 ${format(percentile(plainLatencies, 0.5))}, p95 ${format(percentile(plainLatencies, 0.95))}`,
  );
}

/**
 * The lexical stage alone at `count` synthetic chunks: plain BM25 against BM25 with the
 * pipeline's pseudo-relevance feedback (RM3: a first search, a relevance model of the
 * best 3 chunks, a second search with 10 more terms).
 */
function benchLexical(count: number) {
  const lexical = createLexicalIndex();
  lexical.add(corpusTenantId, [...corpusChunks(), ...syntheticChunks(count)]);
  const time = (feedback: typeof defaultLexicalFeedback | undefined) => {
    const latencies: number[] = [];
    for (let round = 0; round < 5; round++) {
      for (const { question } of corpusQuestions) {
        const start = performance.now();
        lexical.search(corpusTenantId, question, { topK: 30, feedback });
        latencies.push(performance.now() - start);
      }
    }
    return `p50 ${format(percentile(latencies, 0.5))}, p95 ${format(percentile(latencies, 0.95))}`;
  };
  console.log(`\n## Lexical stage (${count.toLocaleString('en')} synthetic chunks + the corpus)`);
  console.log(`BM25, topK 30:                 ${time(undefined)}`);
  console.log(`BM25 + RM3 feedback, topK 30:  ${time(defaultLexicalFeedback)}`);
}

/** BM25 alone against the hybrid pipeline on the corpus and the evaluation sets of the repository. */
async function benchQuality() {
  const sets = [
    await loadCorpusSet(),
    await loadEvalSet('eval/docs', 'eval/questions.jsonl'),
    await loadEvalSet('eval/holdout/docs', 'eval/holdout/questions.jsonl'),
    await loadEvalSet('eval/holdout/docs', 'eval/holdout/paraphrased-questions.jsonl'),
    await loadEvalSet('eval/validation/docs', 'eval/validation/questions.jsonl'),
    await loadEvalSet('eval/validation-2/docs', 'eval/validation-2/questions.jsonl'),
    await loadEvalSet('eval/validation-3/docs', 'eval/validation-3/questions.jsonl'),
  ];
  for (const set of sets) {
    const { figures, pipelineMs } = await measureStages(set);
    const convex = (await measureStages(set, { fusion: 'convex' })).figures.pipeline;
    const noFeedback = (await measureStages(set, { lexicalFeedback: false })).figures.pipeline;
    console.log(
      `\n## Retrieval quality on ${set.name}, ${set.questionsFile} (${set.items} ${set.unit}, ${set.index.lexicalIndex.size(set.tenantId)} chunks, ${set.questions.length} questions; gold ids are ${set.unit})`,
    );
    console.log(`${'stage'.padEnd(10)}recall@5  recall@10 mrr@10    ndcg@10`);
    for (const stage of qualityStages) {
      const label = stage === 'pipeline' ? 'hybrid' : stage;
      console.log(formatFigures(label, figures[stage]));
    }
    console.log(formatFigures('convex', convex));
    console.log(formatFigures('no RM3', noFeedback));
    const metrics = ['recall@5', 'recall@10', 'mrr@10', 'ndcg@10'] as const;
    console.log(
      `${'vs bm25'.padEnd(10)}${metrics
        .map((metric) => {
          const difference = figures.pipeline[metric] - figures.bm25[metric];
          return `${difference >= 0 ? '+' : ''}${difference.toFixed(4)}`.padEnd(10);
        })
        .join('')}`,
    );
    console.log(`retrieve() mean ${format(pipelineMs)} per question (30 chunks)`);
  }
}

const started = performance.now();
console.log('# Retrieval benchmark');
console.log(
  `machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 1073741824)} GB, node ${process.version}, ${os.platform()} ${os.arch()}`,
);
console.log(
  `load average at the start: ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')} (figures are only comparable on an idle machine)`,
);
if (process.argv.includes('--lexical-only')) {
  benchLexical(10_000);
  benchLexical(100_000);
} else {
  await benchQuality();
}
if (!process.argv.includes('--quality-only') && !process.argv.includes('--lexical-only')) {
  await benchPipeline();
  benchLexical(10_000);
  await benchVectorStore(10_000, 'Memory vector store, exact');
  await benchVectorStore(100_000, 'Memory vector store, indexed');
}
console.log(
  `\ntotal: ${((performance.now() - started) / 1000).toFixed(1)} s, load average at the end ${os
    .loadavg()
    .map((load) => load.toFixed(1))
    .join(' / ')}`,
);
