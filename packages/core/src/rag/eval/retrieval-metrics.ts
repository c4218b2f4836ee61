/**
 * Retrieval metrics over one ranked list of document ids and the set of gold
 * (relevant) document ids, with binary relevance. Duplicates in the ranking
 * count once, at their first position. Each returns a value in [0, 1].
 */

function distinct(ranked: readonly string[]): string[] {
  return [...new Set(ranked)];
}

/** Share of the gold documents found in the first `k` results. 0 when there is no gold document. */
export function recallAtK(ranked: readonly string[], gold: readonly string[], k: number): number {
  const relevant = new Set(gold);
  if (relevant.size === 0) return 0;
  const found = distinct(ranked)
    .slice(0, k)
    .filter((id) => relevant.has(id)).length;
  return found / relevant.size;
}

/** 1 / position of the first gold document within the first `k` results, else 0. */
export function reciprocalRankAtK(
  ranked: readonly string[],
  gold: readonly string[],
  k: number,
): number {
  const relevant = new Set(gold);
  const position = distinct(ranked)
    .slice(0, k)
    .findIndex((id) => relevant.has(id));
  return position === -1 ? 0 : 1 / (position + 1);
}

/**
 * Normalised discounted cumulative gain at `k` with binary relevance:
 * `DCG = Σ rel_i / log2(i + 1)` over positions `i = 1..k`, divided by the DCG
 * of the ideal ranking (every gold document first).
 */
export function ndcgAtK(ranked: readonly string[], gold: readonly string[], k: number): number {
  const relevant = new Set(gold);
  if (relevant.size === 0) return 0;
  let dcg = 0;
  distinct(ranked)
    .slice(0, k)
    .forEach((id, index) => {
      if (relevant.has(id)) dcg += 1 / Math.log2(index + 2);
    });
  let ideal = 0;
  for (let index = 0; index < Math.min(k, relevant.size); index++)
    ideal += 1 / Math.log2(index + 2);
  return dcg / ideal;
}
