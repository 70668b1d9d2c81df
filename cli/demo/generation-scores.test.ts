import { describe, expect, it } from "vitest";
import { generationScores } from "./generation-scores.ts";

const example = { task: "t", count: 2, bleu: 2.1, rougeL: 0.07974, meteor: 0.0634 };

describe("generationScores", () => {
  it("names the ROUGE setting the endpoint scored with, next to its number", () => {
    expect(generationScores({ ...example, rougeStemmer: true })).toBe(
      "BLEU 2.10, ROUGE-L F (Porter stemmer) 0.0797, METEOR 0.0634",
    );
    expect(generationScores({ ...example, rougeStemmer: false })).toContain("ROUGE-L F (no stemmer) 0.0797");
  });
});
