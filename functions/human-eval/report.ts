// A study's report from its stored ratings: win rate of A over B (ties half, bootstrap over items) or
// Likert summaries (overall and per variant), and agreement between raters — Cohen's kappa when two
// raters judged, Fleiss' kappa when more did, on the items every one of them judged.
import {
  cohensKappa,
  fleissKappaFromLabels,
  type Kappa,
  likertSummary,
  type PairwiseChoice,
  winRate,
} from "../../evaluation/index.ts";
import type { Report, Scale, StudyConfig } from "./schemas.ts";
import type { ItemRow, RatingRow, StudyRow } from "./store.ts";

type Resampling = { samples: number; confidence: number; seed: number };

function labelOf(r: RatingRow): string {
  return r.choice ?? String(r.score);
}

/** Cohen's (2 raters) or Fleiss' (3+) kappa over the items all raters judged; null when none can be computed. */
export function agreementOf(ratings: readonly RatingRow[], categories: readonly string[]) {
  const byRater = new Map<string, Map<number, string>>();
  for (const r of ratings) {
    const m = byRater.get(r.rater) ?? new Map<number, string>();
    m.set(r.idx, labelOf(r));
    byRater.set(r.rater, m);
  }
  const raters = [...byRater.values()];
  if (raters.length < 2) return null;
  const [first, ...rest] = raters as [Map<number, string>, ...Map<number, string>[]];
  const common = [...first.keys()].filter((idx) => rest.every((m) => m.has(idx))).sort((a, b) => a - b);
  if (common.length === 0) return null;
  const labels = common.map((idx) => raters.map((m) => m.get(idx) as string));
  let k: Kappa;
  let method: "cohen" | "fleiss";
  if (raters.length === 2) {
    k = cohensKappa(
      labels.map((l) => l[0] as string),
      labels.map((l) => l[1] as string),
    );
    method = "cohen";
  } else {
    k = fleissKappaFromLabels(labels, categories);
    method = "fleiss";
  }
  return { method, ...k };
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
  };
}
