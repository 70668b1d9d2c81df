import Long from "long";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { makeNode } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { floats, maxAbsDiff, runFloat, tinyModel, tokenFeeds } from "../quantize/test-support.ts";
import { convertFp16 } from "./convert-fp16.ts";

const apply = async (model: ModelProto, options: object = {}) =>
  convertFp16.apply(model, convertFp16.options.parse(options));
const floatBytes = (m: ModelProto, type: number) =>
  (m.graph?.initializer ?? [])
    .filter((t) => t.dataType === type)
    .reduce((n, t) => n + (t.rawData?.length ?? 0), 0);

describe("convert-fp16", () => {
  it.each(["bert-dynamo", "gpt2-legacy"] as const)(
    "%s: half the weight bytes, float32 at the boundaries, outputs close",
    async (name) => {
      const model = await readModelFile(modelPath(name));
      const { model: h, report } = await apply(model);
      expect(floatBytes(h, DataType.FLOAT)).toBe(0);
      expect(floatBytes(h, DataType.FLOAT16) * 2).toBe(floatBytes(model, DataType.FLOAT));
      expect(report.tensorsConverted as number).toBeGreaterThan(10);
      expect(h.graph?.output[0]?.type?.tensorType?.elemType).toBe(DataType.FLOAT);
      const feeds = tokenFeeds(4, 2, 8, 512);
      const a = floats((await runFloat(model, feeds)).logits);
      const out = (await runFloat(h, feeds)).logits;
      expect(out?.type).toBe("float32");
      const diff = maxAbsDiff(floats(out), a);
      expect(diff).toBeLessThan(0.01 * Math.max(...a.map(Math.abs)));
      expect(diff).toBeGreaterThan(0); // really computed in half precision
    },
  );

  it("keeps block-listed operators in float32 with Casts around them", async () => {
    const model = await readModelFile(modelPath("bert-dynamo"));
    const { model: h, report } = await apply(model, { keepOps: ["Gelu", "Softmax"] });
    expect(report.nodesKeptFp32).toBe(4);
    const byOutput = new Map(h.graph?.node.flatMap((n) => n.output.map((o) => [o, n] as const)));
    for (const n of h.graph?.node.filter((x) => x.opType === "Gelu" || x.opType === "Softmax") ?? []) {
      const producer = byOutput.get(n.input[0] ?? "");
      expect(producer?.opType).toBe("Cast");
      expect(producer?.attribute[0]?.i?.toNumber()).toBe(DataType.FLOAT);
    }
    const feeds = tokenFeeds(4, 2, 8, 512);
    expect((await runFloat(h, feeds)).logits?.dims).toEqual([2, 3]);
  });

  it("float32 inputs stay float32; out-of-range constants clamp to ±65504 instead of overflowing", async () => {
    const tiny = tinyModel();
    const graph = tiny.graph;
    if (!graph) throw new Error("no graph");
    const big = makeTensor("big", DataType.FLOAT, [4], Float32Array.of(-3.4e38, 1e-9, 7e4, 0.333333));
    const model: ModelProto = {
      ...tiny,
      graph: { ...graph, node: [makeNode("Add", ["x", "big"], ["y"], "add")], initializer: [big] },
    };
    model.graph?.input.splice(0, 1, {
      ...graph.input[0],
      name: "x",
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: Long.fromNumber(4) }] } } },
      metadataProps: [],
    });
    model.graph?.output.splice(0, 1, {
      ...graph.output[0],
      name: "y",
      type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimValue: Long.fromNumber(4) }] } } },
      metadataProps: [],
    });
    const { model: h } = await apply(model);
    const y = floats((await runFloat(h, { x: new ort.Tensor("float32", new Float32Array(4), [4]) })).y);
    expect(Array.from(y)).toEqual([-65504, 0, 65504, 0.333251953125]);
  });
});
