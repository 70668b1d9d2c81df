import { describe, expect, it } from "vitest";
import { loadFixtures } from "./fixtures/reference.ts";
import { porterStem } from "./porter.ts";

describe("Porter stemmer (NLTK's)", () => {
  it("gives NLTK's stem for every word in the fixture vocabulary", () => {
    const stems = loadFixtures().porter;
    const words = Object.keys(stems);
    expect(words.length).toBeGreaterThan(500);
    const bad = words
      .filter((w) => porterStem(w) !== stems[w])
      .map((w) => `${w}: ${porterStem(w)} ≠ ${stems[w]}`);
    expect(bad).toEqual([]);
  });

  it("keeps NLTK's departures from the original algorithm", () => {
    // the irregular-forms pool and the 4-letter "ies" rule
    expect(porterStem("dying")).toBe("die");
    expect(porterStem("skies")).toBe("sky");
    expect(porterStem("ties")).toBe("tie");
    expect(porterStem("Running")).toBe("run");
  });

  it("counts an emoji as one character, as Python does (values from NLTK)", () => {
    expect(porterStem("😀s")).toBe("😀s"); // two code points: too short to stem
    expect(porterStem("😀😀ing")).toBe("😀😀ing"); // no vowel before -ing
    expect(porterStem("a😀ing")).toBe("a😀e"); // measure 1 and c-v-c: -ing → -e
  });
});
