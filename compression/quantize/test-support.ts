// Test support (not a test) for the quantization passes: a hand-built model whose weights are
// reached the ways exporters write them (behind Identity, inside a Constant node, Gemm with
// transB/alpha/beta), a plain-JS evaluation of it with any weights, and onnxruntime-node runs
// at 'basic' optimization (exact dequantization, see shared/notes/platform.md) with the
// comparisons the tests need: max abs diff, cosine, top-1 agreement.
import Long from "long";
import * as ort from "onnxruntime-node";
import { intAttribute, makeNode, tensorAttribute } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import { DataType } from "../onnx-io/data-types.ts";
import type { AttributeProto, ModelProto, ValueInfoProto } from "../onnx-io/onnx-types.ts";

/** Deterministic pseudo-random numbers (mulberry32), roughly N(0, scale²) via sums of uniforms. */
export function randomValues(count: number, seed: number, scale = 1): Float32Array {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() + next() + next() - 1.5) * 2 * scale;
  return out;
}

function valueInfo(name: string, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: Long.fromNumber(d) } : { dimParam: d })),
        },
      },
    },
    metadataProps: [],
  };
}

function floatAttribute(name: string, f: number): AttributeProto {
  return {
    name,
    type: 1,
    f,
    floats: [],
    ints: [],
    strings: [],
    tensors: [],
    graphs: [],
    typeProtos: [],
    sparseTensors: [],
  };
}

export const tiny = { k: 64, h: 40, n: 12, alpha: 0.5, beta: 2 };

/** x[b,64] → MatMul(W1 via Identity) → Relu → Gemm(W2 from a Constant node, transB, alpha, beta, C) → y[b,12]. */
export function tinyModel(
  w1 = randomValues(tiny.k * tiny.h, 1, 0.2),
  w2 = randomValues(tiny.n * tiny.h, 2, 0.2),
): ModelProto {
  const c = randomValues(tiny.n, 3, 0.1);
  return {
    irVersion: Long.fromNumber(8),
    producerName: "edgetune-test",
    opsetImport: [{ domain: "", version: Long.fromNumber(17) }],
    metadataProps: [],
    trainingInfo: [],
    functions: [],
    configuration: [],
    graph: {
      name: "tiny",
      node: [
        makeNode("Identity", ["w1"], ["w1_alias"], "w1_identity"),
        makeNode("MatMul", ["x", "w1_alias"], ["h0"], "fc1"),
        makeNode("Relu", ["h0"], ["h"], "relu"),
        makeNode("Constant", [], ["w2"], "w2_constant", [
          tensorAttribute("value", makeTensor("w2", DataType.FLOAT, [tiny.n, tiny.h], w2)),
        ]),
        makeNode("Gemm", ["h", "w2", "c"], ["y"], "fc2", [
          floatAttribute("alpha", tiny.alpha),
          floatAttribute("beta", tiny.beta),
          intAttribute("transB", 1),
        ]),
      ],
      initializer: [
        makeTensor("w1", DataType.FLOAT, [tiny.k, tiny.h], w1),
        makeTensor("c", DataType.FLOAT, [tiny.n], c),
      ],
      input: [valueInfo("x", ["batch", tiny.k])],
      output: [valueInfo("y", ["batch", tiny.n])],
      valueInfo: [],
      quantizationAnnotation: [],
      sparseInitializer: [],
      metadataProps: [],
    },
  };
}

/** The tiny model in plain JS, with W1 as [64,40] and W2 as [12,40] (transB layout). */
export function tinyForward(
  x: Float32Array,
  batch: number,
  w1: Float32Array,
  w2: Float32Array,
): Float32Array {
  const { k, h, n, alpha, beta } = tiny;
  const c = randomValues(n, 3, 0.1);
  const y = new Float32Array(batch * n);
  for (let b = 0; b < batch; b++) {
    const hidden = new Float64Array(h);
    for (let j = 0; j < h; j++) {
      let s = 0;
      for (let i = 0; i < k; i++) s += (x[b * k + i] as number) * (w1[i * h + j] as number);
      hidden[j] = Math.max(0, s);
    }
    for (let o = 0; o < n; o++) {
      let s = 0;
      for (let j = 0; j < h; j++) s += (hidden[j] as number) * (w2[o * h + j] as number);
      y[b * n + o] = alpha * s + beta * (c[o] as number);
    }
  }
  return y;
}

export async function runFloat(
  model: ModelProto | Uint8Array,
  feeds: Record<string, ort.Tensor>,
  level: "basic" | "all" = "basic",
): Promise<Record<string, ort.Tensor>> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: level,
  });
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.NaN;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

/** Cosine similarity of two vectors of one length. */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += (a[i] as number) * (b[i] as number);
    aa += (a[i] as number) ** 2;
    bb += (b[i] as number) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

/** calibrateStatic()'s probe runner on onnxruntime-node: each output's values as a plain array. */
export async function runFloatProbe(probe: ModelProto, feeds: Record<string, ort.Tensor>) {
  const out = await runFloat(probe, feeds);
  return Object.fromEntries(Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array }]));
}

/** Fraction of rows (last dimension = classes) whose argmax agrees. */
export function top1Agreement(a: ArrayLike<number>, b: ArrayLike<number>, classes: number): number {
  const rows = a.length / classes;
  let same = 0;
  for (let r = 0; r < rows; r++) {
    let ia = 0;
    let ib = 0;
    for (let c = 1; c < classes; c++) {
      if ((a[r * classes + c] as number) > (a[r * classes + ia] as number)) ia = c;
      if ((b[r * classes + c] as number) > (b[r * classes + ib] as number)) ib = c;
    }
    if (ia === ib) same++;
  }
  return same / rows;
}

/** Random token batches for the transformer fixtures (ids in [1, vocab), full masks). */
export function tokenFeeds(
  seed: number,
  batch: number,
  sequence: number,
  vocab: number,
): Record<string, ort.Tensor> {
  const r = randomValues(batch * sequence, seed, 1);
  const ids = BigInt64Array.from(r, (v) => BigInt(1 + (Math.floor(Math.abs(v) * 7919) % (vocab - 1))));
  return {
    input_ids: new ort.Tensor("int64", ids, [batch, sequence]),
    attention_mask: new ort.Tensor("int64", new BigInt64Array(batch * sequence).fill(1n), [batch, sequence]),
  };
}

export function floats(t: ort.Tensor | undefined): Float32Array {
  if (!t) throw new Error("missing output");
  return t.data as Float32Array;
}
