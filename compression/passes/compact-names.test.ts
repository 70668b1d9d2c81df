import { join } from "node:path";
import Long from "long";
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { graphAttribute, makeNode, tensorAttribute } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { readModelFile } from "../onnx-io/files.ts";
import type { GraphProto, ModelProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { runFloat, tokenFeeds } from "../quantize/test-support.ts";
import { preset, type Recipe, runRecipe } from "../recipes/index.ts";
import { compactNames } from "./compact-names.ts";

const spam = join(
  import.meta.dirname,
  "..",
  "..",
  "functions",
  "inference",
  "fixtures",
  "tiny-spam",
  "model.onnx",
);
const apply = (model: ModelProto, options: object = {}) =>
  compactNames.apply(model, compactNames.options.parse(options));

/** The preset without its compact-names step. */
const withoutCompact = (r: Recipe): Recipe => ({
  ...r,
  steps: r.steps.filter((s) => s.pass !== "compact-names"),
});

function bitsOf(out: Record<string, ort.Tensor>): Uint8Array[] {
  return Object.keys(out)
    .sort()
    .map((k) => {
      const d = out[k]?.data as Float32Array;
      return new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
    });
}

function vi(name: string, elemType: number, dims: number[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => ({ dimValue: Long.fromNumber(d) })) } } },
    metadataProps: [],
  };
}

function graph(
  name: string,
  node: GraphProto["node"],
  input: ValueInfoProto[],
  output: ValueInfoProto[],
): GraphProto {
  return {
    name,
    node,
    initializer: [],
    input,
    output,
    valueInfo: [],
    quantizationAnnotation: [],
    sparseInitializer: [],
    metadataProps: [],
  };
}

describe("compact-names", () => {
  it("tiny spam classifier: every quantized preset's file shrinks and computes bit-identically; q8 ≤ 27 %, q4 ≤ 17 % of fp32", async () => {
    const model = await readModelFile(spam);
    const fp32 = encodeModel(model).length;
    const feeds = tokenFeeds(5, 8, 32, 1354);
    const ratios: Record<string, number> = {};
    for (const name of ["q8", "int8", "uint8", "q4", "q4f16"]) {
      const shipped = preset(name);
      expect(shipped.steps.at(-1)?.pass, name).toBe("compact-names");
      const long = encodeModel((await runRecipe(model, withoutCompact(shipped))).model);
      const short = encodeModel((await runRecipe(model, shipped)).model);
      ratios[name] = short.length / fp32;
      expect(short.length, name).toBeLessThan(long.length * 0.85);
      for (const level of ["basic", "all"] as const)
        expect(bitsOf(await runFloat(short, feeds, level)), `${name} ${level}`).toEqual(
          bitsOf(await runFloat(long, feeds, level)),
        );
    }
    expect(ratios.q8).toBeLessThanOrEqual(0.27);
    expect(ratios.q4).toBeLessThanOrEqual(0.17);
  });

  it("keeps graph input/output names, renames the rest (subgraphs too) and Constant nodes become initializers", async () => {
    // x → Relu → r; If(c): then Identity(r), else Neg(r) (outer value read inside branches); + a Constant.
    const model: ModelProto = {
      irVersion: Long.fromNumber(8),
      opsetImport: [{ domain: "", version: Long.fromNumber(17) }],
      metadataProps: [],
      trainingInfo: [],
      functions: [],
      configuration: [],
      graph: graph(
        "main",
        [
          {
            ...makeNode("Relu", ["x"], ["a_rather_long_internal_name"], "/encoder/layer.0/Relu"),
            docString: "from torch",
          },
          makeNode("Constant", [], ["/encoder/Constant_output_0"], "/encoder/Constant", [
            tensorAttribute("value", makeTensor("", DataType.FLOAT, [3], Float32Array.of(1, 2, 3))),
          ]),
          makeNode("If", ["c"], ["/encoder/If_output_0"], "/encoder/If", [
            graphAttribute(
              "then_branch",
              graph(
                "then",
                [makeNode("Identity", ["a_rather_long_internal_name"], ["then_out"], "then_identity")],
                [],
                [vi("then_out", DataType.FLOAT, [3])],
              ),
            ),
            graphAttribute(
              "else_branch",
              graph(
                "else",
                [makeNode("Neg", ["a_rather_long_internal_name"], ["else_out"], "else_neg")],
                [],
                [vi("else_out", DataType.FLOAT, [3])],
              ),
            ),
          ]),
          makeNode("Add", ["/encoder/If_output_0", "/encoder/Constant_output_0"], ["y"], "/encoder/Add"),
        ],
        [vi("x", DataType.FLOAT, [3]), { ...vi("c", DataType.BOOL, []) }],
        [vi("y", DataType.FLOAT, [3])],
      ),
    };
    const { model: short, report } = await apply(model, { nodeNames: "short" });
    expect(report).toMatchObject({ constantsMoved: 1 });
    const g = short.graph as GraphProto;
    expect(g.input.map((i) => i.name)).toEqual(["x", "c"]);
    expect(g.output.map((o) => o.name)).toEqual(["y"]);
    expect(g.node.map((n) => n.opType)).toEqual(["Relu", "If", "Add"]);
    expect(g.initializer.map((t) => t.name)).toEqual([g.node[2]?.input[1]]);
    const names = [...g.node.flatMap((n) => [...n.input, ...n.output, n.name ?? ""])].filter(
      (n) => !["x", "c", "y"].includes(n),
    );
    for (const n of names) expect(n.length, n).toBeLessThanOrEqual(1);
    expect(g.node[0]?.docString).toBeUndefined();
    const then = g.node[1]?.attribute[0]?.g;
    expect(then?.node[0]?.input).toEqual(g.node[0]?.output); // the outer value, renamed consistently inside
    const x = new ort.Tensor("float32", Float32Array.of(-1, 0.5, 2), [3]);
    for (const cond of [true, false]) {
      const feeds = { x, c: new ort.Tensor("bool", Uint8Array.of(cond ? 1 : 0), []) };
      const before = (await runFloat(model, feeds)).y?.data;
      const after = (await runFloat(short, feeds)).y?.data;
      expect(Array.from(after as Float32Array)).toEqual(Array.from(before as Float32Array));
      expect(Array.from(after as Float32Array)).toEqual(cond ? [1, 2.5, 5] : [1, 1.5, 1]);
    }
    const { model: dropped } = await apply(model, { nodeNames: "drop" });
    expect(dropped.graph?.node.every((n) => n.name === undefined)).toBe(true);
    expect(encodeModel(dropped).length).toBeLessThan(encodeModel(short).length);
  });
});
