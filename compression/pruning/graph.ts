// Graph plumbing every pruning pass needs and the codec does not give: find the weight matrices of
// MatMul/Gemm nodes (also when PyTorch's exporters reach them through Identity or Constant nodes),
// read and write float32 tensor data, and edit a graph without touching the caller's decoded model
// (an editor copies only what it changes). Everything here is pure: no Node APIs, Worker-safe.
import Long from "long";
import { DataType } from "../onnx-io/data-types.ts";
import { isExternal } from "../onnx-io/external-data.ts";
import type { GraphProto, ModelProto, NodeProto, TensorProto } from "../onnx-io/onnx-types.ts";

export type PruneErrorCode =
  | "no-graph"
  | "external-data"
  | "unsupported-tensor"
  | "no-weights"
  | "bad-calibration"
  | "pattern-not-found";

/** One error class for pruning: a model or options the passes cannot work with. */
export class PruneError extends Error {
  override readonly name = "PruneError";
  readonly code: PruneErrorCode;
  constructor(code: PruneErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export function dimsOf(t: TensorProto): number[] {
  return t.dims.map((d) => d.toNumber());
}

/** A float32 tensor's values (a copy); raw_data is little-endian as ONNX defines it. */
export function floatValues(t: TensorProto): Float32Array {
  if (isExternal(t))
    throw new PruneError(
      "external-data",
      `tensor ${t.name ?? "?"} is in external data; resolve it first (resolveExternalData)`,
    );
  if (t.dataType !== DataType.FLOAT)
    throw new PruneError("unsupported-tensor", `tensor ${t.name ?? "?"} is not float32 (type ${t.dataType})`);
  const n = dimsOf(t).reduce((a, b) => a * b, 1);
  if (t.rawData && t.rawData.length > 0) {
    if (t.rawData.length !== n * 4)
      throw new PruneError(
        "unsupported-tensor",
        `tensor ${t.name ?? "?"}: raw_data length does not match dims`,
      );
    const out = new Float32Array(n);
    new Uint8Array(out.buffer).set(t.rawData);
    return out;
  }
  if (t.floatData.length !== n)
    throw new PruneError(
      "unsupported-tensor",
      `tensor ${t.name ?? "?"}: float_data length does not match dims`,
    );
  return Float32Array.from(t.floatData);
}

/** A copy of `t` holding `values` as raw_data, with new dims when given. */
export function withFloatValues(t: TensorProto, values: Float32Array, dims?: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.byteLength);
  raw.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  return {
    ...t,
    dims: dims ? dims.map((d) => Long.fromNumber(d)) : t.dims,
    rawData: raw,
    floatData: [],
  };
}

/** Integer values of an INT64/INT32 tensor (shape constants, split sizes). */
export function intValues(t: TensorProto): number[] {
  const n = dimsOf(t).reduce((a, b) => a * b, 1);
  if (t.dataType === DataType.INT64) {
    if (t.rawData && t.rawData.length > 0) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Array.from({ length: n }, (_, i) => Number(view.getBigInt64(i * 8, true)));
    }
    return t.int64Data.map((v) => v.toNumber());
  }
  if (t.dataType === DataType.INT32) {
    if (t.rawData && t.rawData.length > 0) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      return Array.from({ length: n }, (_, i) => view.getInt32(i * 4, true));
    }
    return [...t.int32Data];
  }
  throw new PruneError("unsupported-tensor", `tensor ${t.name ?? "?"} is not an integer tensor`);
}

/** A copy of an INT64 tensor with new values (same dims). */
export function withInt64Values(t: TensorProto, values: readonly number[]): TensorProto {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => {
    view.setBigInt64(i * 8, BigInt(v), true);
  });
  return { ...t, dataType: DataType.INT64, rawData: raw, int64Data: [], int32Data: [] };
}

/** Where a constant value lives: a graph initializer or a Constant node's `value` attribute. */
export type ConstantSource =
  | { kind: "initializer"; name: string }
  | { kind: "constant-node"; output: string };

export interface ResolvedConstant {
  source: ConstantSource;
  tensor: TensorProto;
}

/**
 * Looks up initializers, producers and consumers of one graph, and records edits as copies:
 * `finish()` returns a new model, the input model is never modified.
 */
export class GraphEditor {
  readonly initializers = new Map<string, TensorProto>();
  readonly producers = new Map<string, NodeProto>();
  readonly consumers = new Map<string, NodeProto[]>();
  private nodes: NodeProto[];
  private readonly usedNames = new Set<string>();
  private readonly newInitializers: TensorProto[] = [];
  private readonly droppedValueInfo = new Set<string>();

  constructor(private readonly model: ModelProto) {
    const g = model.graph;
    if (!g) throw new PruneError("no-graph", "the model has no graph");
    // the editor owns shallow copies of the nodes, so it can edit them in place and node references
    // handed out (LinearWeight.node, blocks) stay valid across edits
    this.nodes = g.node.map((n) => ({ ...n, input: [...n.input] }));
    for (const t of g.initializer) this.initializers.set(t.name ?? "", t);
    for (const t of g.initializer) this.usedNames.add(t.name ?? "");
    this.reindex();
  }

  private reindex(): void {
    this.producers.clear();
    this.consumers.clear();
    for (const n of this.nodes) {
      for (const o of n.output) {
        this.producers.set(o, n);
        this.usedNames.add(o);
      }
      for (const i of n.input) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  get graph(): GraphProto {
    // biome-ignore lint/style/noNonNullAssertion: checked in the constructor
    return this.model.graph!;
  }

  get nodeList(): readonly NodeProto[] {
    return this.nodes;
  }

  isGraphOutput(name: string): boolean {
    return this.graph.output.some((o) => o.name === name);
  }

  /** The constant behind a value name, following Identity nodes, or undefined if it is computed. */
  resolve(name: string): ResolvedConstant | undefined {
    let current = name;
    for (let hops = 0; hops < 16; hops++) {
      const init = this.initializers.get(current);
      if (init && !this.producers.has(current))
        return { source: { kind: "initializer", name: current }, tensor: init };
      const p = this.producers.get(current);
      if (!p) return undefined;
      if (p.opType === "Identity" && p.input[0]) {
        current = p.input[0];
        continue;
      }
      if (p.opType === "Constant") {
        const attr = p.attribute.find((a) => a.name === "value");
        if (attr?.t) return { source: { kind: "constant-node", output: current }, tensor: attr.t };
        const ints = p.attribute.find((a) => a.name === "value_ints");
        if (ints)
          return {
            source: { kind: "constant-node", output: current },
            tensor: withInt64Values(
              { ...emptyTensor(), dims: [Long.fromNumber(ints.ints.length)] },
              ints.ints.map((v) => v.toNumber()),
            ),
          };
        return undefined;
      }
      return undefined;
    }
    return undefined;
  }

  /** Replaces the data behind a constant source everywhere it is used. */
  setConstant(source: ConstantSource, tensor: TensorProto): void {
    if (source.kind === "initializer") {
      const named = { ...tensor, name: source.name };
      this.initializers.set(source.name, named);
      return;
    }
    const node = this.producers.get(source.output);
    if (node?.opType === "Constant")
      node.attribute = [{ ...emptyAttribute(), name: "value", type: 4, t: { ...tensor, name: undefined } }];
  }

  /** A fresh value name, unused in the graph. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name) || this.initializers.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  /** Adds an initializer under a fresh name derived from `base` and returns that name. */
  addInitializer(base: string, tensor: TensorProto): string {
    const name = this.uniqueName(base);
    const t = { ...tensor, name };
    this.initializers.set(name, t);
    this.newInitializers.push(t);
    return name;
  }

  /** Points input `index` of `node` at `value` (nodes are matched by identity). */
  setNodeInput(node: NodeProto, index: number, value: string): void {
    node.input[index] = value;
    this.reindex();
  }

  /** Shape annotations for these values are dropped: their shapes changed, onnxruntime re-infers them. */
  dropValueInfo(names: Iterable<string>): void {
    for (const n of names) this.droppedValueInfo.add(n);
  }

  /** Drops every intermediate shape annotation (head counts show up in many of them). */
  clearValueInfo(): void {
    for (const v of this.graph.valueInfo) this.droppedValueInfo.add(v.name ?? "");
  }

  finish(): ModelProto {
    const g = this.graph;
    const seen = new Set<string>();
    const initializer: TensorProto[] = [];
    for (const t of g.initializer) {
      const name = t.name ?? "";
      const current = this.initializers.get(name);
      if (current) initializer.push(current);
      seen.add(name);
    }
    for (const t of this.newInitializers)
      if (!seen.has(t.name ?? "")) initializer.push(this.initializers.get(t.name ?? "") ?? t);
    // drop nodes nothing reads any more (e.g. an Identity whose weight was replaced by a pruned copy)
    const outputs = new Set(g.output.map((o) => o.name ?? ""));
    let nodes = this.nodes;
    for (;;) {
      const read = new Set(nodes.flatMap((n) => n.input));
      const live = nodes.filter((n) => n.output.some((o) => o && (read.has(o) || outputs.has(o))));
      if (live.length === nodes.length) break;
      nodes = live;
    }
    const used = new Set(nodes.flatMap((n) => n.input));
    for (const o of outputs) used.add(o);
    return {
      ...this.model,
      graph: {
        ...g,
        node: nodes,
        // initializers nothing reads any more (replaced by clones) are dropped
        initializer: initializer.filter((t) => used.has(t.name ?? "")),
        valueInfo: g.valueInfo.filter((v) => !this.droppedValueInfo.has(v.name ?? "")),
      },
    };
  }
}

export function emptyTensor(): TensorProto {
  return {
    dims: [],
    floatData: [],
    int32Data: [],
    stringData: [],
    int64Data: [],
    doubleData: [],
    uint64Data: [],
    externalData: [],
    metadataProps: [],
  };
}

function emptyAttribute() {
  return {
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphs: [],
    typeProtos: [],
    sparseTensors: [],
  };
}

function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = node.attribute.find((x) => x.name === name);
  return a?.i !== undefined ? a.i.toNumber() : fallback;
}

/** A weight matrix multiplied by an activation: y = x · W (MatMul) or x · Wᵀ (Gemm transB=1). */
export interface LinearWeight {
  node: NodeProto;
  /** Index of the weight among node.input. */
  inputIndex: number;
  source: ConstantSource;
  /** Initializer name, or the Constant node's output name. */
  name: string;
  tensor: TensorProto;
  /** Stored dims: [in, out] when !transposed, [out, in] when transposed. */
  dims: [number, number];
  transposed: boolean;
}

/** Every 2-D float32 constant weight of a MatMul (second input) or Gemm (B) in the main graph. */
export function findLinearWeights(editor: GraphEditor): LinearWeight[] {
  const out: LinearWeight[] = [];
  for (const node of editor.nodeList) {
    if (node.opType !== "MatMul" && node.opType !== "Gemm") continue;
    if (node.domain && node.domain !== "ai.onnx") continue;
    if (node.opType === "Gemm" && intAttr(node, "transA", 0) !== 0) continue;
    const input = node.input[1];
    if (!input) continue;
    const c = editor.resolve(input);
    if (!c || c.tensor.dataType !== DataType.FLOAT || c.tensor.dims.length !== 2) continue;
    const [a, b] = dimsOf(c.tensor) as [number, number];
    out.push({
      node,
      inputIndex: 1,
      source: c.source,
      name: c.source.kind === "initializer" ? c.source.name : c.source.output,
      tensor: c.tensor,
      dims: [a, b],
      transposed: node.opType === "Gemm" && intAttr(node, "transB", 0) === 1,
    });
  }
  return out;
}

/** The distinct weight tensors among linear weights (a tied weight used twice is pruned once). */
export function distinctWeights(weights: readonly LinearWeight[]): LinearWeight[] {
  const seen = new Map<string, LinearWeight>();
  for (const w of weights) {
    const key = `${w.source.kind}:${w.name}`;
    if (!seen.has(key)) seen.set(key, w);
  }
  return [...seen.values()];
}

/** Matches a weight name against the user's exclude/include patterns (exact name or /regex/). */
export function matchesAny(name: string, patterns: readonly string[]): boolean {
  return patterns.some((p) => {
    if (p.length > 2 && p.startsWith("/") && p.endsWith("/")) return new RegExp(p.slice(1, -1)).test(name);
    return p === name;
  });
}
