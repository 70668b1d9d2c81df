// Raw tensors in and out of a model, as JSON ({ dtype, dims, data }). Every input is checked against what
// the published variant declares (its manifest's inputs: element type and fixed dimensions) before the
// model runs, so a caller learns which input is wrong and why instead of onnxruntime's internal message;
// sizes are bounded so one request cannot take the isolate's memory.
import type { InferenceSession, Tensor } from "onnxruntime-common";
import type { OrtModule } from "../../client/text-classifier.ts";
import { Problem } from "../problem.ts";
import type { ManifestVariant } from "../schemas.ts";
import { MAX_TENSOR_ELEMENTS, type TensorDtype, type TensorJson } from "./schemas.ts";

/** ONNX TensorProto element type names (as the manifest lists them) → onnxruntime tensor types. */
const ONNX_TO_ORT: Record<string, string> = {
  FLOAT: "float32",
  DOUBLE: "float64",
  FLOAT16: "float16",
  INT8: "int8",
  UINT8: "uint8",
  INT16: "int16",
  UINT16: "uint16",
  INT32: "int32",
  UINT32: "uint32",
  INT64: "int64",
  UINT64: "uint64",
  BOOL: "bool",
  STRING: "string",
};

const ARRAYS = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
} as const;

function badInput(name: string, detail: string, extra: Record<string, unknown> = {}): Problem {
  return new Problem({
    status: 422,
    slug: "invalid-tensor",
    title: "Unprocessable Content",
    detail: `input ${JSON.stringify(name)}: ${detail}`,
    extra: { input: name, ...extra },
  });
}

function toTypedData(name: string, t: TensorJson) {
  const { dtype, data } = t;
  const numbers = (integer: boolean) =>
    data.map((v, i) => {
      const n = typeof v === "boolean" ? Number(v) : Number(v);
      if (!Number.isFinite(n) || (integer && !Number.isInteger(n)) || (typeof v === "string" && !integer)) {
        throw badInput(name, `element ${i} (${JSON.stringify(v)}) is not a valid ${dtype}`);
      }
      return n;
    });
  if (dtype === "bool") {
    return Uint8Array.from(
      data.map((v, i) => {
        if (v === true || v === 1) return 1;
        if (v === false || v === 0) return 0;
        throw badInput(name, `element ${i} (${JSON.stringify(v)}) is not a boolean`);
      }),
    );
  }
  if (dtype === "int64" || dtype === "uint64") {
    const make = dtype === "int64" ? BigInt64Array : BigUint64Array;
    try {
      return make.from(
        data.map((v) => {
          if (typeof v === "boolean" || (typeof v === "number" && !Number.isSafeInteger(v)))
            throw new Error();
          return BigInt(v);
        }),
      );
    } catch {
      throw badInput(name, `holds a value that is not a ${dtype} (integers, or decimal strings beyond 2^53)`);
    }
  }
  const integer = !dtype.startsWith("float");
  return ARRAYS[dtype].from(numbers(integer));
}

/** The feeds for `inputs`, checked against the variant's declared inputs. */
export function tensorFeeds(
  ort: OrtModule,
  variant: ManifestVariant,
  inputs: Record<string, TensorJson>,
): Record<string, Tensor> {
  const declared = new Map(variant.inputs.map((v) => [v.name, v]));
  const names = variant.inputs.map((v) => v.name);
  for (const name of Object.keys(inputs)) {
    if (!declared.has(name)) {
      throw badInput(name, `the model has no such input; its inputs are ${names.join(", ")}`, {
        inputs: names,
      });
    }
  }
  const missing = names.filter((n) => !(n in inputs));
  if (missing.length > 0) {
    throw new Problem({
      status: 422,
      slug: "invalid-tensor",
      title: "Unprocessable Content",
      detail: `missing input(s) ${missing.map((n) => JSON.stringify(n)).join(", ")}; the model needs ${names.join(", ")}`,
      extra: { missing },
    });
  }
  let total = 0;
  for (const [name, t] of Object.entries(inputs)) {
    const elements = t.dims.reduce((a, b) => a * b, 1);
    if (elements !== t.data.length) {
      throw badInput(
        name,
        `dims [${t.dims.join(", ")}] hold ${elements} elements but data has ${t.data.length}`,
      );
    }
    total += elements;
  }
  if (total > MAX_TENSOR_ELEMENTS) {
    throw new Problem({
      status: 413,
      slug: "tensors-too-large",
      title: "Content Too Large",
      detail: `the inputs hold ${total} elements; at most ${MAX_TENSOR_ELEMENTS} are accepted per request`,
      extra: { elements: total, maxElements: MAX_TENSOR_ELEMENTS },
    });
  }
  const feeds: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) {
    const info = declared.get(name);
    const want = info?.elemType ? ONNX_TO_ORT[info.elemType] : undefined;
    if (want !== undefined && want !== t.dtype) {
      throw badInput(name, `is ${t.dtype}; the model takes ${want}`, { dtype: t.dtype, expected: want });
    }
    const shape = info?.shape;
    if (shape) {
      if (shape.length !== t.dims.length) {
        throw badInput(
          name,
          `has ${t.dims.length} dimensions; the model takes ${shape.length} [${shape.join(", ")}]`,
          {
            dims: t.dims,
            expected: shape,
          },
        );
      }
      shape.forEach((d, i) => {
        if (typeof d === "number" && d !== t.dims[i]) {
          throw badInput(name, `dimension ${i} is ${t.dims[i]}; the model takes ${d} [${shape.join(", ")}]`, {
            dims: t.dims,
            expected: shape,
          });
        }
      });
    }
    feeds[name] = new ort.Tensor(t.dtype as TensorDtype, toTypedData(name, t), t.dims);
  }
  return feeds;
}

/** The output names to fetch: the requested ones (each must exist) or all. */
export function outputNames(session: InferenceSession, requested: readonly string[] | undefined): string[] {
  if (!requested) return [...session.outputNames];
  for (const name of requested) {
    if (!session.outputNames.includes(name)) {
      throw new Problem({
        status: 422,
        slug: "unknown-output",
        title: "Unprocessable Content",
        detail: `the model has no output ${JSON.stringify(name)}; its outputs are ${session.outputNames.join(", ")}`,
        extra: { output: name, outputs: session.outputNames },
      });
    }
  }
  return [...new Set(requested)];
}

/** Output tensors as JSON; 64-bit integers outside ±2^53 become decimal strings. */
export function tensorsToJson(outputs: Record<string, Tensor>) {
  let total = 0;
  for (const t of Object.values(outputs)) total += t.size;
  if (total > MAX_TENSOR_ELEMENTS) {
    throw new Problem({
      status: 422,
      slug: "outputs-too-large",
      title: "Unprocessable Content",
      detail: `the outputs hold ${total} elements; at most ${MAX_TENSOR_ELEMENTS} are returned per request. Ask for fewer outputs or smaller inputs`,
      extra: { elements: total, maxElements: MAX_TENSOR_ELEMENTS },
    });
  }
  return Object.fromEntries(
    Object.entries(outputs).map(([name, t]) => {
      const data = Array.from(t.data as ArrayLike<number | bigint | boolean | string>, (v) => {
        if (typeof v !== "bigint") return t.type === "bool" ? Boolean(v) : v;
        const n = Number(v);
        return Number.isSafeInteger(n) ? n : v.toString();
      });
      return [name, { dtype: t.type, dims: [...t.dims], data }];
    }),
  );
}
