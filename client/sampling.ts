// Choosing the next token from a language model's logits: greedy, or sampling after temperature,
// top-k and top-p, the warpers transformers applies, in its order and with its tie and keep-one rules,
// so a request means here what it means in transformers. The random source is seeded so that a
// caller can reproduce a sample; it is a 32-bit splitmix (a few lines, no dependency) because
// Math.random cannot be seeded and nothing here needs cryptographic randomness.

export interface SamplingOptions {
  /** Divides the logits before sampling; 0 means greedy (the limit as it goes to 0). */
  temperature?: number;
  /** Keep only the k most likely tokens (ties with the k-th kept, as in transformers). */
  topK?: number;
  /** Keep the smallest set of most likely tokens whose probability reaches p. */
  topP?: number;
}

/** A seeded source of uniform numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    return (z >>> 0) / 4294967296;
  };
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < logits.length; i++) if ((logits[i] as number) > (logits[best] as number)) best = i;
  return best;
}

/** Indices kept by transformers' TopKLogitsWarper: every logit at least the k-th largest. */
export function topKIndices(logits: ArrayLike<number>, k: number): number[] {
  const all = Array.from({ length: logits.length }, (_, i) => i);
  if (k >= logits.length) return all;
  const threshold = Array.from(logits).sort((a, b) => b - a)[Math.max(1, k) - 1] as number;
  return all.filter((i) => (logits[i] as number) >= threshold);
}

function softmaxOver(logits: ArrayLike<number>, indices: readonly number[]): number[] {
  let max = Number.NEGATIVE_INFINITY;
  for (const i of indices) max = Math.max(max, logits[i] as number);
  const exps = indices.map((i) => Math.exp((logits[i] as number) - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Indices kept by transformers' TopPLogitsWarper among `indices`: sorted ascending, a token goes
 * while the probability mass up to and including it is at most 1 - p; the most likely always stays.
 */
export function topPIndices(logits: ArrayLike<number>, p: number, indices?: readonly number[]): number[] {
  const pool = indices ?? Array.from({ length: logits.length }, (_, i) => i);
  const ascending = [...pool].sort((a, b) => (logits[a] as number) - (logits[b] as number));
  const probs = softmaxOver(logits, ascending);
  let cumulative = 0;
  const kept: number[] = [];
  ascending.forEach((index, rank) => {
    cumulative += probs[rank] as number;
    if (cumulative > 1 - p || rank === ascending.length - 1) kept.push(index);
  });
  return kept.sort((a, b) => a - b);
}

/** The next token: greedy without sampling options or at temperature 0, else a seeded sample. */
export function nextToken(
  logits: ArrayLike<number>,
  options: SamplingOptions | undefined,
  random: () => number,
): number {
  if (!options || options.temperature === 0) return argmax(logits);
  const temperature = options.temperature ?? 1;
  const scaled = Float64Array.from(logits, (x) => x / temperature);
  let pool = options.topK === undefined ? undefined : topKIndices(scaled, options.topK);
  if (options.topP !== undefined && options.topP < 1) pool = topPIndices(scaled, options.topP, pool);
  const indices = pool ?? Array.from({ length: scaled.length }, (_, i) => i);
  const probs = softmaxOver(scaled, indices);
  let u = random();
  for (let j = 0; j < indices.length; j++) {
    u -= probs[j] as number;
    if (u < 0) return indices[j] as number;
  }
  return indices[indices.length - 1] as number;
}
