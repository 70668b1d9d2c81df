// Test support (not a test): the fixtures made by scripts/fixtures/make_onnx_fixtures.py, their
// onnxruntime (Python) references, and running a model in onnxruntime-node the same way the
// reference was run (single thread, same optimization level), so outputs can be compared bit for bit.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";

export const fixturesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures");

export const fixtureNames = ["bert-dynamo", "gpt2-legacy", "int4-matmul"] as const;
export type FixtureName = (typeof fixtureNames)[number];

interface ArrayJson {
  dtype: string;
  dims: number[];
  data: number[];
}

export interface Reference {
  model: string;
  graphOptimizationLevel: "basic" | "all";
  onnxVersion: string;
  summary: {
    irVersion: number;
    opsets: Record<string, number>;
    inputs: { name: string; elemType: string; shape: (number | string | null)[] }[];
    outputs: { name: string; elemType: string; shape: (number | string | null)[] }[];
    nodeCount: number;
    initializerCount: number;
    parameterCount: number;
    initializerBytes: number;
    externalInitializers: number;
    initializerTypes: string[];
  };
  inputs: Record<string, ArrayJson>;
  outputs: Record<string, ArrayJson>;
}

export function modelPath(name: FixtureName): string {
  return join(fixturesDir, name, "model.onnx");
}

export function reference(name: FixtureName): Reference {
  return JSON.parse(readFileSync(join(fixturesDir, name, "reference.json"), "utf8")) as Reference;
}

function toTensor(a: ArrayJson): ort.Tensor {
  switch (a.dtype) {
    case "int64":
      return new ort.Tensor(
        "int64",
        BigInt64Array.from(a.data, (v) => BigInt(v)),
        a.dims,
      );
    case "float32":
      return new ort.Tensor("float32", Float32Array.from(a.data), a.dims);
    default:
      throw new Error(`fixture input dtype ${a.dtype} not handled`);
  }
}

/** Runs a model (a path, so external data is found beside it, or bytes) on the reference inputs. */
export async function runModel(
  model: string | Uint8Array,
  ref: Reference,
): Promise<Record<string, ort.Tensor>> {
  const options: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: ref.graphOptimizationLevel,
  };
  const session =
    typeof model === "string"
      ? await ort.InferenceSession.create(model, options)
      : await ort.InferenceSession.create(model, options);
  try {
    const feeds = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, toTensor(v)]));
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

/** One named output, or a clear failure if the model did not produce it. */
export function output(outputs: Record<string, ort.Tensor>, name: string): ort.Tensor {
  const t = outputs[name];
  if (!t) throw new Error(`no output ${name}`);
  return t;
}

/** The raw bytes of an output tensor, for bitwise comparison. */
export function tensorBytes(t: ort.Tensor): Buffer {
  const data = t.data as Float32Array;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Largest absolute difference between an output and the Python reference (NaN if shapes differ). */
export function maxAbsDiff(t: ort.Tensor, expected: ArrayJson): number {
  const data = t.data as Float32Array;
  if (data.length !== expected.data.length || t.dims.join() !== expected.dims.join()) return Number.NaN;
  let max = 0;
  for (let i = 0; i < data.length; i++)
    max = Math.max(max, Math.abs((data[i] as number) - Math.fround(expected.data[i] as number)));
  return max;
}
