// WordNet lookups as NLTK's WordNetCorpusReader does them for METEOR: synsets(word) lowercases,
// runs morphy (exception lists, then one round of suffix substitutions) for each part of speech
// in the order noun, verb, adjective, adverb, and collects the synsets of every form found.
// The data comes in as a plain object (WordNetData), so the metric does not care where it was
// read from: wordnet-node.ts builds it from the WordNet 3.0 files on disk; a Worker can fetch it.

export type WordNetPos = "n" | "v" | "a" | "r";
export const WORDNET_POS: readonly WordNetPos[] = ["n", "v", "a", "r"];

export interface WordNetData {
  version: string;
  /** per part of speech: lemma (lowercase, spaces as "_") → synset ids, in the index file's order */
  index: Record<WordNetPos, Record<string, number[]>>;
  /** per part of speech: inflected form → base forms (the *.exc files) */
  exceptions: Record<WordNetPos, Record<string, string[]>>;
  /** synset id → its lemma names as the data files spell them (syntactic markers removed) */
  synsets: string[][];
}

/** Anything that can say which words METEOR may count as synonyms of a word. */
export interface SynonymSource {
  /** every lemma name of every synset of `word`; METEOR adds the word itself and drops multi-word names */
  synonyms(word: string): Iterable<string>;
}

const SUBSTITUTIONS: Record<WordNetPos, [string, string][]> = {
  n: [
    ["s", ""],
    ["ses", "s"],
    ["ves", "f"],
    ["xes", "x"],
    ["zes", "z"],
    ["ches", "ch"],
    ["shes", "sh"],
    ["men", "man"],
    ["ies", "y"],
  ],
  v: [
    ["s", ""],
    ["ies", "y"],
    ["es", "e"],
    ["es", ""],
    ["ed", "e"],
    ["ed", ""],
    ["ing", "e"],
    ["ing", ""],
  ],
  a: [
    ["er", ""],
    ["est", ""],
    ["er", "e"],
    ["est", "e"],
  ],
  r: [],
};

export class WordNet implements SynonymSource {
  readonly version: string;
  private readonly index: Record<WordNetPos, Map<string, number[]>>;
  private readonly exceptions: Record<WordNetPos, Map<string, string[]>>;
  private readonly names: string[][];
  private readonly cache = new Map<string, string[]>();

  constructor(data: WordNetData) {
    this.version = data.version;
    const maps = <T>(r: Record<WordNetPos, Record<string, T>>) =>
      Object.fromEntries(WORDNET_POS.map((p) => [p, new Map(Object.entries(r[p] ?? {}))])) as Record<
        WordNetPos,
        Map<string, T>
      >;
    this.index = maps(data.index);
    this.exceptions = maps(data.exceptions);
    this.names = data.synsets;
  }

  /** NLTK's _morphy(form, pos): the base forms of `form` that WordNet lists under `pos`. */
  morphy(form: string, pos: WordNetPos): string[] {
    const exc = this.exceptions[pos].get(form);
    const forms =
      exc ??
      SUBSTITUTIONS[pos]
        .filter(([old]) => form.endsWith(old))
        .map(([old, rep]) => form.slice(0, form.length - old.length) + rep);
    const out: string[] = [];
    for (const f of [form, ...forms]) if (this.index[pos].has(f) && !out.includes(f)) out.push(f);
    return out;
  }

  /** NLTK's synsets(word) as synset ids, in NLTK's order. */
  synsetIds(word: string): number[] {
    const lemma = word.toLowerCase();
    const ids: number[] = [];
    for (const pos of WORDNET_POS) {
      for (const form of this.morphy(lemma, pos)) ids.push(...(this.index[pos].get(form) ?? []));
    }
    return ids;
  }

  synonyms(word: string): string[] {
    let hit = this.cache.get(word);
    if (!hit) {
      const set = new Set<string>();
      for (const id of this.synsetIds(word)) for (const name of this.names[id] ?? []) set.add(name);
      hit = [...set];
      if (this.cache.size > 100_000) this.cache.clear();
      this.cache.set(word, hit);
    }
    return hit;
  }
}
