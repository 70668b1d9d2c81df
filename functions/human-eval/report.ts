// A study's report from its stored ratings: win rate of A over B (ties half, bootstrap over items) or
// Likert summaries (overall and per variant), and agreement between raters — Cohen's kappa when two
// raters judged, Fleiss' kappa when more did, on the items every one of them judged; for Likert
// studies also weighted kappa (linear and quadratic, on the study's scale), since a 4 against a 5 is
// closer agreement than a 1 against a 5: Cohen's for two raters, the mean over rater pairs for more.
import {
  cohensKappa,
  fleissKappaFromLabels,
  likertSummary,
  type PairwiseChoice,
  weightedKappa,
  winRate,
} from "../../evaluation/index.ts";
import type { Report, Scale, StudyConfig } from "./schemas.ts";
import type { ItemRow, RatingRow, StudyRow } from "./store.ts";

type Resampling = { samples: number; confidence: number; seed: number };

function labelOf(r: RatingRow): string {
  return r.choice ?? String(r.score);
}

/** Each rater's labels of the items every rater judged, in item order; null when there are none. */
function commonLabels<T>(ratings: readonly RatingRow[], label: (r: RatingRow) => T): T[][] | null {
  const byRater = new Map<string, Map<number, T>>();
  for (const r of ratings) {
    const m = byRater.get(r.rater) ?? new Map<number, T>();
    m.set(r.idx, label(r));
    byRater.set(r.rater, m);
  }
  const raters = [...byRater.values()];
  if (raters.length < 2) return null;
  const [first, ...rest] = raters as [Map<number, T>, ...Map<number, T>[]];
  const common = [...first.keys()].filter((idx) => rest.every((m) => m.has(idx))).sort((a, b) => a - b);
  if (common.length === 0) return null;
  return raters.map((m) => common.map((idx) => m.get(idx) as T));
}

/** Linear and quadratic weighted kappa of Likert scores on the items all raters scored. */
export function weightedAgreementOf(ratings: readonly RatingRow[], scale: Scale) {
  const byRater = commonLabels(ratings, (r) => r.score as number);
  if (!byRater) return null;
  const categories: number[] = [];
  for (let s = scale.min; s <= scale.max; s++) categories.push(s);
  const pairs: [number[], number[]][] = [];
  for (let i = 0; i < byRater.length; i++) {
    for (let j = i + 1; j < byRater.length; j++) pairs.push([byRater[i] as number[], byRater[j] as number[]]);
  }
  const mean = (weights: "linear" | "quadratic") => {
    const ks = pairs
      .map(([a, b]) => weightedKappa(a, b, { weights, categories }))
      .filter((k): k is number => k !== null);
    return ks.length === 0 ? null : ks.reduce((s, k) => s + k, 0) / ks.length;
  };
  return {
    method: byRater.length === 2 ? ("cohen" as const) : ("mean-pairwise" as const),
    linear: mean("linear"),
    quadratic: mean("quadratic"),
    items: (byRater[0] as number[]).length,
    raters: byRater.length,
  };
}

/** Cohen's (2 raters) or Fleiss' (3+) kappa over the items all raters judged; null when none can be computed. */
export function agreementOf(ratings: readonly RatingRow[], categories: readonly string[]) {
  const byRater = commonLabels(ratings, labelOf);
  if (!byRater) return null;
  if (byRater.length === 2) {
    return { method: "cohen" as const, ...cohensKappa(byRater[0] as string[], byRater[1] as string[]) };
  }
  const byItem = (byRater[0] as string[]).map((_, i) => byRater.map((r) => r[i] as string));
  return { method: "fleiss" as const, ...fleissKappaFromLabels(byItem, categories) };
}

export function buildReport(
  study: StudyRow,
  config: StudyConfig,
  items: readonly ItemRow[],
  ratings: readonly RatingRow[],
  resampling: Resampling,
): Report {
  const raters = new Set(ratings.map((r) => r.rater)).size;
  const common = { object: "human_eval_report" as const, study: study.id, items: study.item_count, raters };
  if (config.kind === "pairwise") {
    const judged = ratings.filter((r) => r.choice !== null);
    const choices = judged.map((r) => r.choice as PairwiseChoice);
    const counts = { A: 0, B: 0, tie: 0 };
    for (const c of choices) counts[c]++;
    return {
      ...common,
      kind: "pairwise",
      variants: config.variants,
      ratings: judged.length,
      counts,
      winRate:
        choices.length === 0
          ? null
          : winRate(choices, { ...resampling, groups: judged.map((r) => r.idx) }).winRate,
      agreement: agreementOf(judged, ["A", "B", "tie"]),
    };
  }
  const scored = ratings.filter((r) => r.score !== null);
  const scale: Scale = config.scale;
  const variantOf = new Map(items.map((it) => [it.idx, it.variant]));
  const summarize = (rows: readonly RatingRow[]) =>
    likertSummary(
      rows.map((r) => r.score as number),
      scale,
      { ...resampling, groups: rows.map((r) => r.idx) },
    );
  const byVariant: Record<string, ReturnType<typeof summarize>> = {};
  const variants = [...new Set(items.map((it) => it.variant).filter((v): v is string => v !== null))].sort();
  for (const v of variants) {
    const rows = scored.filter((r) => variantOf.get(r.idx) === v);
    if (rows.length > 0) byVariant[v] = summarize(rows);
  }
  const categories: string[] = [];
  for (let s = scale.min; s <= scale.max; s++) categories.push(String(s));
  return {
    ...common,
    kind: "likert",
    scale,
    ratings: scored.length,
    overall: scored.length === 0 ? null : summarize(scored),
    byVariant,
    agreement: agreementOf(scored, categories),
    weightedAgreement: weightedAgreementOf(scored, scale),
  };
}
