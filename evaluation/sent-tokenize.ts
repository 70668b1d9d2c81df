// nltk.sent_tokenize(text) for English: Punkt (./punkt.ts) with NLTK's English parameters
// (./fixtures/punkt-english.json, see evaluation/fixtures/make_punkt_english.py for where they come from).

import englishJson from "./fixtures/punkt-english.json" with { type: "json" };
import { PunktSentenceTokenizer, punktParameters } from "./punkt.ts";

let english: PunktSentenceTokenizer | undefined;

/** The sentences of `text` as NLTK's English sent_tokenize splits them. */
export function sentTokenize(text: string): string[] {
  english ??= new PunktSentenceTokenizer(punktParameters(englishJson));
  return english.tokenize(text);
}
