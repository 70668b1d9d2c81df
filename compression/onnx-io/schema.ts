// The ONNX protobuf schema, loaded from the JSON descriptor that scripts/gen-onnx-schema.ts made
// from onnx 1.23.2's onnx-ml.proto (IR version 14: INT4/UINT4, FLOAT4E2M1, INT2/UINT2, FLOAT6).
// JSON + protobufjs/light instead of parsing the .proto at run time: no parser and no file system,
// so the same code runs in Node and inside a Cloudflare Worker. Only reflection is used from it;
// protobufjs's own encode/decode generate code with new Function, which Workers forbid, so the
// codec in decode.ts / encode.ts walks the reflected fields instead.
import Long from "long";
import protobuf from "protobufjs/light.js";
import schemaJson from "./onnx-schema.json" with { type: "json" };

// 64-bit integers decode to Long (never rounded to a double); set explicitly, since protobufjs
// finds long.js through require(), which bundlers and Workers may not provide.
protobuf.util.Long = Long;
protobuf.configure();

export const schemaSource: { onnxVersion: string; file: string; sha256: string } = schemaJson.source;

export const onnxRoot: protobuf.Root = protobuf.Root.fromJSON(
  schemaJson.root as unknown as protobuf.INamespace,
);
onnxRoot.resolveAll();

/** A message type by its name inside package onnx, e.g. "ModelProto" or "TypeProto.Tensor". */
export function messageType(name: string): protobuf.Type {
  return onnxRoot.lookupType(`onnx.${name}`);
}

/** Values of an enum inside package onnx, e.g. "TensorProto.DataType". */
export function enumValues(name: string): Readonly<Record<string, number>> {
  return onnxRoot.lookupEnum(`onnx.${name}`).values;
}
