import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PunktSentenceTokenizer, punktParameters } from "./punkt.ts";
import { sentTokenize } from "./sent-tokenize.ts";

interface PunktFixture {
  versions: Record<string, string>;
  sentences: { text: string; sentences: string[] }[];
}
const fx = JSON.parse(
  readFileSync(new URL("./fixtures/punkt.json", import.meta.url), "utf8"),
) as PunktFixture;

describe("Punkt sentence splitting matches nltk.sent_tokenize (English)", () => {
  it(`splits every fixture text exactly as NLTK ${fx.versions.nltk} does`, () => {
    const bad = fx.sentences
      .filter((c) => JSON.stringify(sentTokenize(c.text)) !== JSON.stringify(c.sentences))
      .map((c) => ({ text: c.text, got: sentTokenize(c.text), want: c.sentences }));
    expect(bad.slice(0, 5)).toEqual([]);
    expect(fx.sentences.length).toBeGreaterThan(1000);
    expect(fx.sentences.filter((c) => c.sentences.length > 1).length).toBeGreaterThan(400);
  });

  it("the trained parameters decide: abbreviations, initials and sentence starters", () => {
    expect(sentTokenize("Dr. Smith went home. He was tired.")).toEqual([
      "Dr. Smith went home.",
      "He was tired.",
    ]);
    expect(sentTokenize("He works at Acme Inc. The company is big.")).toEqual([
      "He works at Acme Inc.",
      "The company is big.",
    ]);
    // without parameters, every period-final word ends a sentence
    const untrained = new PunktSentenceTokenizer(
      punktParameters({ abbrevTypes: [], sentStarters: [], collocations: [], orthoContext: {} }),
    );
    expect(untrained.tokenize("Dr. Smith went home. He was tired.")).toEqual([
      "Dr.",
      "Smith went home.",
      "He was tired.",
    ]);
  });

  it("realigns closing quotes and brackets onto the sentence they close", () => {
    expect(sentTokenize('(One sentence.) "Two." Three.')).toEqual(["(One sentence.)", '"Two."', "Three."]);
  });
});
