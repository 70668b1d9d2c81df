import { describe, expect, it } from "vitest";
import { compareRuns } from "./agreement.ts";

const out = (data: number[], dims: number[]) => ({ logits: { data, dims } });

describe("compareRuns", () => {
  it("computes cosine, relative error, top-1 agreement and accuracy from plain arrays", () => {
    const reference = [out([3, 0, 0, 4], [2, 2])];
    const candidate = [out([3, 0, 4, 0], [2, 2])];
    const a = compareRuns(reference, candidate, { labels: [[0, 1]] });
    expect(a.cosine).toBeCloseTo(9 / 25, 12);
    expect(a.relativeError).toBeCloseTo(Math.sqrt(32) / 5, 12);
    expect(a.top1).toBe(0.5);
    expect(a.accuracy).toBe(0.5);
    expect(compareRuns(reference, reference)).toEqual({ cosine: 1, relativeError: 0, top1: 1 });
  });

  it("refuses runs that do not line up", () => {
    expect(() => compareRuns([out([1, 2], [1, 2])], [])).toThrow(/0 runs with 1 reference runs/);
    expect(() => compareRuns([out([1, 2], [1, 2])], [out([1], [1, 1])])).toThrow(
      /returned 1 values, expected 2/,
    );
    expect(() => compareRuns([out([1, 2], [1, 2])], [out([1, 2], [1, 2])], { labels: [[0, 1]] })).toThrow(
      /2 labels for 1 rows/,
    );
  });
});
