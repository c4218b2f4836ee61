/**
 * Ingestion throughput: generated Markdown (about 8 MiB of documentation-like
 * text) through parse -> chunk -> tokenise, then the same plus the offline
 * embedder, then the whole `ingest()` pipeline into the memory stores.
 *
 * Run: pnpm exec tsx bench/ingest.bench.ts [MiB]
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { createMemoryKnowledgeStore } from '../packages/core/src/providers/memory/memory-knowledge-store.js';
import { createMemoryVectorStore } from '../packages/core/src/providers/memory/memory-vector-store.js';
import { createOfflineEmbeddingModel } from '../packages/core/src/providers/offline/offline-embedding-model.js';
import { chunkDocument } from '../packages/core/src/rag/chunking/index.js';
import { ingest, normaliseContent } from '../packages/core/src/rag/ingest/index.js';
import { createSeededRandom } from '../packages/core/src/seeded-random.js';

const targetMiB = Number(process.argv[2] ?? 8);

const random = createSeededRandom(42);
const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const vocabulary = (
  'the a customer card invoice payment subscription webhook event retry fails expires update default ' +
  'method billing portal plan price proration trial coupon refund dispute charge account team settings ' +
  'signature endpoint secret verify request response status code error declined bank issuer network ' +
  'when if you your we our can must should will then after before each every new old open paid due ' +
  'amount currency tax receipt email link session checkout intent setup confirm attach detach list ' +
  'retrieve create delete metadata idempotency key header body field value object returns optional required'
).split(' ');
const identifiers = [
  'invoice.payment_failed',
  'customer.subscription.updated',
  'pm_card_visa',
  'setup_intent',
  'cus_9s6XKzkNRiz8i3',
  'Stripe-Signature',
];

function sentence(): string {
  const length = 8 + Math.floor(random() * 18);
  const words = Array.from({ length }, () =>
    random() < 0.04 ? `\`${pick(identifiers)}\`` : pick(vocabulary),
  );
  const text = words.join(' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${random() < 0.1 ? '?' : '.'}`;
}

const paragraph = () => Array.from({ length: 2 + Math.floor(random() * 5) }, sentence).join(' ');
const list = () =>
  Array.from({ length: 3 + Math.floor(random() * 5) }, () => `- ${sentence()}`).join('\n');
const code = () =>
  `\`\`\`ts\n${Array.from({ length: 4 + Math.floor(random() * 14) }, (_, line) => `const step${line} = await stripe.${pick(['invoices', 'customers', 'paymentMethods', 'setupIntents'])}.${pick(['retrieve', 'update', 'pay', 'attach'])}('${pick(identifiers)}');`).join('\n')}\n\`\`\``;
const table = () =>
  `| Field | Type | Description |\n| --- | --- | --- |\n${Array.from({ length: 3 + Math.floor(random() * 8) }, () => `| ${pick(vocabulary)}_${pick(vocabulary)} | ${pick(['string', 'integer', 'boolean', 'object'])} | ${sentence()} |`).join('\n')}`;

function documentText(index: number): string {
  const parts = [
    `# ${pick(['Updating', 'Retrying', 'Handling', 'Understanding'])} ${pick(vocabulary)} ${index}`,
    paragraph(),
  ];
  for (let section = 0; section < 4 + Math.floor(random() * 6); section++) {
    parts.push(`## ${sentence().slice(0, 40)}`, paragraph());
    for (let block = 0; block < 2 + Math.floor(random() * 4); block++) {
      const kind = random();
      parts.push(
        kind < 0.55
          ? paragraph()
          : kind < 0.7
            ? list()
            : kind < 0.85
              ? code()
              : kind < 0.93
                ? table()
                : `### ${sentence().slice(0, 30)}\n\n${paragraph()}`,
      );
    }
  }
  return parts.join('\n\n');
}

const documents: string[] = [];
let bytes = 0;
while (bytes < targetMiB * 1024 * 1024) {
  const text = documentText(documents.length);
  documents.push(text);
  bytes += Buffer.byteLength(text, 'utf8');
}
const mebibytes = bytes / (1024 * 1024);

function measure(label: string, run: () => void | Promise<void>): Promise<number> {
  return (async () => {
    const started = performance.now();
    await run();
    const seconds = (performance.now() - started) / 1000;
    const rate = mebibytes / seconds;
    console.log(
      `${label.padEnd(52)} ${seconds.toFixed(2).padStart(6)} s  ${rate.toFixed(2).padStart(6)} MiB/s`,
    );
    return rate;
  })();
}

const [cpu] = cpus();
console.log('Churn ingest benchmark');
console.log(
  `machine: ${cpu?.model ?? 'unknown CPU'}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(1)} GiB, node ${process.version}, ${process.platform}/${process.arch}`,
);
console.log(
  `load average at start: ${loadavg()
    .map((value) => value.toFixed(2))
    .join(', ')}`,
);
console.log(
  `corpus: ${documents.length} Markdown documents, ${mebibytes.toFixed(2)} MiB; chunks of 400 tokens, 50 overlap (cl100k_base)\n`,
);

// Warm up the tokenizer and the JIT on a slice of the corpus.
for (const text of documents.slice(0, 20)) chunkDocument({ content: normaliseContent(text) });

let chunkCount = 0;
let tokenCount = 0;
// Three passes: the best is the machine's speed, the spread shows how noisy it was.
const chunkRates: number[] = [];
for (let pass = 1; pass <= 3; pass++) {
  chunkCount = 0;
  tokenCount = 0;
  chunkRates.push(
    await measure(`normalise + parse + chunk + tokenise (pass ${pass})`, () => {
      for (const text of documents) {
        const { chunks } = chunkDocument({ content: normaliseContent(text) });
        chunkCount += chunks.length;
        for (const chunk of chunks) tokenCount += chunk.tokenCount;
      }
    }),
  );
}
const chunkRate = Math.max(...chunkRates);
console.log(
  `  ${chunkCount} chunks, ${tokenCount} tokens, ${(tokenCount / chunkCount).toFixed(0)} tokens per chunk on average`,
);

const embedder = createOfflineEmbeddingModel();
await measure('... + offline embedder (1536 dimensions)', async () => {
  for (const text of documents) {
    const { chunks } = chunkDocument({ content: normaliseContent(text) });
    await embedder.doEmbed({ values: chunks.map((chunk) => chunk.content), purpose: 'document' });
  }
});

const store = createMemoryKnowledgeStore();
const vectorStore = createMemoryVectorStore({ dimensions: embedder.dimensions });
await measure('ingest(): text sources -> memory stores, end to end', async () => {
  const report = await ingest({
    tenantId: 'bench',
    sourceId: 'bench',
    sources: documents.map((content, index) => ({
      type: 'text' as const,
      id: `doc-${index}`,
      content,
    })),
    store,
    vectorStore,
    embedder,
  });
  if (report.totals.added !== documents.length)
    throw new Error(`expected ${documents.length} documents, got ${report.totals.added}`);
});
await measure('ingest() again, nothing changed (hash + chunk only)', async () => {
  const report = await ingest({
    tenantId: 'bench',
    sourceId: 'bench',
    sources: documents.map((content, index) => ({
      type: 'text' as const,
      id: `doc-${index}`,
      content,
    })),
    store,
    vectorStore,
    embedder,
  });
  if (report.totals.unchanged !== documents.length)
    throw new Error('expected every document unchanged');
});

const target = 4;
console.log(
  `\nchunk + tokenise, best of 3: ${chunkRate.toFixed(2)} MiB/s (target >= ${target} MiB/s): ${chunkRate >= target ? 'met' : 'NOT met'}`,
);
