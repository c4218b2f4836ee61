/**
 * Retrieval diagnosis: where does the hybrid pipeline lose a gold document that
 * plain BM25 finds?
 *
 * For every question it ranks gold ids by each stage (BM25 alone, vector search
 * alone, plain RRF of the two, the full `retrieve()` pipeline; see
 * `retrieval-quality.ts`), prints the questions where the pipeline drops a gold id
 * that the reference stage (BM25, or RRF with DIAGNOSE_AGAINST=rrf) has in its top
 * 5 or top 10, with the gold id's rank at every stage, then each stage's metrics.
 *
 * Run from the repository root (sources, no build):
 *   node --conditions=source --import tsx bench/retrieval-diagnosis.ts eval/docs eval/questions.jsonl
 *   node --conditions=source --import tsx bench/retrieval-diagnosis.ts --corpus
 * `--summary` prints only the averaged metrics: use it on a held-out set, whose
 * per-question results must not steer the choice of method. RETRIEVE_OPTIONS takes
 * JSON overrides of `retrieve()` (for example '{"fusion":"convex"}' or
 * '{"fusionK":20}' or '{"lexicalFeedback":false}'). Use `--summary` on eval/validation/,
 * eval/validation-2/ and eval/validation-3/, the sets kept for validating a method once
 * it is chosen; per-question output is
 * for the development sets (eval/, eval/holdout/ with either questions file).
 */
import type { RetrieveOptions } from '../packages/core/src/rag/retrieval/retrieve.js';
import {
  formatFigures,
  loadCorpusSet,
  loadEvalSet,
  measureStages,
  type QualityStage,
  qualityStages,
} from './retrieval-quality.js';

const args = process.argv.slice(2);
const summaryOnly = args.includes('--summary');
const [docsDir = 'eval/docs', questionsFile = 'eval/questions.jsonl'] = args.filter(
  (arg) => !arg.startsWith('--'),
);
const overrides = JSON.parse(process.env.RETRIEVE_OPTIONS ?? '{}') as Partial<RetrieveOptions>;
const reference: QualityStage = process.env.DIAGNOSE_AGAINST === 'rrf' ? 'rrf' : 'bm25';

const set = args.includes('--corpus')
  ? await loadCorpusSet()
  : await loadEvalSet(docsDir, questionsFile);
const { figures, rankings } = await measureStages(set, overrides);

console.log(
  `# ${set.name}: ${set.items} ${set.unit}, ${set.index.lexicalIndex.size(set.tenantId)} chunks, ${set.questions.length} questions`,
);
if (!summaryOnly) {
  console.log(`\n## Gold ids ${reference} has in its top 5 or 10 and the pipeline does not`);
  let losses = 0;
  set.questions.forEach((question, position) => {
    const ranked = (stage: QualityStage) => rankings[stage][position]!.ranked_doc_ids;
    for (const gold of question.gold_doc_ids) {
      const before = ranked(reference).indexOf(gold);
      const after = ranked('pipeline').indexOf(gold);
      const lost = (cut: number) => before >= 0 && before < cut && (after < 0 || after >= cut);
      if (!lost(5) && !lost(10)) continue;
      losses++;
      const rankOf = (stage: QualityStage) => {
        const rank = ranked(stage).indexOf(gold);
        return rank < 0 ? '-' : String(rank + 1);
      };
      console.log(
        `${question.id} gold ${gold}: ${qualityStages.map((stage) => `${stage} ${rankOf(stage)}`).join(', ')}`,
      );
      console.log(`    "${question.question}"`);
      for (const stage of ['pipeline', 'rrf', 'bm25'] as const) {
        console.log(`    ${stage.padEnd(8)} top 5: ${ranked(stage).slice(0, 5).join(', ')}`);
      }
    }
  });
  if (losses === 0) console.log('(none)');
}
console.log(`\n${'stage'.padEnd(10)}recall@5  recall@10 mrr@10    ndcg@10`);
for (const stage of qualityStages) console.log(formatFigures(stage, figures[stage]));
