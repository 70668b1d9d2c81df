import { describe, expect, it } from "vitest";
import { codePoints, pyLen, pyRemoveWhitespace, pyRstrip, pySplit } from "./python-strings.ts";

// Values as CPython 3.11 gives them.
describe("Python string semantics", () => {
  it("split() uses Python's whitespace set, not JavaScript's", () => {
    expect(pySplit("  a\tb\u00a0c\u3000d\x1ce\x85f\ufeffg  ")).toEqual(["a", "b", "c", "d", "e", "f\ufeffg"]);
    expect(pySplit("")).toEqual([]);
    expect(pySplit("   ")).toEqual([]);
  });

  it("rstrip() and whitespace removal", () => {
    expect(pyRstrip("ab \u2029\x1f")).toBe("ab");
    expect(pyRstrip("\ufeff")).toBe("\ufeff");
    expect(pyRemoveWhitespace(" a b\nc ")).toBe("abc");
  });

  it("indexes by code point", () => {
    expect(codePoints("a😀b")).toEqual(["a", "😀", "b"]);
    expect(pyLen("a😀b")).toBe(3);
    expect(pyLen("abc")).toBe(3);
  });
});
