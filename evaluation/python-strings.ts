// Python's str semantics that the reference metrics depend on, for exact parity in JavaScript.
// Python's str.split()/strip() use str.isspace(), which differs from JS's \s (Python counts
// U+001C–U+001F and U+0085, JS counts U+FEFF), and Python indexes strings by code point,
// where JS indexes UTF-16 units.

/** The characters for which Python's str.isspace() is true. */
export const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";

const SPLIT = new RegExp(`[${PY_WHITESPACE}]+`, "u");
const TRAILING = new RegExp(`[${PY_WHITESPACE}]+$`, "u");
const ANY_WS = new RegExp(`[${PY_WHITESPACE}]`, "gu");

/** Python's `s.split()` with no arguments: split on runs of whitespace, no empty strings. */
export function pySplit(s: string): string[] {
  const parts = s.split(SPLIT);
  if (parts.length > 0 && parts[0] === "") parts.shift();
  if (parts.length > 0 && parts[parts.length - 1] === "") parts.pop();
  return parts;
}

/** Python's `s.rstrip()`. */
export function pyRstrip(s: string): string {
  return s.replace(TRAILING, "");
}

/** Python's `"".join(s.split())`: the string without any whitespace. */
export function pyRemoveWhitespace(s: string): string {
  return s.replace(ANY_WS, "");
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** The string as Python sees it: one element per code point. */
export function codePoints(s: string): string[] {
  return SURROGATE.test(s) ? Array.from(s) : s.split("");
}

/** Python's `len(s)`. */
export function pyLen(s: string): number {
  if (!SURROGATE.test(s)) return s.length;
  let n = 0;
  for (const _ of s) n++;
  return n;
}
