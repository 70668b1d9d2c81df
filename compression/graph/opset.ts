// Raising a model's default-domain opset (blocked int4 DequantizeLinear needs opset 21). Most
// operators mean the same from opset 13 to 21; the ones that do not are rewritten (the Reduce*
// family moved `axes` from an attribute to an input in opset 18) or refused with a clear error,
// so an upgrade never silently changes what a model computes.

import Long from "long";
import { OnnxIoError } from "../onnx-io/errors.ts";
import type { GraphProto, ModelProto, NodeProto } from "../onnx-io/onnx-types.ts";
import { CompressionError } from "./errors.ts";
import { attr, defaultOpset, NameScope, withIrVersion } from "./graph.ts";
import { int64Tensor } from "./tensors.ts";

const reduceAxesToInput = new Set([
  "ReduceL1",
  "ReduceL2",
  "ReduceLogSum",
  "ReduceLogSumExp",
  "ReduceMax",
  "ReduceMean",
  "ReduceMin",
  "ReduceProd",
  "ReduceSumSquare",
]);

/** Operators whose meaning changed between opset 13 and 21 in ways not rewritten here. */
const changedMeaning = new Map([
  ["GroupNormalization", 21],
  ["GridSample", 20],
  ["DFT", 20],
  ["Split", 18],
]);

function upgradeGraph(graph: GraphProto, from: number, to: number): GraphProto {
  const names = new NameScope(graph);
  const initializer = [...graph.initializer];
  const node: NodeProto[] = graph.node.map((n) => {
    if ((n.domain ?? "") !== "") return n;
    const op = n.opType ?? "";
    const changedAt = changedMeaning.get(op);
    if (changedAt !== undefined && from < changedAt && to >= changedAt) {
      // Split 18 only adds num_outputs; a Split with an explicit `split` input means the same.
      if (!(op === "Split" && n.input.length > 1 && n.input[1])) {
        throw new CompressionError(
          "unsupported",
          `cannot raise opset ${from} → ${to}: ${op} changed meaning in opset ${changedAt}`,
        );
      }
    }
    if (reduceAxesToInput.has(op) && from < 18 && to >= 18) {
      const axes = attr(n, "axes");
      if (!axes) return n;
      const name = names.fresh(`${n.name || op}_axes`);
      initializer.push(
        int64Tensor(
          name,
          axes.ints.map((i) => i.toNumber()),
        ),
      );
      return {
        ...n,
        input: [n.input[0] ?? "", name],
        attribute: n.attribute.filter((a) => a.name !== "axes"),
      };
    }
    return n;
  });
  return { ...graph, node, initializer };
}

/** A copy of the model importing the default domain at opset `to` (≥ its current one, from ≥ 13). */
export function upgradeOpset(model: ModelProto, to: number): ModelProto {
  const from = defaultOpset(model);
  if (from >= to) return model;
  if (from < 13)
    throw new CompressionError(
      "unsupported",
      `cannot raise opset ${from} → ${to}: opsets below 13 are not upgraded`,
    );
  if (!model.graph) throw new OnnxIoError("missing-graph", "model has no graph");
  for (const n of model.graph.node) {
    if (n.attribute.some((a) => a.g !== undefined || a.graphs.length > 0)) {
      throw new CompressionError(
        "unsupported",
        `cannot raise opset ${from} → ${to}: subgraphs (${n.opType}) are not upgraded`,
      );
    }
  }
  const upgraded: ModelProto = {
    ...model,
    graph: upgradeGraph(model.graph, from, to),
    opsetImport: model.opsetImport.map((o) =>
      (o.domain ?? "") === "" || o.domain === "ai.onnx" ? { ...o, version: Long.fromNumber(to) } : o,
    ),
  };
  // Opset 21 needs IR 10 (int4 types); 18–20 need IR 8/9.
  return withIrVersion(upgraded, to >= 21 ? 10 : to >= 19 ? 9 : 8);
}
