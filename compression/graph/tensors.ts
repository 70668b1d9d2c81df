// Tensor values for graph passes: read a float initializer whatever its encoding (raw_data or
// float_data), build new tensors from typed arrays, pack 4-bit values, and convert float32 ⇄ float16
// bit-exactly (round to nearest even), since Node 20 and Workers have no Float16Array. Passes work
// on decoded models whose external data has already been resolved; an unresolved reference is an error.
import Long from "long";
import { DataType, elementCount, elementTypeName } from "../onnx-io/data-types.ts";
import { OnnxIoError } from "../onnx-io/errors.ts";
import type { TensorProto } from "../onnx-io/onnx-types.ts";
import { CompressionError } from "./errors.ts";

export function dimsOf(t: TensorProto): number[] {
  return t.dims.map((d) => d.toNumber());
}

/** Values of a FLOAT or FLOAT16 tensor as float32 (a copy). */
export function floatValues(t: TensorProto): Float32Array {
  if (t.dataLocation === 1) {
    throw new OnnxIoError(
      "unresolved-external-data",
      `tensor ${t.name ?? "?"} still refers to external data; resolve it before running passes`,
    );
  }
  const n = elementCount(t.dims);
  if (t.dataType === DataType.FLOAT) {
    if (t.rawData && t.rawData.length > 0) {
      const copy = t.rawData.slice();
      return new Float32Array(copy.buffer, copy.byteOffset, n);
    }
    return Float32Array.from(t.floatData);
  }
  if (t.dataType === DataType.FLOAT16) {
    const out = new Float32Array(n);
    if (t.rawData && t.rawData.length > 0) {
      const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
    } else {
      for (let i = 0; i < n; i++) out[i] = halfToFloat(t.int32Data[i] ?? 0);
    }
    return out;
  }
  throw new CompressionError(
    "unsupported",
    `tensor ${t.name ?? "?"} is ${elementTypeName(t.dataType)}, expected FLOAT or FLOAT16`,
  );
}

/** A tensor with raw_data; typed arrays are copied as little-endian bytes (the host's order on every target). */
export function makeTensor(
  name: string,
  dataType: number,
  dims: readonly number[],
  data: Uint8Array | Int8Array | Float32Array | Uint16Array | Int32Array | BigInt64Array,
): TensorProto {
  const raw = new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
  return {
    name,
    dataType,
    dims: dims.map((d) => Long.fromNumber(d)),
    floatData: [],
    int32Data: [],
    stringData: [],
    int64Data: [],
    rawData: raw,
    doubleData: [],
    uint64Data: [],
    externalData: [],
    metadataProps: [],
  };
}

export function int64Tensor(name: string, values: readonly number[]): TensorProto {
  return makeTensor(
    name,
    DataType.INT64,
    [values.length],
    BigInt64Array.from(values, (v) => BigInt(v)),
  );
}

/** Packs 4-bit values two per byte, first element in the low nibble (ONNX and MatMulNBits layout). */
export function pack4(values: ArrayLike<number>): Uint8Array {
  const out = new Uint8Array(Math.ceil(values.length / 2));
  for (let i = 0; i < values.length; i++) {
    const v = (values[i] as number) & 0xf;
    out[i >> 1] = (out[i >> 1] as number) | (i & 1 ? v << 4 : v);
  }
  return out;
}

export function unpack4(bytes: Uint8Array, count: number, signed: boolean): Int8Array {
  const out = new Int8Array(count);
  for (let i = 0; i < count; i++) {
    const b = bytes[i >> 1] as number;
    const v = i & 1 ? b >> 4 : b & 0xf;
    out[i] = signed && v > 7 ? v - 16 : v;
  }
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → IEEE half bits, round to nearest even, overflow to ±Inf, NaN kept. */
export function floatToHalf(value: number): number {
  f32[0] = value;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++;
  return sign | r;
}

export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

export function toHalfArray(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i] as number);
  return out;
}
