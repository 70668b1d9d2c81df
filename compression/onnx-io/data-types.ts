// Element types of ONNX tensors: names from the schema's TensorProto.DataType (so INT4, UINT4,
// FLOAT4E2M1, INT2/UINT2 and FLOAT6 are known as soon as the schema is), and the storage width
// of each, which decides how many bytes a tensor's raw data takes: sub-byte types are packed
// (two int4 per byte, low nibble first; four int2 per byte; four float6 in three bytes).
import type Long from "long";
import { TensorProtoDataType } from "./onnx-types.ts";
import { enumValues } from "./schema.ts";

export const DataType = TensorProtoDataType;

const names = new Map<number, string>(
  Object.entries(enumValues("TensorProto.DataType")).map(([k, v]) => [v, k]),
);

/** Storage bits per element; STRING and UNDEFINED have none. */
export const elementBits: Readonly<Record<number, number>> = {
  [DataType.FLOAT]: 32,
  [DataType.UINT8]: 8,
  [DataType.INT8]: 8,
  [DataType.UINT16]: 16,
  [DataType.INT16]: 16,
  [DataType.INT32]: 32,
  [DataType.INT64]: 64,
  [DataType.BOOL]: 8,
  [DataType.FLOAT16]: 16,
  [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32,
  [DataType.UINT64]: 64,
  [DataType.COMPLEX64]: 64,
  [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16,
  [DataType.FLOAT8E4M3FN]: 8,
  [DataType.FLOAT8E4M3FNUZ]: 8,
  [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8,
  [DataType.UINT4]: 4,
  [DataType.INT4]: 4,
  [DataType.FLOAT4E2M1]: 4,
  [DataType.FLOAT8E8M0]: 8,
  [DataType.UINT2]: 2,
  [DataType.INT2]: 2,
  [DataType.FLOAT6E2M3]: 6,
  [DataType.FLOAT6E3M2]: 6,
};

/** "FLOAT", "INT4", ...; unknown numbers come back as "DataType(99)". */
export function elementTypeName(dataType: number | undefined): string {
  return names.get(dataType ?? 0) ?? `DataType(${dataType})`;
}

/** Number of elements of a tensor with these dims (a scalar, dims [], has one). */
export function elementCount(dims: readonly (Long | number)[]): number {
  let n = 1;
  for (const d of dims) n *= typeof d === "number" ? d : d.toNumber();
  return n;
}

/** Bytes the data of `count` elements takes as raw_data, or undefined for STRING/unknown types. */
export function rawByteLength(dataType: number | undefined, count: number): number | undefined {
  const bits = elementBits[dataType ?? 0];
  return bits === undefined ? undefined : Math.ceil((count * bits) / 8);
}
