import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  ChurnError,
  compareRuns,
  createKnowledgeBase,
  type EvalQuestion,
  type EvalRunLine,
  type EvalSummary,
  type KnowledgeBase,
  type KnowledgeBaseSettings,
  type KnowledgeSource,
  parseEvalQuestions,
  type RunComparison,
  summarizeEvaluation,
} from '@churn/core';
import { type CliIo, exitCodes, UsageError } from '../cli-io.js';
import type { CliCommand } from '../run-cli.js';

/** The help of `churn eval`. */
export const evalUsage = `Usage: churn eval --docs DIR --questions FILE [--out RUN.jsonl] [--top-k N] [--baseline]

Measures retrieval and answers on an evaluation set, with the embedded (offline)
pipeline: a fresh in-memory knowledge base, the offline embedder, hybrid BM25 +
vector retrieval, the offline re-ranker and the offline language model.

Options:
  --docs DIR         Folder of documents, one per .md, .markdown, .html, .htm or .txt
                     file; a document's id is its file name without the extension.
  --questions FILE   JSONL, one question per line:
                     {"id":"q1","question":"...","gold_doc_ids":["doc-id"],"answer":"..."}
                     ("answer" is optional: the gold answer for answer F1).
  --out RUN.jsonl    Also write one line per question:
                     {"id","ranked_doc_ids":[...],"answer"}.
  --top-k N          Chunks given to the answer step (1 to 50). Default 5. Rankings
                     for the metrics come from a deeper retrieval (at least 30 chunks).
  --baseline         Also report the same metrics for plain BM25 (lexical only), and per
                     metric the pipeline's difference from it, the questions it does
                     better and worse on, and the p-value of a paired randomization test.
  -h, --help         Show this help.

Prints one JSON object to stdout: recall@5, recall@10, mrr@10, ndcg@10, answer_f1
(when gold answers exist) and the counts. Progress goes to stderr.
Exit codes: 0 done, 1 failed while running, 2 wrong options or input files.
`;

/** The parsed options of `churn eval`. */
export interface EvalCommandOptions {
  docsDir: string;
  questionsFile: string;
  out?: string;
  topK: number;
  baseline: boolean;
}

/**
 * Parses the arguments of `churn eval`; `'help'` when help was asked for.
 * @throws UsageError saying what is wrong and what to do.
 */
export function parseEvalArguments(argv: string[]): EvalCommandOptions | 'help' {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        docs: { type: 'string' },
        questions: { type: 'string' },
        out: { type: 'string' },
        'top-k': { type: 'string' },
        baseline: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${message.replace(/\.$/, '')}. Run \`churn eval --help\` for the options.`,
    );
  }
  if (values.help) return 'help';
  const problems: string[] = [];
  const docs = values.docs;
  const questions = values.questions;
  if (typeof docs !== 'string' || docs.trim() === '') {
    problems.push(
      'Missing --docs DIR: the folder of documents (one .md, .html or .txt file each).',
    );
  }
  if (typeof questions !== 'string' || questions.trim() === '') {
    problems.push('Missing --questions FILE: the JSONL file of questions.');
  }
  let topK = 5;
  const rawTopK = values['top-k'];
  if (typeof rawTopK === 'string') {
    topK = Number(rawTopK);
    if (!/^\d+$/.test(rawTopK.trim()) || topK < 1 || topK > 50) {
      problems.push(`--top-k must be a whole number from 1 to 50, got "${rawTopK}".`);
    }
  }
  const out = values.out;
  if (out !== undefined && (typeof out !== 'string' || out.trim() === '')) {
    problems.push('--out needs a file path, for example --out run.jsonl.');
  }
  if (problems.length > 0) {
    throw new UsageError(`${problems.join('\n')}\nRun \`churn eval --help\` for the options.`);
  }
  return {
    docsDir: docs as string,
    questionsFile: questions as string,
    ...(typeof out === 'string' ? { out } : {}),
    topK,
    baseline: values.baseline === true,
  };
}

/** One evaluation document read from the docs folder. */
export interface EvalDocument {
  /** The file name without its extension. */
  id: string;
  path: string;
  format: 'markdown' | 'html' | 'text';
  content: string;
}

const formats: Record<string, EvalDocument['format']> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
};

/**
 * Reads every supported file of `directory` (not recursive), sorted by name.
 * @throws UsageError when the folder is missing, has no documents, or two files share an id.
 */
export async function loadEvalDocuments(directory: string): Promise<EvalDocument[]> {
  const folder = resolve(directory);
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new UsageError(
      `--docs ${directory} is not a folder: pass the folder that holds the documents.`,
    );
  }
  const names = (await readdir(folder)).sort();
  const documents: EvalDocument[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const extension = extname(name).toLowerCase();
    const format = formats[extension];
    if (!format) continue;
    const id = name.slice(0, name.length - extension.length);
    const previous = seen.get(id);
    if (previous) {
      throw new UsageError(
        `Two documents have the id "${id}" (${previous} and ${name}): a document's id is its file name without the extension, so rename one of them.`,
      );
    }
    seen.set(id, name);
    const path = join(folder, name);
    documents.push({ id, path, format, content: await readFile(path, 'utf8') });
  }
  if (documents.length === 0) {
    throw new UsageError(
      `--docs ${directory} has no .md, .markdown, .html, .htm or .txt files: put one document per file there.`,
    );
  }
  return documents;
}

/**
 * Reads and validates the questions file.
 * @throws UsageError listing every bad line, or unknown gold document ids.
 */
export async function loadEvalQuestions(
  file: string,
  documentIds: ReadonlySet<string>,
): Promise<EvalQuestion[]> {
  const text = await readFile(resolve(file), 'utf8').catch(() => undefined);
  if (text === undefined) {
    throw new UsageError(`--questions ${file} cannot be read: pass an existing JSONL file.`);
  }
  let questions: EvalQuestion[];
  try {
    questions = parseEvalQuestions(text, `questions file ${file}`);
  } catch (error) {
    if (ChurnError.isInstance(error)) throw new UsageError(error.message);
    throw error;
  }
  const unknown = questions.flatMap((question) =>
    question.gold_doc_ids
      .filter((id) => !documentIds.has(id))
      .map((id) => `question ${question.id}: gold document "${id}" is not in the docs folder`),
  );
  if (unknown.length > 0) {
    throw new UsageError(
      `${unknown.join('\n')}\nGold ids are file names without the extension; fix the ids or add the documents.`,
    );
  }
  return questions;
}

/** What {@link runEvaluation} needs. */
export interface RunEvaluationOptions {
  documents: readonly EvalDocument[];
  questions: readonly EvalQuestion[];
  /** Chunks given to the answer step. Default 5. */
  topK?: number;
  /** Also rank with plain BM25 and report its figures. */
  baseline?: boolean;
  /** Overrides of the embedded pipeline (for example a real language model). */
  knowledgeBase?: Omit<KnowledgeBaseSettings, 'tenantId'>;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The retrieval metrics of a summary, without answers. */
export type RetrievalFigures = Pick<EvalSummary, 'recall@5' | 'recall@10' | 'mrr@10' | 'ndcg@10'>;

/** Everything an evaluation produced. */
export interface EvaluationReport {
  summary: EvalSummary & {
    documents: number;
    chunks: number;
    top_k: number;
    mean_confidence: number;
    escalations: number;
    pipeline: { embedder: string; reranker: string; language_model: string };
    /**
     * With `baseline`: plain BM25's figures, and how the pipeline compares with it per
     * metric (the difference, questions better and worse, a paired randomization test).
     */
    baseline?: { bm25: RetrievalFigures; comparison: RunComparison };
  };
  run: EvalRunLine[];
  baselineRun?: EvalRunLine[];
}

const evalTenant = 'eval';
/** Depth of the rankings scored by the metrics: enough chunks to fill 10 distinct documents. */
const rankingDepth = 30;

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

/**
 * Ingests the documents into a fresh in-memory knowledge base, answers every
 * question, and scores the rankings and answers. The documents are ingested as
 * text sources, and results are mapped back to file ids through the stored
 * documents' source URLs.
 */
export async function runEvaluation(options: RunEvaluationOptions): Promise<EvaluationReport> {
  const log = options.log ?? (() => {});
  const topK = options.topK ?? 5;
  const knowledgeBase: KnowledgeBase = createKnowledgeBase({
    ...options.knowledgeBase,
    tenantId: evalTenant,
  });
  // Text sources: each file becomes one document whose source URL is `raw:<file id>`.
  const sources: KnowledgeSource[] = options.documents.map((document) => ({
    type: 'text',
    id: document.id,
    content: document.content,
    format: document.format,
  }));
  const started = performance.now();
  const report = await knowledgeBase.ingest(sources);
  for (const source of report.sources) {
    for (const skipped of source.skipped) {
      log(`Skipped ${skipped.location} (${skipped.reason}): ${skipped.message}`);
    }
  }
  const fileIds = new Set(options.documents.map((document) => document.id));
  const fileIdByDocumentId = new Map<string, string>();
  const stored = await knowledgeBase.listDocuments();
  for (const document of stored) {
    const rawId = document.sourceUrl.startsWith('raw:') ? document.sourceUrl.slice(4) : undefined;
    if (rawId !== undefined && fileIds.has(rawId)) fileIdByDocumentId.set(document.id, rawId);
  }
  const fileIdOf = (documentId: string) => fileIdByDocumentId.get(documentId) ?? documentId;
  const documents = stored.length;
  const chunks = report.totals.chunksWritten;
  log(
    `Ingested ${documents} documents (${chunks} chunks) in ${Math.round(performance.now() - started)} ms.`,
  );

  const answering = performance.now();
  const run: EvalRunLine[] = [];
  const baselineRun: EvalRunLine[] = [];
  let confidenceSum = 0;
  let escalations = 0;
  for (const question of options.questions) {
    const ranking = await knowledgeBase.search(question.question, {
      topK: Math.max(rankingDepth, topK),
    });
    const { result } = await knowledgeBase.answer(question.question, {
      chunks: ranking.slice(0, topK),
    });
    const answer = await result;
    confidenceSum += answer.confidence;
    if (answer.escalate) escalations += 1;
    run.push({
      id: question.id,
      ranked_doc_ids: distinct(ranking.map((chunk) => fileIdOf(chunk.documentId))),
      answer: answer.text,
    });
    if (options.baseline) {
      const lexical = knowledgeBase.index.lexicalIndex;
      const matches = lexical.search(evalTenant, question.question, {
        topK: Math.max(rankingDepth, topK),
      });
      baselineRun.push({
        id: question.id,
        ranked_doc_ids: distinct(
          matches.flatMap((match) => {
            const chunk = lexical.get(evalTenant, match.id);
            return chunk ? [fileIdOf(chunk.documentId)] : [];
          }),
        ),
        answer: '',
      });
    }
  }
  log(
    `Answered ${options.questions.length} questions in ${Math.round(performance.now() - answering)} ms.`,
  );

  const retrievalFigures = (run: EvalRunLine[]): RetrievalFigures => {
    const summary = summarizeEvaluation(options.questions, run);
    return {
      'recall@5': summary['recall@5'],
      'recall@10': summary['recall@10'],
      'mrr@10': summary['mrr@10'],
      'ndcg@10': summary['ndcg@10'],
    };
  };
  const settings = knowledgeBase.settings;
  return {
    summary: {
      ...summarizeEvaluation(options.questions, run),
      documents,
      chunks,
      top_k: topK,
      mean_confidence:
        Math.round((confidenceSum / Math.max(1, options.questions.length)) * 1000) / 1000,
      escalations,
      pipeline: {
        embedder: `${settings.embedder.provider}/${settings.embedder.modelId}`,
        reranker: `${settings.reranker.provider}/${settings.reranker.modelId}`,
        language_model: `${settings.languageModel.provider}/${settings.languageModel.modelId}`,
      },
      ...(options.baseline
        ? {
            baseline: {
              bm25: retrievalFigures(baselineRun),
              comparison: compareRuns(options.questions, run, baselineRun),
            },
          }
        : {}),
    },
    run,
    ...(options.baseline ? { baselineRun } : {}),
  };
}

async function runEval(argv: string[], io: CliIo): Promise<number> {
  let options: EvalCommandOptions | 'help';
  let documents: EvalDocument[];
  let questions: EvalQuestion[];
  try {
    options = parseEvalArguments(argv);
    if (options === 'help') {
      io.stdout(evalUsage);
      return exitCodes.ok;
    }
    documents = await loadEvalDocuments(options.docsDir);
    questions = await loadEvalQuestions(
      options.questionsFile,
      new Set(documents.map((document) => document.id)),
    );
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr(`churn eval: ${error.message}\n`);
      return exitCodes.usage;
    }
    throw error;
  }
  try {
    const report = await runEvaluation({
      documents,
      questions,
      topK: options.topK,
      baseline: options.baseline,
      log: (line) => io.stderr(`${line}\n`),
    });
    if (options.out) {
      const path = resolve(options.out);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, report.run.map((line) => `${JSON.stringify(line)}\n`).join(''), 'utf8');
      io.stderr(`Wrote ${report.run.length} lines to ${options.out}.\n`);
    }
    io.stdout(`${JSON.stringify(report.summary, null, 2)}\n`);
    return exitCodes.ok;
  } catch (error) {
    const message = ChurnError.isInstance(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    io.stderr(`churn eval failed: ${message}\n`);
    return exitCodes.failed;
  }
}

/** `churn eval`: retrieval and answer metrics on an evaluation set. */
export const evalCommand: CliCommand = {
  name: 'eval',
  summary: 'Measure retrieval (recall, MRR, nDCG) and answers (F1) on an evaluation set.',
  run: runEval,
};
