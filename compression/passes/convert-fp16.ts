// fp16 (transformers.js "model_fp16.onnx"), and the second half of q4f16: every float32 tensor
// (initializers, Constant values, Cast targets, and everything computed from them) becomes
// float16, while the model's inputs and outputs stay float32 behind Cast nodes, so callers feed
// and read the same types as before. Operators on the block list keep computing in float32, with
// Casts around them. Values beyond float16's range are clamped to ±65504 rather than becoming
// infinite (attention masks exported as float32's minimum would otherwise turn softmax into NaN).
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import {
  indexGraph,
  intAttribute,
  makeNode,
  NameScope,
  removeUnused,
  tensorAttribute,
} from "../graph/graph.ts";
import { dimsOf, floatValues, makeTensor, toHalfArray } from "../graph/tensors.ts";
import { inferElemTypes } from "../graph/types.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { OnnxIoError } from "../onnx-io/errors.ts";
import type { AttributeProto, NodeProto, TensorProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";
import { definePass } from "./pass.ts";

/** Operators that need float32 (index/shape arithmetic, float-only kernels), as converters commonly keep them. */
export const defaultFp16BlockList = [
  "Range",
  "Resize",
  "Upsample",
  "CumSum",
  "TopK",
  "NonMaxSuppression",
  "RoiAlign",
  "RandomNormalLike",
  "RandomUniformLike",
  "DynamicQuantizeLinear",
] as const;

export const convertFp16Options = z
  .object({
    /** Operator types computed in float32 (added to the default list). */
    keepOps: z.array(z.string()).default([]),
    /** Node names computed in float32. */
    keepNodes: z.array(z.string()).default([]),
    /** Replace the default block list instead of adding to it. */
    replaceDefaultBlockList: z.boolean().default(false),
  })
  .strict();

const HALF_MAX = 65504;

function toHalfTensor(t: TensorProto, name = t.name ?? ""): TensorProto {
  const values = floatValues(t).map((v) =>
    Number.isNaN(v) ? v : Math.max(-HALF_MAX, Math.min(HALF_MAX, v)),
  );
  return {
    ...makeTensor(name, DataType.FLOAT16, dimsOf(t), toHalfArray(values)),
    ...(t.docString ? { docString: t.docString } : {}),
  };
}

function convertAttribute(a: AttributeProto): AttributeProto {
  if (a.t && a.t.dataType === DataType.FLOAT) return { ...a, t: toHalfTensor(a.t) };
  return a;
}

export const convertFp16 = definePass({
  name: "convert-fp16",
  description:
    "float32 → float16 everywhere except the block list; inputs and outputs stay float32 (Cast at the boundaries)",
  options: convertFp16Options,
  apply(model, options) {
    const graph = model.graph;
    if (!graph) throw new OnnxIoError("missing-graph", "model has no graph");
    if (graph.node.some((n) => n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0))) {
      throw new CompressionError(
        "unsupported",
        "fp16 conversion of models with subgraphs (If/Loop/Scan) is not supported",
      );
    }
    const blockOps = new Set([
      ...(options.replaceDefaultBlockList ? [] : defaultFp16BlockList),
      ...options.keepOps,
    ]);
    const blockNodes = new Set(options.keepNodes);
    const blocked = (n: NodeProto) => blockOps.has(n.opType ?? "") || blockNodes.has(n.name ?? "");
    const types = inferElemTypes(graph);
    const isFloat = (name: string) => types.get(name) === DataType.FLOAT;
    const names = new NameScope(graph);
    const index = indexGraph(graph);

    // Initializers read only by blocked nodes stay float32; all other float32 initializers become float16.
    const keepInit = new Set(
      graph.initializer
        .filter((t) => {
          const readers = index.consumers.get(t.name ?? "") ?? [];
          return readers.length > 0 && readers.every(blocked) && !index.graphOutputs.has(t.name ?? "");
        })
        .map((t) => t.name ?? ""),
    );
    let tensorsConverted = 0;
    const initializer = graph.initializer.map((t) => {
      if (t.dataType !== DataType.FLOAT || keepInit.has(t.name ?? "")) return t;
      tensorsConverted++;
      return toHalfTensor(t);
    });
    // After conversion, a value is float16 if it was float32 and is not produced by a blocked node
    // (those outputs are cast back to float16 under their own names) — except kept initializers.
    const isHalf = (name: string) => isFloat(name) && !keepInit.has(name);

    const nodes: NodeProto[] = [];
    const rename = new Map<string, string>();
    // Float32 graph inputs: a Cast to float16 right at the start, consumers read the cast.
    const inputNames = new Set(graph.input.map((i) => i.name ?? ""));
    for (const input of graph.input) {
      const name = input.name ?? "";
      if (!isFloat(name) || index.initializers.has(name)) continue;
      const half = names.fresh(`${name}_fp16`);
      rename.set(name, half);
      nodes.push(
        makeNode("Cast", [name], [half], names.fresh(`${name}_Cast_fp16`), [
          intAttribute("to", DataType.FLOAT16),
        ]),
      );
    }
    // Float32 graph outputs: producers write a float16 value, a Cast writes the output's own name.
    const outputCasts: NodeProto[] = [];
    const outputRename = new Map<string, string>();
    for (const output of graph.output) {
      const name = output.name ?? "";
      if (!isFloat(name) || inputNames.has(name)) continue;
      const producer = index.producers.get(name);
      if (!producer || blocked(producer)) continue; // a blocked producer already writes float32
      const half = names.fresh(`${name}_fp16`);
      outputRename.set(name, half);
      outputCasts.push(
        makeNode("Cast", [half], [name], names.fresh(`${name}_Cast_fp32`), [
          intAttribute("to", DataType.FLOAT),
        ]),
      );
    }
    const mapIn = (i: string) => rename.get(i) ?? i;
    const mapOut = (o: string) => outputRename.get(o) ?? o;
    let castsAdded = nodes.length + outputCasts.length;
    let nodesKept = 0;
    for (const node of graph.node) {
      if (blocked(node)) {
        nodesKept++;
        const input = node.input.map((i) => {
          if (!i || !isHalf(i)) return mapIn(i);
          const f32 = names.fresh(`${i}_fp32`);
          nodes.push(
            makeNode("Cast", [mapIn(i)], [f32], names.fresh(`${i}_Cast_fp32`), [
              intAttribute("to", DataType.FLOAT),
            ]),
          );
          castsAdded++;
          return f32;
        });
        const after: NodeProto[] = [];
        const output = node.output.map((o) => {
          if (!o || !isFloat(o) || index.graphOutputs.has(o)) return o;
          const f32 = names.fresh(`${o}_fp32`);
          after.push(
            makeNode("Cast", [f32], [mapOut(o)], names.fresh(`${o}_Cast_fp16`), [
              intAttribute("to", DataType.FLOAT16),
            ]),
          );
          castsAdded++;
          return f32;
        });
        nodes.push({ ...node, input, output }, ...after);
        continue;
      }
      let attribute = node.attribute;
      const op = node.opType ?? "";
      if ((node.domain ?? "") === "") {
        if (op === "Cast" && attribute.some((a) => a.name === "to" && a.i?.toNumber() === DataType.FLOAT)) {
          attribute = attribute.map((a) => (a.name === "to" ? intAttribute("to", DataType.FLOAT16) : a));
        } else if (op === "Constant" || op === "ConstantOfShape") {
          attribute = attribute.map((a) => {
            if (a.name === "value_float" || a.name === "value_floats") {
              const values = a.name === "value_float" ? [a.f ?? 0] : a.floats;
              const dims = a.name === "value_float" ? [] : [values.length];
              tensorsConverted++;
              return tensorAttribute(
                "value",
                toHalfTensor(makeTensor("", DataType.FLOAT, dims, Float32Array.from(values))),
              );
            }
            if (a.t?.dataType === DataType.FLOAT) tensorsConverted++;
            return convertAttribute(a);
          });
        }
      }
      nodes.push({ ...node, attribute, input: node.input.map(mapIn), output: node.output.map(mapOut) });
    }
    nodes.push(...outputCasts);
    // Recorded float32 types of intermediate values are no longer true; onnxruntime infers them again.
    const valueInfo = graph.valueInfo.filter(
      (v: ValueInfoProto) => v.type?.tensorType?.elemType !== DataType.FLOAT,
    );
    const out = removeUnused({ ...graph, node: nodes, initializer, valueInfo });
    return {
      model: { ...model, graph: out },
      report: { tensorsConverted, castsAdded, nodesKeptFp32: nodesKept, blockList: [...blockOps].sort() },
    };
  },
});
