// What a model is, in numbers a person or a report can use: IR version, opsets, the signature
// (inputs/outputs with element types and shapes), and the weights (initializers, parameters,
// bytes, element types). Plain JSON values only (64-bit counts become numbers), so a summary can
// go straight into reports, manifests and the CLI's output. Counts cover every graph, subgraphs
// included; a model without control flow has only the main graph.

import { encodedModelSize } from "./codec.ts";
import { elementCount, elementTypeName, rawByteLength } from "./data-types.ts";
import { isExternal } from "./external-data.ts";
import type { ModelProto, TensorProto, TypeProto, ValueInfoProto } from "./onnx-types.ts";
import { forEachGraph, forEachTensor } from "./walk.ts";

export interface ValueSummary {
  name: string;
  /** "tensor", "sequence", "map", "optional", "sparse_tensor", "opaque" or "unknown". */
  kind: string;
  /** Element type name ("FLOAT", "INT64", "INT4"...) for tensors, null otherwise. */
  elemType: string | null;
  /** Dimensions: a number, a symbolic name, or null when unknown; null when the rank is unknown. */
  shape: (number | string | null)[] | null;
}

export interface InitializerSummary {
  name: string;
  elemType: string;
  dims: number[];
  /** Bytes of its data as raw_data (sub-byte types packed). */
  bytes: number;
  external: boolean;
  /** 0 for the main graph. */
  depth: number;
}

export interface ModelSummary {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Operator set versions by domain ("" is the default ONNX domain). */
  opsets: Record<string, number>;
  inputs: ValueSummary[];
  outputs: ValueSummary[];
  nodeCount: number;
  initializerCount: number;
  /** Elements of all initializers (an int4 weight counts its elements, not its bytes). */
  parameterCount: number;
  /** Bytes of all initializers' data (what external data files or raw_data hold). */
  initializerBytes: number;
  /** Initializers whose data is still a reference to external data. */
  externalInitializers: number;
  initializerTypes: string[];
  /** Size of the model as one protobuf (external data not included while it is external). */
  encodedBytes: number;
}

function describeType(type: TypeProto | undefined): Omit<ValueSummary, "name"> {
  if (type?.tensorType) {
    const shape = type.tensorType.shape;
    return {
      kind: "tensor",
      elemType: elementTypeName(type.tensorType.elemType),
      shape: shape ? shape.dim.map((d) => (d.dimValue ? d.dimValue.toNumber() : (d.dimParam ?? null))) : null,
    };
  }
  const kinds = ["sequenceType", "mapType", "optionalType", "sparseTensorType", "opaqueType"] as const;
  const names = ["sequence", "map", "optional", "sparse_tensor", "opaque"];
  const i = kinds.findIndex((k) => type?.[k] !== undefined);
  return { kind: names[i] ?? "unknown", elemType: null, shape: null };
}

function describeValue(v: ValueInfoProto): ValueSummary {
  return { name: v.name ?? "", ...describeType(v.type) };
}

function tensorBytes(t: TensorProto): number {
  return rawByteLength(t.dataType, elementCount(t.dims)) ?? t.stringData.reduce((n, s) => n + s.length, 0);
}

/** Every initializer of every graph, with its type, shape and size. */
export function listInitializers(model: ModelProto): InitializerSummary[] {
  const out: InitializerSummary[] = [];
  forEachTensor(model, (t, site) => {
    if (site.kind !== "initializer") return;
    out.push({
      name: t.name ?? "",
      elemType: elementTypeName(t.dataType),
      dims: t.dims.map((d) => d.toNumber()),
      bytes: tensorBytes(t),
      external: isExternal(t),
      depth: site.depth,
    });
  });
  return out;
}

/** Number of parameters: elements of all initializers of all graphs. */
export function countParameters(model: ModelProto): number {
  let n = 0;
  forEachTensor(model, (t, site) => {
    if (site.kind === "initializer") n += elementCount(t.dims);
  });
  return n;
}

export function modelSummary(model: ModelProto): ModelSummary {
  const initializers = listInitializers(model);
  let nodeCount = 0;
  forEachGraph(model, (g) => {
    nodeCount += g.node.length;
  });
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport) opsets[o.domain ?? ""] = o.version?.toNumber() ?? 0;
  return {
    irVersion: model.irVersion?.toNumber() ?? 0,
    producerName: model.producerName ?? "",
    producerVersion: model.producerVersion ?? "",
    opsets,
    inputs: (model.graph?.input ?? []).map(describeValue),
    outputs: (model.graph?.output ?? []).map(describeValue),
    nodeCount,
    initializerCount: initializers.length,
    parameterCount: countParameters(model),
    initializerBytes: initializers.reduce((n, i) => n + i.bytes, 0),
    externalInitializers: initializers.filter((i) => i.external).length,
    initializerTypes: [...new Set(initializers.map((i) => i.elemType))].sort(),
    encodedBytes: encodedModelSize(model),
  };
}
