// Weighted Cohen's kappa for ordinal ratings (Likert scores): disagreements cost by how far apart
// the two scores are on the scale, |i − j| (linear) or (i − j)² (quadratic), where i and j are the
// scores' positions among the categories. Computed as scikit-learn's cohen_kappa_score(weights=…):
// κ = 1 − Σ w·observed / Σ w·expected. Pure TypeScript, no Node APIs (the Worker's report uses it).

export type KappaWeights = "linear" | "quadratic";

export interface WeightedKappaOptions {
  weights: KappaWeights;
  /**
   * The ordered categories (usually every value of the scale, so distances are scale steps). By
   * default the scores seen, sorted, as scikit-learn's default labels.
   */
  categories?: readonly number[];
}

/**
 * Weighted kappa of two raters' scores of the same items (`a[i]`, `b[i]` score item i); null where
 * it is undefined (all the expected weight on the diagonal, e.g. both raters always gave one score).
 */
export function weightedKappa(
  a: readonly number[],
  b: readonly number[],
  options: WeightedKappaOptions,
): number | null {
  if (a.length !== b.length) throw new RangeError(`rater 1 scored ${a.length} items, rater 2 ${b.length}`);
  if (a.length === 0) throw new RangeError("no items");
  if (options.weights !== "linear" && options.weights !== "quadratic") {
    throw new RangeError(`weights must be "linear" or "quadratic", got ${JSON.stringify(options.weights)}`);
  }
  const cats = options.categories ?? [...new Set([...a, ...b])].sort((x, y) => x - y);
  const index = new Map(cats.map((c, i) => [c, i]));
  if (index.size !== cats.length) throw new RangeError("categories must be distinct");
  const k = cats.length;
  const confusion = new Float64Array(k * k);
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  for (let n = 0; n < a.length; n++) {
    const i = index.get(a[n] as number);
    const j = index.get(b[n] as number);
    if (i === undefined || j === undefined) {
      throw new RangeError(`item ${n}: score ${i === undefined ? a[n] : b[n]} is not one of the categories`);
    }
    confusion[i * k + j] = (confusion[i * k + j] as number) + 1;
    rows[i] = (rows[i] as number) + 1;
    cols[j] = (cols[j] as number) + 1;
  }
  const total = a.length;
  const weight =
    options.weights === "linear"
      ? (i: number, j: number) => Math.abs(i - j)
      : (i: number, j: number) => (i - j) ** 2;
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const w = weight(i, j);
      observed += w * (confusion[i * k + j] as number);
      expected += w * (((cols[i] as number) * (rows[j] as number)) / total);
    }
  }
  return expected === 0 ? null : 1 - observed / expected;
}
