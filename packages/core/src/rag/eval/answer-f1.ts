/**
 * SQuAD-style answer normalisation: lowercase, punctuation removed, the
 * articles "a", "an" and "the" removed, whitespace collapsed.
 */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]/gu, ' ')
    .replace(/\b(a|an|the)\b/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * SQuAD-style token F1 of a predicted answer against a gold answer, after
 * {@link normalizeAnswer}: harmonic mean of token precision and recall, where
 * shared tokens are counted with multiplicity. When either side is empty the
 * score is 1 if both are, else 0. Citation markers like `[1]` are dropped from
 * the prediction first.
 */
export function answerF1(prediction: string, gold: string): number {
  const predicted = normalizeAnswer(prediction.replace(/\[\d+(?:\s*,\s*\d+)*\]/g, ' '))
    .split(' ')
    .filter(Boolean);
  const expected = normalizeAnswer(gold).split(' ').filter(Boolean);
  if (predicted.length === 0 || expected.length === 0) {
    return predicted.length === expected.length ? 1 : 0;
  }
  const counts = new Map<string, number>();
  for (const token of expected) counts.set(token, (counts.get(token) ?? 0) + 1);
  let shared = 0;
  for (const token of predicted) {
    const left = counts.get(token) ?? 0;
    if (left > 0) {
      shared += 1;
      counts.set(token, left - 1);
    }
  }
  if (shared === 0) return 0;
  const precision = shared / predicted.length;
  const recall = shared / expected.length;
  return (2 * precision * recall) / (precision + recall);
}
