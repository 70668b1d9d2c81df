// The compression component's face: ONNX in, compact ONNX out. Everything here is Worker-safe (no
// Node APIs, no code generation), so the CLI, the runner and the Worker's compression jobs run the
// same code: the ONNX codec, external data through a reader, summaries, graph walking, the pass
// registry and recipes. Node-only pieces (model files, verification) are in node.ts.
export * from "./calibration/index.ts";
export * from "./ensemble/index.ts";
export * from "./mixed-precision/index.ts";
export {
  type DecodeOptions,
  decodeModel,
  encodedModelSize,
  encodeModel,
  PROTOBUF_LIMIT,
} from "./onnx-io/codec.ts";
export {
  DataType,
  elementBits,
  elementCount,
  elementTypeName,
  rawByteLength,
} from "./onnx-io/data-types.ts";
export { OnnxIoError, type OnnxIoErrorCode } from "./onnx-io/errors.ts";
export {
  assertNoExternalData,
  type ExternalDataReader,
  type Externalized,
  type ExternalizeOptions,
  type ExternalRef,
  externalDataFromFiles,
  externalizeModel,
  externalRef,
  externalRefs,
  isExternal,
  resolveExternalData,
  resolveExternalDataSync,
  type SyncExternalDataReader,
} from "./onnx-io/external-data.ts";
export { normalizeLocation } from "./onnx-io/location.ts";
export type {
  AttributeProto,
  AttributeProto as Attribute,
  FunctionProto,
  GraphProto,
  GraphProto as Graph,
  ModelProto,
  ModelProto as Model,
  NodeProto,
  NodeProto as Node,
  OperatorSetIdProto,
  SparseTensorProto,
  StringStringEntryProto,
  TensorProto,
  TensorProto as Tensor,
  TensorShapeProto,
  TypeProto,
  ValueInfoProto,
  ValueInfoProto as ValueInfo,
} from "./onnx-io/onnx-types.ts";
export { schemaSource } from "./onnx-io/schema.ts";
export {
  countParameters,
  type InitializerSummary,
  listInitializers,
  type ModelSummary,
  modelSummary,
  type ValueSummary,
} from "./onnx-io/summary.ts";
export { forEachGraph, forEachTensor, mapTensors, type TensorSite } from "./onnx-io/walk.ts";
export type { CompressionPass, PassReport, PassResult } from "./passes/pass.ts";
export { findPass, passNames } from "./passes/registry.ts";
export * from "./pruning/index.ts";
export * from "./recipes/index.ts";
