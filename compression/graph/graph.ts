// Graph bookkeeping shared by the passes: who produces and who consumes each value, constant
// weights reached the way exporters write them (an initializer, possibly behind Identity nodes or
// produced by a Constant node, as PyTorch's exporters do), fresh unique names, node and attribute
// builders, dead-node and unused-initializer removal, and opset imports.
import Long from "long";
import type {
  AttributeProto,
  GraphProto,
  ModelProto,
  NodeProto,
  TensorProto,
} from "../onnx-io/onnx-types.ts";
import { CompressionError } from "./errors.ts";

export interface GraphIndex {
  initializers: Map<string, TensorProto>;
  producers: Map<string, NodeProto>;
  consumers: Map<string, NodeProto[]>;
  graphOutputs: Set<string>;
}

export function indexGraph(graph: GraphProto): GraphIndex {
  const initializers = new Map(graph.initializer.map((t) => [t.name ?? "", t]));
  const producers = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  for (const node of graph.node) {
    for (const o of node.output) if (o) producers.set(o, node);
    for (const i of node.input) {
      if (!i) continue;
      const list = consumers.get(i) ?? [];
      list.push(node);
      consumers.set(i, list);
    }
  }
  return { initializers, producers, consumers, graphOutputs: new Set(graph.output.map((o) => o.name ?? "")) };
}

export function attr(node: NodeProto, name: string): AttributeProto | undefined {
  return node.attribute.find((a) => a.name === name);
}

export function intAttr(node: NodeProto, name: string, fallback: number): number {
  const a = attr(node, name);
  return a?.i !== undefined ? a.i.toNumber() : fallback;
}

export function floatAttr(node: NodeProto, name: string, fallback: number): number {
  return attr(node, name)?.f ?? fallback;
}

function emptyAttribute(name: string, type: number): AttributeProto {
  return {
    name,
    type,
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphs: [],
    typeProtos: [],
    sparseTensors: [],
  };
}

export function intAttribute(name: string, value: number): AttributeProto {
  return { ...emptyAttribute(name, 2), i: Long.fromNumber(value) };
}

export function tensorAttribute(name: string, value: TensorProto): AttributeProto {
  return { ...emptyAttribute(name, 4), t: value };
}

/** A subgraph attribute (If's then_branch / else_branch, Loop's and Scan's body). */
export function graphAttribute(name: string, value: GraphProto): AttributeProto {
  return { ...emptyAttribute(name, 5), g: value };
}

export function makeNode(
  opType: string,
  inputs: string[],
  outputs: string[],
  name: string,
  attributes: AttributeProto[] = [],
  domain?: string,
): NodeProto {
  return {
    opType,
    input: inputs,
    output: outputs,
    name,
    attribute: attributes,
    ...(domain ? { domain } : {}),
    metadataProps: [],
    deviceConfigurations: [],
  };
}

/**
 * The constant tensor behind a value: an initializer, a Constant node's `value`, or either of
 * those behind a chain of Identity nodes. Undefined when the value is computed or a graph input
 * (an initializer that is also a graph input can be overridden at run time, so it is not constant).
 */
export function constantTensor(graph: GraphProto, index: GraphIndex, name: string): TensorProto | undefined {
  const inputs = new Set(graph.input.map((i) => i.name));
  let current = name;
  for (let hops = 0; hops < 64; hops++) {
    const init = index.initializers.get(current);
    if (init) return inputs.has(current) ? undefined : init;
    const producer = index.producers.get(current);
    if (!producer || (producer.domain ?? "") !== "") return undefined;
    if (producer.opType === "Identity") {
      current = producer.input[0] ?? "";
      continue;
    }
    if (producer.opType === "Constant") return attr(producer, "value")?.t;
    return undefined;
  }
  return undefined;
}

/** Hands out names not yet used by any value, initializer or node in the graph. */
export class NameScope {
  private readonly used = new Set<string>();

  constructor(graph: GraphProto) {
    for (const t of graph.initializer) this.used.add(t.name ?? "");
    for (const v of [...graph.input, ...graph.output, ...graph.valueInfo]) this.used.add(v.name ?? "");
    for (const n of graph.node) {
      for (const v of [...n.input, ...n.output]) this.used.add(v);
      if (n.name) this.used.add(n.name);
    }
  }

  fresh(base: string): string {
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }
}

/**
 * Removes nodes whose outputs nobody reads (graph outputs count as read; nodes with subgraphs
 * are kept, they may read outer values), then initializers nobody reads. Returns a new graph.
 */
export function removeUnused(graph: GraphProto): GraphProto {
  const live = new Set(graph.output.map((o) => o.name ?? ""));
  const keep = new Array<boolean>(graph.node.length).fill(false);
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i] as NodeProto;
    const hasSubgraph = node.attribute.some((a) => a.g !== undefined || a.graphs.length > 0);
    if (hasSubgraph || node.output.some((o) => o && live.has(o))) {
      keep[i] = true;
      for (const input of node.input) if (input) live.add(input);
    }
  }
  // Nodes are topologically sorted in a valid model, but a reverse sweep only sees readers that
  // come later; a second forward check catches any reader kept after its producer was visited.
  const node = graph.node.filter((_, i) => keep[i]);
  const read = new Set<string>(graph.output.map((o) => o.name ?? ""));
  for (const n of node) for (const i of n.input) read.add(i);
  return {
    ...graph,
    node,
    initializer: graph.initializer.filter((t) => read.has(t.name ?? "")),
    valueInfo: graph.valueInfo.filter((v) => read.has(v.name ?? "")),
  };
}

/** The model's default-domain opset version. */
export function defaultOpset(model: ModelProto): number {
  const o = model.opsetImport.find((x) => (x.domain ?? "") === "" || x.domain === "ai.onnx");
  if (!o?.version) throw new CompressionError("unsupported", "the model imports no default-domain opset");
  return o.version.toNumber();
}

/** A copy of the model importing `domain` at least at `version` (adds the import if missing). */
export function withOpsetImport(model: ModelProto, domain: string, version: number): ModelProto {
  const has = model.opsetImport.some((o) => (o.domain ?? "") === domain);
  const opsetImport = has
    ? model.opsetImport.map((o) =>
        (o.domain ?? "") === domain && (o.version?.toNumber() ?? 0) < version
          ? { ...o, version: Long.fromNumber(version) }
          : o,
      )
    : [...model.opsetImport, { domain, version: Long.fromNumber(version) }];
  return { ...model, opsetImport };
}

/** A copy with ir_version raised to at least `version`. */
export function withIrVersion(model: ModelProto, version: number): ModelProto {
  const current = model.irVersion?.toNumber() ?? 0;
  return current >= version ? model : { ...model, irVersion: Long.fromNumber(version) };
}
