// Classification metrics over parallel arrays of gold labels and predictions.
// Per-class precision/recall/F1 follow scikit-learn's conventions: a class that is never predicted
// (or never present) scores 0 for the undefined ratio instead of NaN, so macro averages stay finite.

export interface ClassScores {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  accuracy: number;
  macro: Omit<ClassScores, "support">;
  micro: Omit<ClassScores, "support">;
  perClass: Record<string, ClassScores>;
  /** confusion[gold][predicted] = count */
  confusion: Record<string, Record<string, number>>;
  labels: string[];
  count: number;
}

function assertParallel(gold: readonly string[], predicted: readonly string[]): void {
  if (gold.length !== predicted.length) {
    throw new RangeError(`gold has ${gold.length} labels but predictions has ${predicted.length}`);
  }
  if (gold.length === 0) throw new RangeError("no examples to score");
}

export function accuracy(gold: readonly string[], predicted: readonly string[]): number {
  assertParallel(gold, predicted);
  let hits = 0;
  for (let i = 0; i < gold.length; i++) if (gold[i] === predicted[i]) hits++;
  return hits / gold.length;
}

const ratio = (numerator: number, denominator: number) => (denominator === 0 ? 0 : numerator / denominator);
const harmonic = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));

export function classificationReport(
  gold: readonly string[],
  predicted: readonly string[],
  labels?: readonly string[],
): ClassificationReport {
  assertParallel(gold, predicted);
  const classes = labels ? [...labels] : [...new Set([...gold, ...predicted])].sort();
  const confusion: Record<string, Record<string, number>> = {};
  for (const g of classes) confusion[g] = Object.fromEntries(classes.map((p) => [p, 0]));
  for (let i = 0; i < gold.length; i++) {
    const row = confusion[gold[i] as string];
    const p = predicted[i] as string;
    if (row && p in row) row[p] = (row[p] ?? 0) + 1;
  }
  const perClass: Record<string, ClassScores> = {};
  let tpSum = 0;
  let fpSum = 0;
  let fnSum = 0;
  for (const c of classes) {
    const tp = confusion[c]?.[c] ?? 0;
    const support = classes.reduce((n, p) => n + (confusion[c]?.[p] ?? 0), 0);
    const predictedCount = classes.reduce((n, g) => n + (confusion[g]?.[c] ?? 0), 0);
    const precision = ratio(tp, predictedCount);
    const recall = ratio(tp, support);
    perClass[c] = { precision, recall, f1: harmonic(precision, recall), support };
    tpSum += tp;
    fpSum += predictedCount - tp;
    fnSum += support - tp;
  }
  const scores = Object.values(perClass);
  const mean = (key: "precision" | "recall" | "f1") => scores.reduce((s, x) => s + x[key], 0) / scores.length;
  const microP = ratio(tpSum, tpSum + fpSum);
  const microR = ratio(tpSum, tpSum + fnSum);
  return {
    accuracy: accuracy(gold, predicted),
    macro: { precision: mean("precision"), recall: mean("recall"), f1: mean("f1") },
    micro: { precision: microP, recall: microR, f1: harmonic(microP, microR) },
    perClass,
    confusion,
    labels: classes,
    count: gold.length,
  };
}

/** Macro-averaged F1, the headline number for imbalanced classification. */
export function f1(gold: readonly string[], predicted: readonly string[]): number {
  return classificationReport(gold, predicted).macro.f1;
}

/** Accuracy of always answering the most frequent gold label: the bar a classifier has to clear. */
export function majorityBaseline(gold: readonly string[]): { label: string; accuracy: number } {
  if (gold.length === 0) throw new RangeError("no examples to score");
  const counts = new Map<string, number>();
  for (const g of gold) counts.set(g, (counts.get(g) ?? 0) + 1);
  const [label, count] = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0] as [
    string,
    number,
  ];
  return { label, accuracy: count / gold.length };
}
