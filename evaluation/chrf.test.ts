import { describe, expect, it } from "vitest";
import { corpusChrf, sentenceChrf } from "./chrf.ts";
import { chrfOptionsFrom, loadFixtures, mismatches } from "./fixtures/reference.ts";

const fx = loadFixtures();

describe("chrF matches sacreBLEU", () => {
  it("sentence chrF / chrF++ on every fixture case, to 1e-9", () => {
    const bad: string[] = [];
    for (const { config, scores } of fx.chrf.sentence) {
      const o = chrfOptionsFrom(config);
      const got = fx.cases.map((c) => sentenceChrf(c.hypothesis, c.references, o).score);
      bad.push(...mismatches(JSON.stringify(config), got, scores, 1e-9));
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("corpus chrF, its name and signature", () => {
    const hyps = fx.cases.map((c) => c.hypothesis);
    const refs = fx.cases.map((c) => c.references);
    for (const ref of fx.chrf.corpus) {
      const got = corpusChrf(hyps, refs, chrfOptionsFrom(ref.config));
      expect(mismatches(JSON.stringify(ref.config), [got.score], [ref.score], 1e-9)).toEqual([]);
      expect(got.name).toBe(ref.name);
      expect(got.signature).toBe(ref.signature);
    }
  });
});
