import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { seededRandom, shuffled, stratifiedSplit, writeSplits } from "./split.ts";

const items = Array.from({ length: 1000 }, (_, i) => ({
  text: `t${i}`,
  label: i % 4 === 0 ? "spam" : "ham",
}));

describe("splits", () => {
  it("a seed gives one sequence, another seed another", () => {
    const draw = (seed: number) => Array.from({ length: 5 }, seededRandom(seed));
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
    expect(shuffled([1, 2, 3, 4, 5, 6], seededRandom(3)).sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("stratifies: every split keeps the overall class balance, no item is lost or repeated", () => {
    const splits = stratifiedSplit(items, { validation: 0.1, test: 0.2 }, 7);
    expect([splits.train.length, splits.validation.length, splits.test.length]).toEqual([700, 100, 200]);
    for (const split of [splits.train, splits.validation, splits.test]) {
      expect(split.filter((x) => x.label === "spam").length / split.length).toBeCloseTo(0.25, 2);
    }
    const all = [...splits.train, ...splits.validation, ...splits.test].map((x) => x.text);
    expect(new Set(all).size).toBe(1000);
    expect(stratifiedSplit(items, { validation: 0.1, test: 0.2 }, 7)).toEqual(splits);
    expect(stratifiedSplit(items, { validation: 0.1, test: 0.2 }, 8).train).not.toEqual(splits.train);
    // labels are interleaved, not in blocks
    expect(splits.train.slice(0, 40).some((x) => x.label === "spam")).toBe(true);
  });

  it("writes one JSON object a line", () => {
    const dir = mkdtempSync(join(tmpdir(), "split-"));
    const paths = writeSplits(dir, { train: items.slice(0, 2), validation: [], test: items.slice(2, 3) });
    expect(readFileSync(paths.train, "utf8")).toBe(
      '{"text":"t0","label":"spam"}\n{"text":"t1","label":"ham"}\n',
    );
    expect(readFileSync(paths.validation, "utf8")).toBe("");
    expect(readFileSync(paths.test, "utf8")).toBe('{"text":"t2","label":"ham"}\n');
  });
});
