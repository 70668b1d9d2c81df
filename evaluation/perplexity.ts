// Perplexity of a language model: exp of the mean negative log-likelihood per token (natural
// log), from per-token losses (as a trainer reports them) or from raw logits and targets.
// Pure TypeScript, no Node APIs.

function assertFinite(x: number, what: string): void {
  if (!Number.isFinite(x)) throw new RangeError(`${what} is not a finite number: ${x}`);
}

/**
 * Perplexity from per-token negative log-likelihoods (nats). Several sequences are pooled
 * token by token (corpus perplexity), not averaged per sequence.
 */
export function perplexity(tokenLosses: readonly number[] | readonly (readonly number[])[]): number {
  let sum = 0;
  let count = 0;
  for (const item of tokenLosses) {
    for (const loss of typeof item === "number" ? [item] : item) {
      assertFinite(loss, "token loss");
      if (loss < 0) throw new RangeError(`token loss must be a negative log-likelihood (≥ 0), got ${loss}`);
      sum += loss;
      count++;
    }
  }
  if (count === 0) throw new RangeError("no tokens to score");
  return Math.exp(sum / count);
}

/**
 * Per-token cross-entropy from logits laid out row by row ([positions × vocabSize]), where row t
 * scores targets[t] (already shifted, as a causal LM's labels are). Positions whose target is
 * `ignoreIndex` (−100, as in PyTorch) are skipped.
 */
export function tokenLossesFromLogits(
  logits: ArrayLike<number>,
  vocabSize: number,
  targets: readonly number[],
  ignoreIndex = -100,
): number[] {
  if (!Number.isInteger(vocabSize) || vocabSize <= 0)
    throw new RangeError(`vocabSize must be a positive integer`);
  if (logits.length !== targets.length * vocabSize) {
    throw new RangeError(`logits hold ${logits.length} values, want ${targets.length} × ${vocabSize}`);
  }
  const losses: number[] = [];
  targets.forEach((target, t) => {
    if (target === ignoreIndex) return;
    if (!Number.isInteger(target) || target < 0 || target >= vocabSize) {
      throw new RangeError(
        `target ${target} at position ${t} is outside the vocabulary (0..${vocabSize - 1})`,
      );
    }
    const base = t * vocabSize;
    let max = -Infinity;
    for (let v = 0; v < vocabSize; v++) max = Math.max(max, logits[base + v] as number);
    let sumExp = 0;
    for (let v = 0; v < vocabSize; v++) sumExp += Math.exp((logits[base + v] as number) - max);
    losses.push(max + Math.log(sumExp) - (logits[base + target] as number));
  });
  return losses;
}

/** Perplexity straight from logits and targets (see tokenLossesFromLogits). */
export function perplexityFromLogits(
  logits: ArrayLike<number>,
  vocabSize: number,
  targets: readonly number[],
  ignoreIndex = -100,
): number {
  return perplexity(tokenLossesFromLogits(logits, vocabSize, targets, ignoreIndex));
}
