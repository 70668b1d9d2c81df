// compareEnsemble in onnxruntime-node on the trained BERT fixture and its 4-bit copy: the merged
// model matches the mean of its members to float32 rounding and sits apart from each member; a
// model that is not the mean (a member passed as the "ensemble") is caught by the same figures.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { ortNodeRunner } from "../mixed-precision/node-runner.ts";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import { fixturesDir } from "../onnx-io/test-fixtures.ts";
import { quantize4bit } from "../passes/quantize-4bit.ts";
import { compareEnsemble, meanRuns } from "./compare.ts";
import { ensembleModels } from "./ensemble.ts";

const bert = decodeModel(readFileSync(join(fixturesDir, "bert-legacy-trained", "model.onnx")));
const ids = BigInt64Array.from({ length: 8 * 16 }, (_, i) => BigInt(1 + ((i * 37) % 127)));
const run = ortNodeRunner([
  {
    input_ids: new ort.Tensor("int64", ids, [8, 16]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(8 * 16).fill(1n), [8, 16]),
  },
]);

describe("compareEnsemble", () => {
  it("finds the ensemble at the members' mean and away from each member; a non-mean is caught", async () => {
    const q4 = (await quantize4bit.apply(bert, quantize4bit.options.parse({}))).model;
    const members = [encodeModel(bert), encodeModel(q4)];
    const merged = encodeModel(ensembleModels([bert, q4]));
    const good = await compareEnsemble(members, merged, run);
    expect(good.mean.relativeError).toBeLessThan(1e-6);
    expect(good.mean.top1).toBe(1);
    expect(good.members).toHaveLength(2);
    for (const m of good.members) expect(m.relativeError).toBeGreaterThan(100 * good.mean.relativeError);
    // a "merge" that is really member 0 agrees with member 0 exactly and misses the mean
    const wrong = await compareEnsemble(members, members[0] as Uint8Array, run);
    expect(wrong.members[0]?.relativeError).toBe(0);
    expect(wrong.mean.relativeError).toBeGreaterThan(100 * good.mean.relativeError);
  });

  it("averages element-wise and refuses members whose outputs differ in size", () => {
    const a = [{ y: { data: [1, 2], dims: [1, 2] } }];
    const b = [{ y: { data: [3, 6], dims: [1, 2] } }];
    expect(Array.from(meanRuns([a, b])[0]?.y?.data ?? [])).toEqual([2, 4]);
    expect(() => meanRuns([a, [{ y: { data: [1], dims: [1] } }]])).toThrow(/member 1: output y of run 0/);
  });
});
