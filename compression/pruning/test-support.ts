// Test and bench support (not a test; Node only): the trained pruning fixture made by
// scripts/fixtures/make_pruning_fixtures.py, running a model on its held-out examples in
// onnxruntime-node, agreement/accuracy figures, transport sizes (gzip, brotli) and a Node-side
// activation-norm calibration over the pure probe in calibration.ts.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as ort from "onnxruntime-node";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { ActivationNorms, activationProbe } from "./calibration.ts";

const here = dirname(fileURLToPath(import.meta.url));
export const trainedDir = join(here, "..", "fixtures", "bert-legacy-trained");

interface IntArray {
  dims: number[];
  data: number[];
}

export interface TrainedReference {
  config: {
    hidden: number;
    layers: number;
    heads: number;
    headDim: number;
    intermediate: number;
    vocab: number;
  };
  inputs: { input_ids: IntArray; attention_mask: IntArray };
  labels: number[];
  accuracy: number;
  logits: number[];
  /** PyTorch's 2-D parameters: name → shape. */
  parameters: Record<string, number[]>;
}

export function trainedReference(): TrainedReference {
  return JSON.parse(readFileSync(join(trainedDir, "reference.json"), "utf8")) as TrainedReference;
}

export function trainedModel(): ModelProto {
  return decodeModel(readFileSync(join(trainedDir, "model.onnx")));
}

function int64(a: IntArray, rows?: [number, number]): ort.Tensor {
  const [from, to] = rows ?? [0, a.dims[0] as number];
  const width = a.dims[1] as number;
  const data = a.data.slice(from * width, to * width);
  return new ort.Tensor(
    "int64",
    BigInt64Array.from(data, (v) => BigInt(v)),
    [to - from, width],
  );
}

const sessionOptions: ort.InferenceSession.SessionOptions = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  executionMode: "sequential",
  graphOptimizationLevel: "all",
};

/** Runs a model on the fixture's examples (rows [from, to)) and returns every output. */
export async function runTrained(
  model: ModelProto,
  rows?: [number, number],
): Promise<Record<string, ort.Tensor>> {
  const ref = trainedReference();
  const session = await ort.InferenceSession.create(encodeModel(model), sessionOptions);
  try {
    return await session.run({
      input_ids: int64(ref.inputs.input_ids, rows),
      attention_mask: int64(ref.inputs.attention_mask, rows),
    });
  } finally {
    await session.release();
  }
}

export function argmaxRows(logits: Float32Array, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((logits[r * classes + c] as number) > (logits[r * classes + best] as number)) best = c;
    out.push(best);
  }
  return out;
}

export interface Quality {
  accuracy: number;
  /** Top-1 agreement with the unpruned model's logits (the reference). */
  agreement: number;
  maxAbsDiff: number;
  cosine: number;
}

/** Accuracy on the held-out labels and closeness to the fixture's fp32 logits. */
export async function quality(model: ModelProto): Promise<Quality> {
  const ref = trainedReference();
  const logits = (await runTrained(model)).logits?.data as Float32Array;
  const pred = argmaxRows(logits, 2);
  const refPred = argmaxRows(Float32Array.from(ref.logits), 2);
  let dot = 0;
  let na = 0;
  let nb = 0;
  let maxAbsDiff = 0;
  for (let i = 0; i < logits.length; i++) {
    const a = logits[i] as number;
    const b = Math.fround(ref.logits[i] as number);
    dot += a * b;
    na += a * a;
    nb += b * b;
    maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a - b));
  }
  return {
    accuracy: pred.filter((p, i) => p === ref.labels[i]).length / pred.length,
    agreement: pred.filter((p, i) => p === refPred[i]).length / pred.length,
    maxAbsDiff,
    cosine: dot / Math.sqrt(na * nb),
  };
}

export interface TransportSizes {
  raw: number;
  gzip: number;
  brotli: number;
}

/**
 * What a browser downloads: the encoded model raw, gzip -9 and brotli. Brotli quality 9 by default
 * (measured on the fixture: within 1 % of quality 11 and 17× faster); benches pass 11.
 */
export function transportSizes(model: ModelProto | Uint8Array, brotliQuality = 9): TransportSizes {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: brotliQuality,
        [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }).length,
  };
}

/** Fresh unlabelled inputs from the fixture's task distribution (seeded), for calibration only. */
export function calibrationFeeds(rows: number, seed: number): Record<string, ort.Tensor> {
  const { config, inputs } = trainedReference();
  const width = inputs.input_ids.dims[1] as number;
  let state = seed >>> 0;
  const next = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const ids = new BigInt64Array(rows * width);
  for (let i = 0; i < ids.length; i++)
    ids[i] = i % width === 0 ? 1n : BigInt(2 + Math.floor(next() * (config.vocab - 2)));
  return {
    input_ids: new ort.Tensor("int64", ids, [rows, width]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(rows * width).fill(1n), [rows, width]),
  };
}

/**
 * Activation norms of every MatMul/Gemm weight over `rows` calibration inputs drawn afresh
 * (calibrationFeeds), not the held-out examples the tests score on.
 */
export async function calibrateTrained(model: ModelProto, rows: number): Promise<Record<string, number[]>> {
  const probe = activationProbe(model);
  const session = await ort.InferenceSession.create(encodeModel(probe.model), sessionOptions);
  const outputs = await session.run(calibrationFeeds(rows, 7)).finally(() => session.release());
  const norms = new ActivationNorms(probe.taps);
  norms.add(
    Object.fromEntries(
      Object.entries(outputs).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
    ),
  );
  return norms.result();
}
