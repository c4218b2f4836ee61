/**
 * Contract version 1 of a re-ranker: scores (query, passage) pairs more carefully
 * than first-stage retrieval, to reorder a short candidate list.
 */
export interface RerankerV1 {
  readonly specificationVersion: 'v1';
  readonly provider: string;
  readonly modelId: string;

  /** Scores every document against the query; results sorted best first, scores in [0, 1]. */
  doRerank(options: {
    query: string;
    documents: { id: string; text: string }[];
    topN?: number;
    abortSignal?: AbortSignal;
  }): Promise<{ results: { id: string; score: number }[] }>;
}
