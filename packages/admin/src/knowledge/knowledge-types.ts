/** A document of `GET /api/knowledge/documents`. */
export interface KnowledgeDocument {
  id: string;
  title: string;
  sourceUrl?: string | null;
  docType?: string | null;
  category?: string | null;
  chunkCount: number;
  tokenCount: number;
  lastUpdated?: string | null;
  scrapedAt?: string | null;
}

/** A chunk of `GET /api/knowledge/documents/{id}`. */
export interface KnowledgeChunk {
  id: string;
  index: number;
  headingPath?: string[] | string | null;
  content: string;
  tokenCount: number;
}

/** An ingestion job of `GET /api/knowledge/jobs`. */
export interface KnowledgeJob {
  id: string;
  status: 'queued' | 'running' | 'succeeded' | 'failed';
  source: { kind: string; url?: string; files?: { name: string }[] } & Record<string, unknown>;
  progress: { pagesSeen: number; documentsWritten: number; skipped: number; total?: number | null };
  report?: unknown[];
  /** How many times an instance started the job (more than 1: it was resumed). */
  attempts?: number;
  startedAt?: string | null;
  finishedAt?: string | null;
  error?: string | { message?: string } | null;
}

/** What `POST /api/knowledge/ask` answers. */
export interface AskResult {
  answer: string;
  confidence: number;
  citations: { title?: string; url?: string; documentId?: string }[];
  retrieved: {
    chunkId: string;
    documentId: string;
    title: string;
    headingPath?: string[] | string | null;
    content: string;
    score: number;
    scores: { vector?: number; keyword?: number; rerank?: number };
  }[];
}

export function headingText(path: KnowledgeChunk['headingPath']): string {
  if (!path) return '';
  return Array.isArray(path) ? path.join(' › ') : path;
}
