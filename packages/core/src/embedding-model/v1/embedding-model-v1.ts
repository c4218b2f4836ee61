/**
 * Contract version 1 of an embedding model: turns texts into vectors.
 *
 * Implementations: `createOpenAIEmbeddingModel` (OpenAI `text-embedding-3-small`,
 * 1536 dimensions) and `createOfflineEmbeddingModel` (no network, no key).
 * Every implementation passes the embedding-model conformance suite.
 */
export interface EmbeddingModelV1 {
  readonly specificationVersion: 'v1';
  /** Who serves the model, for logs: `openai`, `offline`. */
  readonly provider: string;
  readonly modelId: string;
  /** Length of every vector this model returns. */
  readonly dimensions: number;
  /** Most texts one `doEmbed` call accepts; callers batch above it. */
  readonly maxEmbeddingsPerCall: number;

  /**
   * Embeds `values` and returns one vector per value, in the same order.
   * Vectors are unit length, so a dot product is the cosine similarity.
   * The `do` prefix marks it as the provider side: application code goes through
   * the RAG client, which batches, retries and records usage.
   */
  doEmbed(options: EmbeddingModelV1CallOptions): Promise<EmbeddingModelV1Result>;
}

export interface EmbeddingModelV1CallOptions {
  values: string[];
  /** `query` for a question, `document` for a chunk: some models embed them differently. */
  purpose?: 'query' | 'document';
  abortSignal?: AbortSignal;
}

export interface EmbeddingModelV1Result {
  embeddings: number[][];
  usage?: { tokens: number };
}
