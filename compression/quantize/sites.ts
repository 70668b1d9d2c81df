// Where weight quantization applies: MatMul nodes whose second input is a constant 2-D weight,
// and Gemm nodes (transA = 0) whose B is one, with the weight read through Identity/Constant
// chains and oriented [K, N] whatever Gemm's transB says, so every pass quantizes the same way.
import { z } from "zod";
import { attr, constantTensor, floatAttr, type GraphIndex, intAttr } from "../graph/graph.ts";
import { dimsOf, floatValues } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import type { GraphProto, NodeProto, TensorProto } from "../onnx-io/onnx-types.ts";

/** Options every weight-quantizing pass shares. */
export const siteOptions = {
  /** Node names (or weight names) left in float. */
  exclude: z.array(z.string()).default([]),
  /** Weights with fewer elements stay in float: their quantization parameters would cost more than they save. */
  minElements: z.number().int().nonnegative().default(16),
};

export interface WeightSite {
  node: NodeProto;
  op: "MatMul" | "Gemm";
  /** The value name the node reads its weight from (input 1). */
  weightName: string;
  tensor: TensorProto;
  /** Weight as [K, N] row-major, K the reduced dimension. */
  weight: Float32Array;
  k: number;
  n: number;
  /** Gemm only: B is stored [N, K]. */
  transB: boolean;
  alpha: number;
  beta: number;
  /** Gemm's C input, if any. */
  bias?: string;
}

export interface SiteSkip {
  node: string;
  reason: string;
}

export function findWeightSites(
  graph: GraphProto,
  index: GraphIndex,
  options: { exclude: string[]; minElements: number },
): { sites: WeightSite[]; skipped: SiteSkip[] } {
  const sites: WeightSite[] = [];
  const skipped: SiteSkip[] = [];
  const exclude = new Set(options.exclude);
  for (const node of graph.node) {
    if ((node.domain ?? "") !== "" || (node.opType !== "MatMul" && node.opType !== "Gemm")) continue;
    const label = node.name ?? node.output[0] ?? "?";
    const weightName = node.input[1] ?? "";
    const tensor = constantTensor(graph, index, weightName);
    if (!tensor) continue; // activation × activation (attention scores): nothing to quantize
    if (exclude.has(label) || exclude.has(weightName) || exclude.has(tensor.name ?? "")) {
      skipped.push({ node: label, reason: "excluded" });
      continue;
    }
    if (tensor.dataType !== DataType.FLOAT) {
      skipped.push({ node: label, reason: "weight is not float32" });
      continue;
    }
    const dims = dimsOf(tensor);
    if (dims.length !== 2) {
      skipped.push({ node: label, reason: `weight has rank ${dims.length}, not 2` });
      continue;
    }
    const [d0, d1] = dims as [number, number];
    if (d0 * d1 < options.minElements) {
      skipped.push({ node: label, reason: `weight has ${d0 * d1} elements (< minElements)` });
      continue;
    }
    const values = floatValues(tensor);
    if (node.opType === "MatMul") {
      sites.push({
        node,
        op: "MatMul",
        weightName,
        tensor,
        weight: values,
        k: d0,
        n: d1,
        transB: false,
        alpha: 1,
        beta: 1,
      });
      continue;
    }
    if (intAttr(node, "transA", 0) !== 0) {
      skipped.push({ node: label, reason: "Gemm with transA" });
      continue;
    }
    const transB = intAttr(node, "transB", 0) !== 0;
    const [k, n] = transB ? [d1, d0] : [d0, d1];
    const weight = transB ? transposeValues(values, d0, d1) : values;
    const bias = node.input[2] || undefined;
    sites.push({
      node,
      op: "Gemm",
      weightName,
      tensor,
      weight,
      k,
      n,
      transB,
      alpha: floatAttr(node, "alpha", 1),
      beta: attr(node, "beta") ? floatAttr(node, "beta", 1) : 1,
      ...(bias ? { bias } : {}),
    });
  }
  return { sites, skipped };
}

function transposeValues(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}
