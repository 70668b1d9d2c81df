// Each fixture survives decode → encode: the same bytes come back, and onnxruntime-node gives
// bit-identical outputs for the original file and for edgetune's re-encoding, both within 1e-5
// of what onnxruntime (Python) computed when the fixture was made.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, readModelFile } from "../node.ts";
import {
  fixtureNames,
  maxAbsDiff,
  modelPath,
  output,
  reference,
  runModel,
  tensorBytes,
} from "./test-fixtures.ts";

describe.each(fixtureNames)("round trip of %s", (name) => {
  it("re-encodes to the very same bytes", () => {
    const file = readFileSync(modelPath(name));
    const again = encodeModel(decodeModel(file));
    expect(again.length).toBe(file.length);
    expect(Buffer.from(again).equals(file)).toBe(true);
  });

  it("runs in onnxruntime-node with outputs identical to the original and close to Python's", async () => {
    const ref = reference(name);
    const inline = encodeModel(await readModelFile(modelPath(name)));
    const original = await runModel(modelPath(name), ref);
    const roundTripped = await runModel(inline, ref);
    expect(Object.keys(roundTripped).sort()).toEqual(Object.keys(ref.outputs).sort());
    for (const [outputName, expected] of Object.entries(ref.outputs)) {
      const a = output(original, outputName);
      const b = output(roundTripped, outputName);
      expect(tensorBytes(b).equals(tensorBytes(a))).toBe(true);
      expect(maxAbsDiff(b, expected)).toBeLessThanOrEqual(1e-5);
    }
  });
});
