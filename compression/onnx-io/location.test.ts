// The rule for external data locations: relative paths inside the model's folder, nothing else.
import { describe, expect, it } from "vitest";
import { normalizeLocation, OnnxIoError } from "../index.ts";

describe("normalizeLocation", () => {
  it("accepts relative paths and cleans them", () => {
    expect(normalizeLocation("model.onnx.data")).toBe("model.onnx.data");
    expect(normalizeLocation("./weights/part-1.bin")).toBe("weights/part-1.bin");
    expect(normalizeLocation("weights\\part 2.bin")).toBe("weights/part 2.bin");
    expect(normalizeLocation("a//b/./c")).toBe("a/b/c");
  });

  it.each([
    ["..", /goes up/],
    ["../x", /goes up/],
    ["a/../../x", /goes up/],
    ["a/..", /goes up/],
    ["..\\x", /goes up/],
    ["/etc/passwd", /absolute/],
    ["\\\\server\\share\\x", /absolute/],
    ["C:\\x.data", /':'/],
    ["c:x.data", /':'/],
    ["file:///etc/passwd", /absolute|':'/],
    ["x.data:stream", /':'/],
    ["", /empty/],
    ["./.", /names no file/],
    ["a\0b", /NUL/],
  ])("rejects %j", (location, why) => {
    expect(() => normalizeLocation(location, "w")).toThrow(OnnxIoError);
    expect(() => normalizeLocation(location, "w")).toThrow(why);
  });
});
