// Declared sizes checked right after decoding, so a file whose dims lie fails with one clear
// message instead of an out-of-memory, a RangeError or garbage deep inside a pass: negative
// dimensions (tensors and value shapes), tensors over 2^31 − 1 elements (edgetune handles every
// tensor in memory as one typed array, and protobuf cannot hold more inline anyway), and inline
// data whose length is not what the dims and element type say. External data lengths are checked
// where they are read (external-data.ts); sparse tensors' parts only get the dims checks (their
// indices may be [nnz] or [nnz, rank]).
import type Long from "long";
import { DataType, elementTypeName, rawByteLength } from "./data-types.ts";
import { OnnxIoError } from "./errors.ts";
import type { ModelProto, TensorProto, TypeProto } from "./onnx-types.ts";
import { forEachGraph, forEachTensor } from "./walk.ts";

export const MAX_TENSOR_ELEMENTS = 2 ** 31 - 1;

/** Which repeated field holds a type's values, and how many entries per element. */
const typedField: Partial<Record<number, [keyof TensorProto, number]>> = {
  [DataType.FLOAT]: ["floatData", 1],
  [DataType.COMPLEX64]: ["floatData", 2],
  [DataType.DOUBLE]: ["doubleData", 1],
  [DataType.COMPLEX128]: ["doubleData", 2],
  [DataType.INT64]: ["int64Data", 1],
  [DataType.UINT32]: ["uint64Data", 1],
  [DataType.UINT64]: ["uint64Data", 1],
  [DataType.STRING]: ["stringData", 1],
  [DataType.INT32]: ["int32Data", 1],
  [DataType.INT16]: ["int32Data", 1],
  [DataType.INT8]: ["int32Data", 1],
  [DataType.UINT16]: ["int32Data", 1],
  [DataType.UINT8]: ["int32Data", 1],
  [DataType.BOOL]: ["int32Data", 1],
  [DataType.FLOAT16]: ["int32Data", 1],
  [DataType.BFLOAT16]: ["int32Data", 1],
};

const dimsText = (dims: readonly Long[]) => `[${dims.map((d) => d.toString()).join(", ")}]`;

function fail(message: string): never {
  throw new OnnxIoError("invalid-model", message);
}

function checkTensor(t: TensorProto, where: string, checkData: boolean): void {
  const name = JSON.stringify(t.name ?? "");
  let count = 1;
  for (const d of t.dims) {
    if (d.isNegative()) fail(`tensor ${name}${where} has a negative dimension in dims ${dimsText(t.dims)}`);
    count *= d.toNumber();
  }
  if (count > MAX_TENSOR_ELEMENTS)
    fail(
      `tensor ${name}${where} declares dims ${dimsText(t.dims)} = ${count.toExponential(3)} elements, over the ${MAX_TENSOR_ELEMENTS} a tensor may have`,
    );
  if (!checkData || t.dataLocation === 1 || t.externalData.length > 0) return;
  const type = t.dataType ?? 0;
  let held: string | undefined;
  let expected: number | undefined;
  if (t.rawData !== undefined && t.rawData.length > 0) {
    expected = rawByteLength(type, count);
    if (expected !== undefined && t.rawData.length !== expected)
      held = `${t.rawData.length} bytes of raw data`;
  } else {
    const field = typedField[type];
    if (!field) return; // sub-byte and float8 types in int32_data: packing varies; ORT checks them
    const values = t[field[0]] as unknown[];
    expected = count * field[1];
    // a tensor holding no data at all is a placeholder (or a model ORT will refuse): not a size lie
    if (values.length > 0 && values.length !== expected) held = `${values.length} values`;
  }
  if (held !== undefined)
    fail(
      `tensor ${name}${where} declares dims ${dimsText(t.dims)} (${count} ${elementTypeName(type)} elements, ` +
        `${t.rawData?.length ? `${expected} bytes` : `${expected} values`}) but holds ${held}`,
    );
}

function checkType(type: TypeProto | undefined, value: string, graph: string): void {
  const dims = type?.tensorType?.shape?.dim ?? type?.sparseTensorType?.shape?.dim ?? [];
  dims.forEach((d, i) => {
    if (d.dimValue?.isNegative())
      fail(
        `value ${JSON.stringify(value)} in graph ${JSON.stringify(graph)} declares dimension ${i} as ${d.dimValue.toString()}`,
      );
  });
}

/** Throws OnnxIoError("invalid-model") naming the first tensor or value whose declared size is impossible. */
export function checkDeclaredSizes(model: ModelProto): void {
  forEachTensor(model, (t, site) =>
    checkTensor(
      t,
      site.kind === "initializer" ? "" : ` (${site.kind} in graph ${JSON.stringify(site.graph)})`,
      site.kind !== "sparse",
    ),
  );
  forEachGraph(model, (g) => {
    for (const v of [...g.input, ...g.output, ...g.valueInfo]) checkType(v.type, v.name ?? "", g.name ?? "");
  });
}
