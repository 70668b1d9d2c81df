// Every place a model keeps tensors: graph initializers (sparse ones too), node attributes, and
// the same again inside subgraphs (If/Loop/Scan bodies), training graphs and local functions.
// External data, summaries and future passes all need that one complete walk; mapTensors copies
// only the containers on the way, so a caller's decoded model is never modified.
import type {
  AttributeProto,
  FunctionProto,
  GraphProto,
  ModelProto,
  NodeProto,
  SparseTensorProto,
  TensorProto,
} from "./onnx-types.ts";

export interface TensorSite {
  /** "initializer": a graph initializer; "sparse": part of a sparse initializer or attribute. */
  readonly kind: "initializer" | "sparse" | "attribute";
  /** Name of the owning graph (or function). */
  readonly graph: string;
  /** 0 for the main graph, 1+ inside subgraphs, training graphs and functions. */
  readonly depth: number;
}

type TensorFn = (tensor: TensorProto, site: TensorSite) => TensorProto;

class TensorMapper {
  constructor(private readonly fn: TensorFn) {}

  graph(g: GraphProto, depth: number): GraphProto {
    const name = g.name ?? "";
    return {
      ...g,
      initializer: g.initializer.map((t) => this.fn(t, { kind: "initializer", graph: name, depth })),
      sparseInitializer: g.sparseInitializer.map((s) => this.sparse(s, name, depth)),
      node: g.node.map((n) => this.node(n, name, depth)),
    };
  }

  function(f: FunctionProto): FunctionProto {
    return { ...f, node: f.node.map((n) => this.node(n, f.name ?? "", 1)) };
  }

  private sparse(s: SparseTensorProto, graph: string, depth: number): SparseTensorProto {
    const site: TensorSite = { kind: "sparse", graph, depth };
    return {
      ...s,
      values: s.values && this.fn(s.values, site),
      indices: s.indices && this.fn(s.indices, site),
    };
  }

  private node(n: NodeProto, graph: string, depth: number): NodeProto {
    return { ...n, attribute: n.attribute.map((a) => this.attribute(a, graph, depth)) };
  }

  private attribute(a: AttributeProto, graph: string, depth: number): AttributeProto {
    const site: TensorSite = { kind: "attribute", graph, depth };
    return {
      ...a,
      t: a.t && this.fn(a.t, site),
      tensors: a.tensors.map((t) => this.fn(t, site)),
      g: a.g && this.graph(a.g, depth + 1),
      graphs: a.graphs.map((g) => this.graph(g, depth + 1)),
      sparseTensor: a.sparseTensor && this.sparse(a.sparseTensor, graph, depth),
      sparseTensors: a.sparseTensors.map((s) => this.sparse(s, graph, depth)),
    };
  }
}

/** A copy of `model` with every tensor replaced by fn(tensor); containers are copied, not mutated. */
export function mapTensors(model: ModelProto, fn: TensorFn): ModelProto {
  const m = new TensorMapper(fn);
  return {
    ...model,
    graph: model.graph && m.graph(model.graph, 0),
    trainingInfo: model.trainingInfo.map((ti) => ({
      ...ti,
      initialization: ti.initialization && m.graph(ti.initialization, 1),
      algorithm: ti.algorithm && m.graph(ti.algorithm, 1),
    })),
    functions: model.functions.map((f) => m.function(f)),
  };
}

/** Calls fn for every tensor in the model, in file order. */
export function forEachTensor(model: ModelProto, fn: (tensor: TensorProto, site: TensorSite) => void): void {
  mapTensors(model, (t, site) => {
    fn(t, site);
    return t;
  });
}

/** Calls fn for every graph: the main graph, then subgraphs depth-first, training graphs. */
export function forEachGraph(model: ModelProto, fn: (graph: GraphProto, depth: number) => void): void {
  const visitNodes = (nodes: NodeProto[], depth: number): void => {
    for (const n of nodes)
      for (const a of n.attribute) for (const g of a.g ? [a.g, ...a.graphs] : a.graphs) visit(g, depth + 1);
  };
  const visit = (g: GraphProto, depth: number): void => {
    fn(g, depth);
    visitNodes(g.node, depth);
  };
  if (model.graph) visit(model.graph, 0);
  for (const ti of model.trainingInfo) {
    if (ti.initialization) visit(ti.initialization, 1);
    if (ti.algorithm) visit(ti.algorithm, 1);
  }
  for (const f of model.functions) visitNodes(f.node, 0);
}
