// Ensembles in onnxruntime-node: the merged model's output is the mean of its members' outputs,
// member by member (a float model, its 4-bit copy and a 50 %-pruned copy of the trained BERT
// fixture), and incompatible members are refused with a message naming what differs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import type { GraphProto, ModelProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { fixturesDir, modelPath } from "../onnx-io/test-fixtures.ts";
import { pruneMagnitude } from "../passes/prune-magnitude.ts";
import { quantize4bit } from "../passes/quantize-4bit.ts";
import { createSession } from "../verify/verify.ts";
import { ensembleModels } from "./ensemble.ts";

const bert = decodeModel(readFileSync(join(fixturesDir, "bert-legacy-trained", "model.onnx")));
const ids = BigInt64Array.from({ length: 4 * 16 }, (_, i) => BigInt(1 + ((i * 37) % 127)));
const feeds = {
  input_ids: new ort.Tensor("int64", ids, [4, 16]),
  attention_mask: new ort.Tensor("int64", new BigInt64Array(4 * 16).fill(1n), [4, 16]),
};

async function logits(model: ModelProto): Promise<Float32Array> {
  const session = await createSession(encodeModel(model));
  try {
    return (await session.run(feeds)).logits?.data as Float32Array;
  } finally {
    await session.release();
  }
}

describe("ensembleModels", () => {
  it("averages the members' outputs in one graph (within 1e-5)", async () => {
    const q4 = (await quantize4bit.apply(bert, quantize4bit.options.parse({}))).model;
    const pruned = (await pruneMagnitude.apply(bert, pruneMagnitude.options.parse({ sparsity: 0.5 }))).model;
    const members = [bert, q4, pruned];
    const [a, b, c] = (await Promise.all(members.map(logits))) as [Float32Array, Float32Array, Float32Array];
    // the members really differ, so the mean is not any one of them
    expect(Math.max(...a.map((v, i) => Math.abs(v - (c[i] as number))))).toBeGreaterThan(1e-2);
    const merged = ensembleModels(members);
    const got = await logits(merged);
    expect(got.length).toBe(a.length);
    let worst = 0;
    got.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - ((a[i] as number) + (b[i] as number) + (c[i] as number)) / 3));
    });
    expect(worst).toBeLessThan(1e-5);
    const g = merged.graph as GraphProto;
    expect(g.input.map((i) => i.name)).toEqual(["input_ids", "attention_mask"]);
    expect(g.output.map((o) => o.name)).toEqual(["logits"]);
    expect(g.node.filter((n) => n.opType === "MatMulNBits").length).toBeGreaterThan(0);
    expect(g.node.some((n) => n.name?.startsWith("m2/"))).toBe(true);
    expect(merged.opsetImport.some((o) => o.domain === "com.microsoft")).toBe(true);
  });

  it("refuses incompatible members, naming what differs", () => {
    const gpt2 = decodeModel(readFileSync(modelPath("gpt2-legacy")));
    expect(() => ensembleModels([bert, gpt2])).toThrow(
      /member 1 is not compatible with member 0: output logits is FLOAT \[batch, sequence, 512\], not FLOAT/,
    );
    const g = bert.graph as GraphProto;
    const retype = (v: ValueInfoProto, elemType: number): ValueInfoProto => ({
      ...v,
      type: { tensorType: { ...v.type?.tensorType, elemType } },
    });
    const renamed: ModelProto = {
      ...bert,
      graph: { ...g, output: g.output.map((o) => ({ ...o, name: "scores" })) },
    };
    expect(() => ensembleModels([bert, renamed])).toThrow(/outputs \(scores\) differ from \(logits\)/);
    const wider: ModelProto = {
      ...bert,
      graph: {
        ...g,
        input: g.input.map((i) => retype(i, DataType.INT32)),
      },
    };
    expect(() => ensembleModels([bert, wider])).toThrow(/input input_ids is INT32 .*, not INT64/);
    const intOut: ModelProto = {
      ...bert,
      graph: {
        ...g,
        output: g.output.map((o) => retype(o, DataType.INT64)),
      },
    };
    expect(() => ensembleModels([intOut, intOut])).toThrow(/output logits is INT64: only float outputs/);
    expect(() => ensembleModels([bert])).toThrow(/at least 2 models/);
  });
});
