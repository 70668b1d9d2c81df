import { describe, expect, it } from "vitest";
import { etagMatches, parseRange } from "./range.ts";

describe("parseRange", () => {
  it.each([
    ["bytes=0-9", { kind: "range", offset: 0, length: 10 }],
    ["bytes=90-", { kind: "range", offset: 90, length: 10 }],
    ["bytes=95-200", { kind: "range", offset: 95, length: 5 }],
    ["bytes=-10", { kind: "range", offset: 90, length: 10 }],
    ["bytes=-500", { kind: "range", offset: 0, length: 100 }],
    ["bytes=100-", { kind: "unsatisfiable" }],
    ["bytes=-0", { kind: "unsatisfiable" }],
    ["bytes=5-1", { kind: "none" }],
    ["bytes=0-1,5-6", { kind: "none" }],
    ["items=0-1", { kind: "none" }],
    ["bytes=-", { kind: "none" }],
  ])("%s of 100 bytes → %j", (header, expected) => {
    expect(parseRange(header, 100)).toEqual(expected);
  });

  it("no header → none; any range of an empty file is unsatisfiable", () => {
    expect(parseRange(undefined, 100)).toEqual({ kind: "none" });
    expect(parseRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });
});

describe("etagMatches", () => {
  it("matches lists, weak tags and *", () => {
    expect(etagMatches('"a", "b"', '"b"')).toBe(true);
    expect(etagMatches('W/"b"', '"b"')).toBe(true);
    expect(etagMatches("*", '"b"')).toBe(true);
    expect(etagMatches('"c"', '"b"')).toBe(false);
    expect(etagMatches(undefined, '"b"')).toBe(false);
  });
});
