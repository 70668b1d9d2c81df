import { describe, expect, it } from "vitest";
import * as evaluation from "./index.ts";

describe("the evaluation library face", () => {
  it("exports the metrics the API, runner and CLI use, taking plain strings and arrays", () => {
    const hyps = ["the cat sat on the mat", "a dog barked"];
    const refs = ["the cat sat on the mat", ["the dog barked", "a hound barked"]];
    expect(evaluation.bleu(hyps, refs).score).toBeGreaterThan(50);
    expect(evaluation.bleu(hyps, refs).signature).toBe(
      "nrefs:var|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0",
    );
    expect(evaluation.chrf(hyps, refs).score).toBeGreaterThan(50);
    expect(evaluation.rouge(hyps, refs).rougeL?.fmeasure).toBeGreaterThan(0.8);
    expect(evaluation.meteor(hyps, refs)).toBeGreaterThan(0.8);
    expect(evaluation.accuracy(["a", "b"], ["a", "a"])).toBe(0.5);
    expect(evaluation.f1(["a", "b"], ["a", "b"])).toBe(1);
    expect(evaluation.perplexity([Math.log(3)])).toBeCloseTo(3, 12);
  });

  it("a perfect corpus scores 100 and an unrelated one scores 0", () => {
    expect(evaluation.bleu(["x y z w"], ["x y z w"]).score).toBeCloseTo(100, 9);
    expect(evaluation.bleu(["x y z w"], ["a b c d"]).score).toBe(0);
  });
});
