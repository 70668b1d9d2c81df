import { describe, expect, it } from "vitest";
import { corpusBleu, referencesFromStreams, sentenceBleu } from "./bleu.ts";
import { bleuOptionsFrom, loadFixtures, mismatches } from "./fixtures/reference.ts";

const fx = loadFixtures();
const hyps = fx.cases.map((c) => c.hypothesis);
const refs = fx.cases.map((c) => c.references);

describe("BLEU matches sacreBLEU", () => {
  it("sentence BLEU on every fixture case under every tokenizer/smoothing setting, to 1e-9", () => {
    const bad: string[] = [];
    for (const { config, scores } of fx.bleu.sentence) {
      const o = bleuOptionsFrom(config);
      const got = fx.cases.map((c) => sentenceBleu(c.hypothesis, c.references, o));
      const label = JSON.stringify(config);
      bad.push(
        ...mismatches(
          `${label} score`,
          got.map((g) => g.score),
          scores.map((s) => s.score),
          1e-9,
        ),
      );
      bad.push(
        ...mismatches(
          `${label} bp`,
          got.map((g) => g.bp),
          scores.map((s) => s.bp),
          1e-9,
        ),
      );
      got.forEach((g, i) => {
        const s = scores[i];
        if (
          g.sysLen !== s?.sysLen ||
          g.refLen !== s.refLen ||
          JSON.stringify(g.counts) !== JSON.stringify(s.counts) ||
          JSON.stringify(g.totals) !== JSON.stringify(s.totals)
        ) {
          bad.push(
            `${label} stats[${i}]: got ${JSON.stringify([g.sysLen, g.refLen, g.counts, g.totals])}, want ${JSON.stringify([s?.sysLen, s?.refLen, s?.counts, s?.totals])}`,
          );
        }
      });
    }
    expect(bad.slice(0, 10)).toEqual([]);
    // the fixture is varied enough to exercise the metric: not all zeros, not all perfect
    const defaults = fx.bleu.sentence[0]?.scores.map((s) => s.score) ?? [];
    expect(defaults.filter((s) => s > 0 && s < 100).length).toBeGreaterThan(200);
  });

  it("corpus BLEU, its signature and sacreBLEU's one-line report", () => {
    for (const ref of fx.bleu.corpus) {
      const r = ref.config.firstReferenceOnly ? refs.map((x) => [x[0] as string]) : refs;
      const got = corpusBleu(hyps, r, bleuOptionsFrom(ref.config));
      expect(
        mismatches(
          JSON.stringify(ref.config),
          [got.score, got.bp, ...got.precisions],
          [ref.score, ref.bp, ...ref.precisions],
          1e-9,
        ),
      ).toEqual([]);
      expect([got.sysLen, got.refLen, got.counts, got.totals]).toEqual([
        ref.sysLen,
        ref.refLen,
        ref.counts,
        ref.totals,
      ]);
      expect(got.signature).toBe(ref.signature);
      expect(got.shortSignature).toBe(ref.shortSignature);
      expect(got.formatted).toBe(ref.formatted);
    }
  });

  it("sacreBLEU's stream layout converts to per-hypothesis references", () => {
    expect(
      referencesFromStreams([
        ["a1", "b1"],
        ["a2", null],
      ]),
    ).toEqual([["a1", "a2"], ["b1"]]);
  });

  it("refuses mismatched inputs with a clear message", () => {
    expect(() => corpusBleu(["a", "b"], [["a"]])).toThrow(/2 hypotheses but 1 reference lists/);
    expect(() => sentenceBleu("a", [])).toThrow(/no references/);
    expect(() => corpusBleu(["a"], [["a"]], { smoothMethod: "bogus" as "exp" })).toThrow();
  });
});
