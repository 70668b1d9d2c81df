// The Porter stemmer as NLTK implements it (nltk.stem.porter.PorterStemmer, default mode
// NLTK_EXTENSIONS), which is what rouge-score's `use_stemmer=True` and NLTK's METEOR use.
// Ported rule by rule (including NLTK's departures from the 1980 paper: the irregular-forms
// pool, "ies"/"ied" on 4-letter words, step 1c's consonant condition, "alli", "fulli", "logi"),
// because a textbook Porter stemmer gives different stems and so different scores.

const VOWELS = new Set(["a", "e", "i", "o", "u"]);

const POOL: Record<string, string> = {};
for (const [key, forms] of Object.entries({
  sky: ["sky", "skies"],
  die: ["dying"],
  lie: ["lying"],
  tie: ["tying"],
  news: ["news"],
  inning: ["innings", "inning"],
  outing: ["outings", "outing"],
  canning: ["cannings", "canning"],
  howe: ["howe"],
  proceed: ["proceed"],
  exceed: ["exceed"],
  succeed: ["succeed"],
})) {
  for (const f of forms) POOL[f] = key;
}

function isConsonant(word: string, index: number): boolean {
  let i = index;
  if (VOWELS.has(word[i] as string)) return false;
  if (word[i] === "y") {
    let negate = false;
    while (i > 0 && word[i] === "y") {
      negate = !negate;
      i--;
    }
    return !VOWELS.has(word[i] as string) !== negate;
  }
  return true;
}

function consonantFlags(word: string): boolean[] {
  const flags: boolean[] = [];
  for (let i = 0; i < word.length; i++) {
    const ch = word[i] as string;
    if (VOWELS.has(ch)) flags.push(false);
    else if (ch === "y") flags.push(i === 0 ? true : !flags[i - 1]);
    else flags.push(true);
  }
  return flags;
}

function measure(stem: string): number {
  const flags = consonantFlags(stem);
  let m = 0;
  for (let i = 1; i < flags.length; i++) if (!flags[i - 1] && flags[i]) m++;
  return m;
}

const positive = (stem: string) => measure(stem) > 0;
const containsVowel = (stem: string) => consonantFlags(stem).some((c) => !c);

function endsDoubleConsonant(word: string): boolean {
  const n = word.length;
  return n >= 2 && word[n - 1] === word[n - 2] && isConsonant(word, n - 1);
}

function endsCvc(word: string): boolean {
  const n = word.length;
  return (
    (n >= 3 &&
      isConsonant(word, n - 3) &&
      !isConsonant(word, n - 2) &&
      isConsonant(word, n - 1) &&
      !["w", "x", "y"].includes(word[n - 1] as string)) ||
    (n === 2 && !isConsonant(word, 0) && isConsonant(word, 1))
  );
}

type Rule = [suffix: string, replacement: string, condition: ((stem: string) => boolean) | null];

const cut = (word: string, suffix: string) => (suffix === "" ? word : word.slice(0, -suffix.length));

function applyRules(word: string, rules: readonly Rule[]): string {
  for (const [suffix, replacement, condition] of rules) {
    if (suffix === "*d" && endsDoubleConsonant(word)) {
      const stem = word.slice(0, -2);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
    if (word.endsWith(suffix)) {
      const stem = cut(word, suffix);
      return condition === null || condition(stem) ? stem + replacement : word;
    }
  }
  return word;
}

function step1a(word: string): string {
  if (word.endsWith("ies") && word.length === 4) return `${cut(word, "ies")}ie`;
  return applyRules(word, [
    ["sses", "ss", null],
    ["ies", "i", null],
    ["ss", "ss", null],
    ["s", "", null],
  ]);
}

function step1b(word: string): string {
  if (word.endsWith("ied")) return word.length === 4 ? `${cut(word, "ied")}ie` : `${cut(word, "ied")}i`;
  if (word.endsWith("eed")) {
    const stem = cut(word, "eed");
    return measure(stem) > 0 ? `${stem}ee` : word;
  }
  let intermediate: string | undefined;
  for (const suffix of ["ed", "ing"]) {
    if (word.endsWith(suffix)) {
      const s = cut(word, suffix);
      if (containsVowel(s)) {
        intermediate = s;
        break;
      }
    }
  }
  if (intermediate === undefined) return word;
  const last = intermediate[intermediate.length - 1] as string;
  return applyRules(intermediate, [
    ["at", "ate", null],
    ["bl", "ble", null],
    ["iz", "ize", null],
    ["*d", last, () => !["l", "s", "z"].includes(last)],
    ["", "e", (stem) => measure(stem) === 1 && endsCvc(stem)],
  ]);
}

function step1c(word: string): string {
  return applyRules(word, [["y", "i", (stem) => stem.length > 1 && isConsonant(stem, stem.length - 1)]]);
}

function step2(word: string): string {
  if (word.endsWith("alli") && positive(cut(word, "alli"))) return step2(`${cut(word, "alli")}al`);
  return applyRules(word, [
    ["ational", "ate", positive],
    ["tional", "tion", positive],
    ["enci", "ence", positive],
    ["anci", "ance", positive],
    ["izer", "ize", positive],
    ["bli", "ble", positive],
    ["alli", "al", positive],
    ["entli", "ent", positive],
    ["eli", "e", positive],
    ["ousli", "ous", positive],
    ["ization", "ize", positive],
    ["ation", "ate", positive],
    ["ator", "ate", positive],
    ["alism", "al", positive],
    ["iveness", "ive", positive],
    ["fulness", "ful", positive],
    ["ousness", "ous", positive],
    ["aliti", "al", positive],
    ["iviti", "ive", positive],
    ["biliti", "ble", positive],
    ["fulli", "ful", positive],
    ["logi", "log", () => positive(word.slice(0, -3))],
  ]);
}

function step3(word: string): string {
  return applyRules(word, [
    ["icate", "ic", positive],
    ["ative", "", positive],
    ["alize", "al", positive],
    ["iciti", "ic", positive],
    ["ical", "ic", positive],
    ["ful", "", positive],
    ["ness", "", positive],
  ]);
}

const gt1 = (stem: string) => measure(stem) > 1;
function step4(word: string): string {
  return applyRules(word, [
    ["al", "", gt1],
    ["ance", "", gt1],
    ["ence", "", gt1],
    ["er", "", gt1],
    ["ic", "", gt1],
    ["able", "", gt1],
    ["ible", "", gt1],
    ["ant", "", gt1],
    ["ement", "", gt1],
    ["ment", "", gt1],
    ["ent", "", gt1],
    ["ion", "", (stem) => measure(stem) > 1 && ["s", "t"].includes(stem[stem.length - 1] as string)],
    ["ou", "", gt1],
    ["ism", "", gt1],
    ["ate", "", gt1],
    ["iti", "", gt1],
    ["ous", "", gt1],
    ["ive", "", gt1],
    ["ize", "", gt1],
  ]);
}

function step5a(word: string): string {
  if (word.endsWith("e")) {
    const stem = cut(word, "e");
    if (measure(stem) > 1) return stem;
    if (measure(stem) === 1 && !endsCvc(stem)) return stem;
  }
  return word;
}

function step5b(word: string): string {
  return applyRules(word, [["ll", "l", () => measure(word.slice(0, -1)) > 1]]);
}

const ASTRAL = /[\uD800-\uDFFF]/;

/** NLTK's PorterStemmer().stem(word): lowercases, then stems. */
export function porterStem(word: string): string {
  if (ASTRAL.test(word)) return stemAstral(word);
  return stemBmp(word, word.length);
}

function stemBmp(word: string, pythonLength: number): string {
  let stem = word.toLowerCase();
  const pooled = POOL[stem];
  if (pooled !== undefined) return pooled;
  if (pythonLength <= 2) return stem;
  stem = step1a(stem);
  stem = step1b(stem);
  stem = step1c(stem);
  stem = step2(stem);
  stem = step3(stem);
  stem = step4(stem);
  stem = step5a(stem);
  return step5b(stem);
}

// Python indexes by code point; the rules only compare ASCII letters and character equality, so
// each astral character stands in as one private-use BMP character and is put back afterwards.
function stemAstral(word: string): string {
  const lowered = Array.from(word.toLowerCase());
  const toBmp = new Map<string, string>();
  const back = new Map<string, string>();
  const mapped = lowered
    .map((ch) => {
      if (ch.length === 1) return ch;
      let sub = toBmp.get(ch);
      if (!sub) {
        let code = 0xe000 + toBmp.size;
        while (lowered.includes(String.fromCharCode(code))) code++;
        sub = String.fromCharCode(code);
        toBmp.set(ch, sub);
        back.set(sub, ch);
      }
      return sub;
    })
    .join("");
  const stem = stemBmp(mapped, Array.from(word).length);
  return Array.from(stem, (ch) => back.get(ch) ?? ch).join("");
}
