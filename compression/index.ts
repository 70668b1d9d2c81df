// The compression component's face: ONNX in, compact ONNX out. This slice is model IO: decode and
// encode ONNX (Worker-safe: no Node APIs, no code generation), external data through a reader,
// files on disk (Node only, in onnx-io/files.ts), and a summary of what a model holds.
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
export { readModelFile, type WriteModelOptions, type WrittenModel, writeModelFile } from "./onnx-io/files.ts";
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
