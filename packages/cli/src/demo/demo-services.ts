import type { KnowledgeBaseSettings } from '@churn/core';
import { ChurnError } from '@churn/core';

/** One row of the startup table: a seam and what serves it. */
export interface ServiceRow {
  seam: 'storage' | 'vectors' | 'embeddings' | 'model' | 'payments' | 'limits';
  /** `embedded` (no configuration) or `configured` (a real service from the environment). */
  mode: 'embedded' | 'configured';
  /** What it is, in words. */
  detail: string;
}

/** What {@link resolveDemoServices} found: the knowledge-base seams and the table to print. */
export interface DemoServices {
  /** The RAG seams for the chat's knowledge bases (empty: the embedded defaults). */
  knowledgeBase: Omit<KnowledgeBaseSettings, 'tenantId' | 'store'>;
  rows: ServiceRow[];
  /** Warnings to print (a variable set but not usable). */
  warnings: string[];
}

type Environment = Readonly<Record<string, string | undefined>>;

function hostOf(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}${parsed.port ? `:${parsed.port}` : ''}${parsed.pathname === '/' ? '' : parsed.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

/**
 * `OPENAI_EMBEDDING_DIMENSIONS`: the vector size of the embeddings model, for one that is not
 * `text-embedding-3-small` (1536), like a local model behind an OpenAI-compatible server
 * (Ollama's `nomic-embed-text`: 768). Undefined when unset.
 */
function embeddingDimensions(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const dimensions = Number(value);
  if (!Number.isInteger(dimensions) || dimensions < 1 || dimensions > 20_000) {
    throw new ChurnError(
      'configuration',
      `OPENAI_EMBEDDING_DIMENSIONS must be the embeddings model's vector size, a whole number like 1536 or 768, got "${value}".`,
    );
  }
  return dimensions;
}

/**
 * Reads the environment and builds the real adapters that are configured (OpenAI for the
 * language model and embeddings, Pinecone for vectors), falling back to the embedded
 * defaults. The vendor SDKs are optional peer dependencies of `@churn/core`: when one is not
 * installed, the seam stays embedded and a warning says how to install it.
 *
 * Variables: `DATABASE_URL`, `OPENAI_API_KEY` (+ `OPENAI_BASE_URL`, `OPENAI_MODEL`,
 * `OPENAI_EMBEDDING_MODEL`, `OPENAI_EMBEDDING_DIMENSIONS`), `PINECONE_API_KEY` +
 * `PINECONE_INDEX_HOST`; `STRIPE_SECRET_KEY`
 * and `REDIS_URL` are read by the handler itself and only reported here.
 */
export async function resolveDemoServices(
  env: Environment,
  dataDir: string,
): Promise<DemoServices> {
  const rows: ServiceRow[] = [];
  const warnings: string[] = [];
  const knowledgeBase: DemoServices['knowledgeBase'] = {};

  rows.push(
    env.DATABASE_URL
      ? {
          seam: 'storage',
          mode: 'configured',
          detail: `PostgreSQL at ${hostOf(env.DATABASE_URL)} (DATABASE_URL)`,
        }
      : { seam: 'storage', mode: 'embedded', detail: `PGlite in ${dataDir}/data` },
  );

  let openAIReady = false;
  if (env.OPENAI_API_KEY) {
    // A bad value stops the start with what to fix (not a fallback to the embedded defaults).
    const dimensions = embeddingDimensions(env.OPENAI_EMBEDDING_DIMENSIONS);
    try {
      const openai = await import('@churn/core/openai');
      const common = {
        apiKey: env.OPENAI_API_KEY,
        ...(env.OPENAI_BASE_URL ? { baseURL: env.OPENAI_BASE_URL } : {}),
      };
      knowledgeBase.embedder = openai.createOpenAIEmbeddingModel({
        ...common,
        ...(env.OPENAI_EMBEDDING_MODEL ? { model: env.OPENAI_EMBEDDING_MODEL } : {}),
        ...(dimensions === undefined ? {} : { dimensions }),
      });
      knowledgeBase.languageModel = openai.createOpenAILanguageModel({
        ...common,
        ...(env.OPENAI_MODEL ? { model: env.OPENAI_MODEL } : {}),
      });
      openAIReady = true;
    } catch (error) {
      warnings.push(
        `OPENAI_API_KEY is set but the OpenAI adapter could not load (${(error as Error).message}): install it with \`npm install openai\`. Using the embedded defaults.`,
      );
    }
  }
  const where = env.OPENAI_BASE_URL ? ` at ${hostOf(env.OPENAI_BASE_URL)}` : '';
  rows.push(
    openAIReady
      ? {
          seam: 'embeddings',
          mode: 'configured',
          detail: `OpenAI ${knowledgeBase.embedder?.modelId ?? 'text-embedding-3-small'}${where} (OPENAI_API_KEY)`,
        }
      : { seam: 'embeddings', mode: 'embedded', detail: 'offline embedder (lexical features)' },
    openAIReady
      ? {
          seam: 'model',
          mode: 'configured',
          detail: `OpenAI ${env.OPENAI_MODEL ?? 'gpt-4o-mini'}${where} (OPENAI_API_KEY)`,
        }
      : {
          seam: 'model',
          mode: 'embedded',
          detail: 'offline responder (extractive answers with citations)',
        },
  );

  let pineconeReady = false;
  if (env.PINECONE_API_KEY && env.PINECONE_INDEX_HOST) {
    try {
      const pinecone = await import('@churn/core/pinecone');
      knowledgeBase.vectorStore = pinecone.createPineconeVectorStore({
        apiKey: env.PINECONE_API_KEY,
        indexHost: env.PINECONE_INDEX_HOST,
        ...(knowledgeBase.embedder ? { dimensions: knowledgeBase.embedder.dimensions } : {}),
      });
      pineconeReady = true;
    } catch (error) {
      warnings.push(
        `PINECONE_API_KEY is set but the Pinecone adapter could not load (${(error as Error).message}): install it with \`npm install @pinecone-database/pinecone\`. Using the in-process index.`,
      );
    }
  } else if (env.PINECONE_API_KEY || env.PINECONE_INDEX_HOST) {
    warnings.push(
      'Pinecone needs both PINECONE_API_KEY and PINECONE_INDEX_HOST: using the in-process index.',
    );
  }
  rows.push(
    pineconeReady
      ? {
          seam: 'vectors',
          mode: 'configured',
          detail: `Pinecone at ${hostOf(env.PINECONE_INDEX_HOST?.includes('://') ? env.PINECONE_INDEX_HOST : `https://${env.PINECONE_INDEX_HOST}`)} (PINECONE_API_KEY)`,
        }
      : {
          seam: 'vectors',
          mode: 'embedded',
          detail: 'in-process index (BM25 + vectors) loaded from storage',
        },
  );

  // The handler reads these itself: Stripe for payment recovery, Redis for rate limits.
  rows.push(
    env.STRIPE_SECRET_KEY
      ? {
          seam: 'payments',
          mode: 'configured',
          detail: `Stripe${env.STRIPE_API_BASE ? ` at ${hostOf(env.STRIPE_API_BASE)}` : ''} (STRIPE_SECRET_KEY${env.STRIPE_WEBHOOK_SECRET ? ', STRIPE_WEBHOOK_SECRET' : ''})`,
        }
      : { seam: 'payments', mode: 'embedded', detail: 'sandbox (Stripe test cards)' },
    env.REDIS_URL
      ? {
          seam: 'limits',
          mode: 'configured',
          detail: `Redis at ${hostOf(env.REDIS_URL)} (REDIS_URL)`,
        }
      : { seam: 'limits', mode: 'embedded', detail: 'in-process rate limits, quotas in storage' },
  );
  const order: ServiceRow['seam'][] = [
    'storage',
    'vectors',
    'embeddings',
    'model',
    'payments',
    'limits',
  ];
  rows.sort((a, b) => order.indexOf(a.seam) - order.indexOf(b.seam));
  return { knowledgeBase, rows, warnings };
}

/** The startup table: one line per seam, `embedded` or `configured`, and what it is. */
export function formatServiceTable(rows: readonly ServiceRow[]): string {
  const width = Math.max(...rows.map((row) => row.seam.length));
  return rows
    .map((row) => `  ${row.seam.padEnd(width)}  ${row.mode.padEnd(10)}  ${row.detail}`)
    .join('\n');
}
