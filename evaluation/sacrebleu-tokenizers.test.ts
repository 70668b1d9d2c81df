import { describe, expect, it } from "vitest";
import { tokenize13a, tokenizeChar, tokenizeIntl } from "./sacrebleu-tokenizers.ts";

// Expected strings are what sacrebleu 2.6.0's tokenizers return for the same input.
describe("sacreBLEU tokenizers", () => {
  it("13a splits punctuation but keeps decimal and thousands separators", () => {
    expect(tokenize13a("It costs $1,000.50 (or 3.14%) in 2021-2022.")).toBe(
      "It costs $ 1,000.50 ( or 3.14 % ) in 2021 - 2022 .",
    );
  });

  it("13a unescapes HTML entities and drops <skipped> and hyphenated line breaks", () => {
    expect(tokenize13a("Tom &amp; Jerry &quot;hi&quot; <skipped>word-\nbreak")).toBe(
      'Tom & Jerry " hi " wordbreak',
    );
  });

  it("intl separates Unicode punctuation and symbols", () => {
    expect(tokenizeIntl("“quotes” — 3,5€ ends 1990.")).toBe("“ quotes ” — 3,5 € ends 1990.");
  });

  it("char makes every code point a token", () => {
    expect(tokenizeChar("a😀b")).toBe("a 😀 b");
  });
});
