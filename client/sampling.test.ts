import { describe, expect, it } from "vitest";
import expected from "../functions/inference/fixtures/tiny-gpt2/expected.json";
import { argmax, nextToken, seededRandom, topKIndices, topPIndices } from "./sampling.ts";

const { logits, topK, topP } = expected.warpers;

describe("next-token choice", () => {
  it("keeps the tokens transformers' TopK and TopP warpers keep", () => {
    for (const [k, kept] of Object.entries(topK)) expect(topKIndices(logits, Number(k))).toEqual(kept);
    for (const [p, kept] of Object.entries(topP)) expect(topPIndices(logits, Number(p))).toEqual(kept);
  });

  it("samples only among the kept tokens, in proportion to their probabilities", () => {
    const random = seededRandom(7);
    const counts = new Map<number, number>();
    const draws = 4000;
    for (let i = 0; i < draws; i++) {
      const t = nextToken(logits, { topK: 3 }, random);
      counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(topK["3"]);
    // softmax over the kept logits 2, 3, 2.5: token 3 has probability 0.506
    const share = (counts.get(3) ?? 0) / draws;
    expect(Math.abs(share - Math.exp(3) / (Math.exp(2) + Math.exp(3) + Math.exp(2.5)))).toBeLessThan(0.03);
  });

  it("is greedy at temperature 0, with top-k 1 and as the temperature goes to 0", () => {
    const random = seededRandom(1);
    expect(argmax(logits)).toBe(3);
    for (let i = 0; i < 50; i++) {
      expect(nextToken(logits, { temperature: 0 }, random)).toBe(3);
      expect(nextToken(logits, { topK: 1, temperature: 5 }, random)).toBe(3);
      expect(nextToken(logits, { temperature: 1e-3 }, random)).toBe(3);
    }
  });

  it("repeats a sample for the same seed and varies across seeds", () => {
    const draw = (seed: number) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, () => nextToken(logits, { temperature: 2 }, random));
    };
    expect(draw(42)).toEqual(draw(42));
    expect(new Set([1, 2, 3, 4, 5].map((s) => draw(s).join(","))).size).toBe(5);
  });
});
