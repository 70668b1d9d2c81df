import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadFixtures, mismatches, type ReferenceCase } from "./fixtures/reference.ts";
import { rouge, rougeScore, rougeTokenize } from "./rouge.ts";

const fx = loadFixtures();
const TYPES = ["rouge1", "rouge2", "rougeL", "rougeLsum"] as const;
/** rouge-score with split_summaries=True (evaluation/fixtures/make_punkt_fixtures.py). */
const split = (
  JSON.parse(readFileSync(new URL("./fixtures/punkt.json", import.meta.url), "utf8")) as {
    rougeSplitSummaries: { cases: ReferenceCase[]; runs: (typeof fx.rouge)[number][] };
  }
).rougeSplitSummaries;

/** Every precision, recall and F of ours that differs from rouge-score's recorded `run` by over 1e-9. */
function disagreements(
  cases: readonly ReferenceCase[],
  run: (typeof fx.rouge)[number],
  options: { splitSummaries?: boolean },
): string[] {
  return cases.flatMap((c, i) => {
    const got = rougeScore(c.hypothesis, c.references, { useStemmer: run.useStemmer, ...options });
    return TYPES.flatMap((t) => {
      const g = got[t];
      return mismatches(
        `case ${i} ${t}`,
        [g?.precision ?? -1, g?.recall ?? -1, g?.fmeasure ?? -1],
        run.scores[i]?.[t] ?? [],
        1e-9,
      );
    });
  });
}

describe("ROUGE matches rouge-score", () => {
  for (const run of fx.rouge) {
    it(`rouge1/2/L/Lsum precision, recall and F on every case (best of several references), stemmer ${run.useStemmer}`, () => {
      expect(disagreements(fx.cases, run, {}).slice(0, 10)).toEqual([]);
    });
  }

  for (const run of split.runs) {
    it(`split_summaries (NLTK's English Punkt): rouge1/2/L/Lsum on every case, stemmer ${run.useStemmer}`, () => {
      expect(disagreements(split.cases, run, { splitSummaries: true }).slice(0, 10)).toEqual([]);
      expect(split.cases.length).toBeGreaterThan(400);
    });
  }

  it("split_summaries changes rougeLsum on the fixture (sentences are not lines there)", () => {
    const lines = fx.rouge[0]?.scores ?? [];
    const sentences = split.runs[0]?.scores ?? [];
    const differ = lines.filter((s, i) => s.rougeLsum[2] !== sentences[i]?.rougeLsum[2]).length;
    expect(differ).toBeGreaterThan(20);
  });

  it("the stemmer changes scores on the fixture (so both runs test something different)", () => {
    const [plain, stemmed] = fx.rouge;
    const differ = plain?.scores.filter((s, i) => s.rouge1[2] !== stemmed?.scores[i]?.rouge1[2]).length ?? 0;
    expect(differ).toBeGreaterThan(20);
  });

  it("tokenizes as rouge-score: lowercase ASCII alphanumerics only, stems only words over 3 letters", () => {
    expect(rougeTokenize("The Café's 3.14 running-dogs!")).toEqual([
      "the",
      "caf",
      "s",
      "3",
      "14",
      "running",
      "dogs",
    ]);
    expect(rougeTokenize("The runs running dogs", true)).toEqual(["the", "run", "run", "dog"]);
  });

  it("split_summaries splits sentences for rougeLsum (NLTK's Punkt by default)", () => {
    const one = rougeScore("A b. C d.", "A b. C d.", { rougeTypes: ["rougeLsum"] }).rougeLsum;
    const split = rougeScore("C d. A b.", "A b. C d.", {
      rougeTypes: ["rougeLsum"],
      splitSummaries: true,
    }).rougeLsum;
    const unsplit = rougeScore("C d. A b.", "A b. C d.", { rougeTypes: ["rougeLsum"] }).rougeLsum;
    expect(one?.fmeasure).toBe(1);
    expect(split?.fmeasure).toBe(1); // sentence order does not matter once split
    expect(unsplit?.fmeasure).toBe(0.5);
  });

  it("corpus mean and clear errors", () => {
    const r = rouge(["a b", "c d"], [["a b"], ["x y"]], { rougeTypes: ["rouge1"] });
    expect(r.rouge1?.fmeasure).toBe(0.5);
    expect(() => rouge(["a"], [])).toThrow(/1 predictions but 0 reference lists/);
    expect(() => rougeScore("a", "a", { rougeTypes: ["rougeX"] })).toThrow();
  });
});
