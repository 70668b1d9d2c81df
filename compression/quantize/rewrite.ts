// The rewrite loop every weight-quantizing pass shares: find MatMul/Gemm weight sites, let the
// pass replace each site's node by new nodes (and new initializers), keep everything else in
// order, quantize a weight shared by several nodes once, then drop the float weights (and the
// Identity/Constant chains in front of them) that nothing reads any more.
import {
  type GraphIndex,
  indexGraph,
  intAttribute,
  makeNode,
  NameScope,
  removeUnused,
} from "../graph/graph.ts";
import { makeTensor, pack4 } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { OnnxIoError } from "../onnx-io/errors.ts";
import type { GraphProto, ModelProto, NodeProto, TensorProto } from "../onnx-io/onnx-types.ts";
import type { PassReport } from "../passes/pass.ts";
import { transposeInt8 } from "./math.ts";
import { findWeightSites, type WeightSite } from "./sites.ts";

export interface RewriteContext {
  names: NameScope;
  index: GraphIndex;
  /** Adds an initializer; returns its name. */
  addInitializer(tensor: TensorProto): string;
  /** Nodes emitted once per key (e.g. one DynamicQuantizeLinear per activation), placed before first use. */
  once(key: string, make: () => NodeProto[]): void;
  /** Memo per key (e.g. one quantized copy per shared weight). */
  memo<T>(key: string, make: () => T): T;
}

export interface SiteRewrite {
  nodes: NodeProto[];
}

export function rewriteWeightSites(
  model: ModelProto,
  options: { exclude: string[]; minElements: number },
  rewrite: (site: WeightSite, ctx: RewriteContext) => SiteRewrite,
): { model: ModelProto; report: PassReport } {
  const graph = model.graph;
  if (!graph) throw new OnnxIoError("missing-graph", "model has no graph");
  const index = indexGraph(graph);
  const { sites, skipped } = findWeightSites(graph, index, options);
  const bySite = new Map(sites.map((s) => [s.node, s]));
  const names = new NameScope(graph);
  const added: TensorProto[] = [];
  const memos = new Map<string, unknown>();
  const emitted = new Set<string>();
  const nodes: NodeProto[] = [];
  const ctx: RewriteContext = {
    names,
    index,
    addInitializer(tensor) {
      added.push(tensor);
      return tensor.name ?? "";
    },
    once(key, make) {
      if (emitted.has(key)) return;
      emitted.add(key);
      nodes.push(...make());
    },
    memo<T>(key: string, make: () => T): T {
      if (!memos.has(key)) memos.set(key, make());
      return memos.get(key) as T;
    },
  };
  let floatBytes = 0;
  const quantizedWeights = new Set<string>();
  for (const node of graph.node) {
    const site = bySite.get(node);
    if (!site) {
      nodes.push(node);
      continue;
    }
    if (!quantizedWeights.has(site.weightName)) floatBytes += site.k * site.n * 4;
    quantizedWeights.add(site.weightName);
    nodes.push(...rewrite(site, ctx).nodes);
  }
  const before: GraphProto = { ...graph, node: nodes, initializer: [...graph.initializer, ...added] };
  const after = removeUnused(before);
  const addedBytes = added.reduce((n, t) => n + (t.rawData?.length ?? 0), 0);
  return {
    model: { ...model, graph: after },
    report: {
      nodesQuantized: sites.length,
      weightsQuantized: quantizedWeights.size,
      nodesSkipped: skipped.length,
      skipped: skipped.map((s) => `${s.node}: ${s.reason}`),
      floatWeightBytes: floatBytes,
      quantizedBytes: addedBytes,
      initializersRemoved: graph.initializer.length + added.length - after.initializer.length,
    },
  };
}

/** A weight's integers as a quantizer made them: [K, N] row-major, with one scale (and zero point) per output channel, or one for the whole tensor. */
export interface IntegerWeight {
  values: Int8Array | Uint8Array;
  /** INT8, UINT8, or INT4 (packed two to a byte here). */
  dataType: number;
  scale: Float32Array;
  /** Same type as the values; absent for symmetric quantization. */
  zeroPoint?: Int8Array | Uint8Array;
  /** One scale per output channel (DequantizeLinear gets the channel axis). */
  perChannel: boolean;
  /** The stored tensor is named `<weight>_<suffix>`. */
  suffix: string;
}

/**
 * A DequantizeLinear that restores `site`'s weight in float from `weight` (its initializers added to
 * the graph), for the site's MatMul/Gemm to read instead of the float weight. The integers are stored
 * in the weight's own layout: [K, N] (axis 1 = channels), or [N, K] under Gemm transB (axis 0).
 */
export function weightDequantizer(
  site: WeightSite,
  ctx: RewriteContext,
  weight: IntegerWeight,
): { out: string; node: NodeProto } {
  const { names } = ctx;
  const base = site.tensor.name ?? site.weightName;
  const dims = site.transB ? [site.n, site.k] : [site.k, site.n];
  const values = site.transB ? transposeInt8(weight.values, site.k, site.n) : weight.values;
  const scaleDims = weight.scale.length > 1 ? [weight.scale.length] : [];
  const stored = weight.dataType === DataType.INT4 ? pack4(values) : values;
  const inputs = [
    ctx.addInitializer(makeTensor(names.fresh(`${base}_${weight.suffix}`), weight.dataType, dims, stored)),
    ctx.addInitializer(floatInitializer(names.fresh(`${base}_scale`), weight.scale, scaleDims)),
  ];
  if (weight.zeroPoint) {
    const name = names.fresh(`${base}_zero_point`);
    inputs.push(ctx.addInitializer(makeTensor(name, weight.dataType, scaleDims, weight.zeroPoint)));
  }
  const out = names.fresh(`${base}_dequantized`);
  const axis = weight.perChannel ? [intAttribute("axis", site.transB ? 0 : 1)] : [];
  return {
    out,
    node: makeNode("DequantizeLinear", inputs, [out], names.fresh(`${base}_DequantizeLinear`), axis),
  };
}

/** A scalar or 1-D float32 initializer. */
export function floatInitializer(name: string, values: Float32Array, dims: number[]): TensorProto {
  return makeTensor(name, 1, dims, values);
}

/**
 * A Gemm site's epilogue once its product is computed: `out = product + beta · bias` (Mul only when
 * beta ≠ 1). Nothing to add for a MatMul, or a Gemm without bias, whose product is written to `out`.
 */
export function biasEpilogue(
  site: WeightSite,
  ctx: RewriteContext,
  label: string,
  product: string,
  out: string,
): NodeProto[] {
  if (!site.bias) return [];
  const { names } = ctx;
  const nodes: NodeProto[] = [];
  let bias = site.bias;
  if (site.beta !== 1) {
    const beta = ctx.addInitializer(
      floatInitializer(names.fresh(`${label}_beta`), Float32Array.of(site.beta), []),
    );
    bias = names.fresh(`${label}_bias_scaled`);
    nodes.push(makeNode("Mul", [site.bias, beta], [bias], names.fresh(`${label}_beta_Mul`)));
  }
  nodes.push(makeNode("Add", [product, bias], [out], names.fresh(`${label}_bias_Add`)));
  return nodes;
}
