import { describe, expect, it } from "vitest";
import { perplexity, perplexityFromLogits, tokenLossesFromLogits } from "./perplexity.ts";

describe("perplexity", () => {
  it("is exp of the mean token loss, pooled over sequences", () => {
    expect(perplexity([Math.log(4), Math.log(4)])).toBeCloseTo(4, 12);
    // pooled: (log2 + log8 + log8) / 3 = log 4·… = exp(mean)
    expect(perplexity([[Math.log(2)], [Math.log(8), Math.log(8)]])).toBeCloseTo(
      Math.exp((Math.log(2) + 2 * Math.log(8)) / 3),
      12,
    );
  });

  it("a uniform model over V tokens has perplexity V", () => {
    const V = 7;
    const logits = new Float32Array(3 * V).fill(0.25);
    expect(perplexityFromLogits(logits, V, [0, 3, 6])).toBeCloseTo(V, 5);
  });

  it("cross-entropy from logits matches the hand-worked log-softmax and skips ignored positions", () => {
    // row [0, ln 3]: p(1) = 3/4, so loss = −ln(3/4)
    const losses = tokenLossesFromLogits([0, Math.log(3), 5, 5], 2, [1, -100]);
    expect(losses).toHaveLength(1);
    expect(losses[0]).toBeCloseTo(-Math.log(3 / 4), 12);
    // large logits stay finite (log-sum-exp with the max subtracted)
    expect(tokenLossesFromLogits([1000, 0], 2, [0])[0]).toBeCloseTo(0, 12);
  });

  it("refuses what is not a loss", () => {
    expect(() => perplexity([])).toThrow(/no tokens/);
    expect(() => perplexity([-1])).toThrow(/negative log-likelihood/);
    expect(() => perplexity([Number.NaN])).toThrow(/finite/);
    expect(() => tokenLossesFromLogits([0, 0], 2, [2])).toThrow(/outside the vocabulary/);
    expect(() => tokenLossesFromLogits([0, 0, 0], 2, [1])).toThrow(/want 1 × 2/);
  });
});
