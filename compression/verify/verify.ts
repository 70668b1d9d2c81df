// Node only (the CLI, the runner, benchmarks): what a compressed variant cost and what it saved,
// measured against the original. Sizes raw and as a browser downloads them (gzip, brotli),
// parameters, per-output max abs diff and cosine similarity, top-1 agreement of the last axis,
// median latency in onnxruntime-node and in onnxruntime-web (WASM), and task accuracy when labelled examples are given.
// Sessions run single-threaded at 'basic' optimization so quantized ops compute what the file
// says (see shared/notes/platform.md) and the comparison is the file's, not the optimizer's.
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import * as ort from "onnxruntime-node";
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import { indexGraph } from "../graph/graph.ts";
import { DataType } from "../onnx-io/data-types.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { countParameters } from "../onnx-io/summary.ts";
import { median } from "./median.ts";
import { type WebLatency, webLatency } from "./web-latency.ts";

export type Feeds = Record<string, ort.Tensor>;

/** Sample inputs are allocated from declared shapes: a shape larger than this is a lie or a mistake. */
export const MAX_SAMPLE_ELEMENTS = 2 ** 24;

export const verifyOptionsSchema = z
  .object({
    /** Sample batches compared against the original. */
    samples: z.number().int().positive().default(8),
    batch: z.number().int().positive().default(2),
    sequence: z.number().int().positive().default(16),
    seed: z.number().int().default(1),
    /** Timed runs for the latency median (after one warm-up). */
    latencyRuns: z.number().int().nonnegative().default(10),
  })
  .strict();
export type VerifyOptions = z.input<typeof verifyOptionsSchema>;

export interface SizeReport {
  raw: number;
  gzip: number;
  brotli: number;
}

export interface OutputComparison {
  maxAbsDiff: number;
  cosine: number;
}

export interface VariantReport {
  variant: string;
  file?: string;
  size: SizeReport;
  parameters: number;
  outputs: Record<string, OutputComparison>;
  /** Fraction of rows (last axis) whose argmax agrees with the original; over all float outputs. */
  top1Agreement: number;
  rows: number;
  latencyMs: { median: number; runs: number } | null;
  /** The same timing in onnxruntime-web's WASM backend (or why the file did not load there). */
  latencyWebMs: WebLatency | null;
  accuracy?: number;
  steps?: unknown[];
}

export function measureSize(bytes: Uint8Array): SizeReport {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Sample inputs from the model's declared inputs: integer inputs named like token ids draw from
 * the vocabulary (the row count of the Gather table they index), masks are ones, other integers
 * zeros, floats standard-normal-ish. Symbolic dims take batch for the first axis, sequence after.
 */
export function sampleFeeds(model: ModelProto, options: VerifyOptions = {}): Feeds[] {
  const o = verifyOptionsSchema.parse(options);
  const graph = model.graph;
  if (!graph) return [];
  const index = indexGraph(graph);
  const random = rng(o.seed);
  const inits = new Set(graph.initializer.map((t) => t.name));
  const out: Feeds[] = [];
  for (let s = 0; s < o.samples; s++) {
    const feeds: Feeds = {};
    for (const input of graph.input) {
      const name = input.name ?? "";
      if (inits.has(name)) continue;
      const tt = input.type?.tensorType;
      const dims = (tt?.shape?.dim ?? []).map((d, i) =>
        d.dimValue ? d.dimValue.toNumber() : i === 0 ? o.batch : o.sequence,
      );
      const count = dims.reduce((a, b) => a * b, 1);
      if (count > MAX_SAMPLE_ELEMENTS)
        throw new CompressionError(
          "invalid-model",
          `input ${name} declares shape [${dims.join(", ")}] = ${count} elements per sample, over the ${MAX_SAMPLE_ELEMENTS} verification samples`,
        );
      if (tt?.elemType === DataType.INT64 || tt?.elemType === DataType.INT32) {
        let vocab = 0;
        if (/mask/i.test(name)) vocab = -1;
        else if (/ids?$/i.test(name) && !/type/i.test(name)) {
          const gather = index.consumers.get(name)?.find((n) => n.opType === "Gather" && n.input[1] === name);
          const table = gather && index.initializers.get(gather.input[0] ?? "");
          vocab = table?.dims[0]?.toNumber() ?? 100;
        }
        const values = Array.from({ length: count }, () =>
          vocab < 0 ? 1 : vocab > 1 ? 1 + Math.floor(random() * (vocab - 1)) : 0,
        );
        feeds[name] =
          tt.elemType === DataType.INT64
            ? new ort.Tensor(
                "int64",
                BigInt64Array.from(values, (v) => BigInt(v)),
                dims,
              )
            : new ort.Tensor("int32", Int32Array.from(values), dims);
      } else if (tt?.elemType === DataType.BOOL) {
        feeds[name] = new ort.Tensor("bool", new Uint8Array(count).fill(1), dims);
      } else {
        feeds[name] = new ort.Tensor(
          "float32",
          Float32Array.from({ length: count }, () => (random() + random() + random() - 1.5) * 2),
          dims,
        );
      }
    }
    out.push(feeds);
  }
  return out;
}

export async function createSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "basic",
  });
}

function asNumbers(t: ort.Tensor): Float64Array | null {
  if (t.type !== "float32" && t.type !== "float16" && t.type !== "float64") return null;
  return Float64Array.from(t.data as ArrayLike<number>);
}

export interface LabelledExample {
  feeds: Feeds;
  /** Expected class index of the first output's last axis (one per row). */
  labels: number[];
}

/** The original's outputs on the feeds, computed once and shared by every variant's verification. */
export interface ReferenceRuns {
  outputNames: readonly string[];
  runs: Record<string, ort.Tensor>[];
}

export async function referenceRuns(original: Uint8Array, feeds: readonly Feeds[]): Promise<ReferenceRuns> {
  const session = await createSession(original);
  try {
    const runs: Record<string, ort.Tensor>[] = [];
    for (const f of feeds) runs.push(await session.run(f));
    return { outputNames: session.outputNames, runs };
  } finally {
    await session.release();
  }
}

/** Compares a variant with the original on the same feeds (pass `reference` to reuse the original's runs). */
export async function verifyVariant(args: {
  variant: string;
  original: Uint8Array;
  compressed: Uint8Array;
  model: ModelProto;
  feeds: Feeds[];
  reference?: ReferenceRuns;
  latencyRuns?: number;
  /** Also time the variant in onnxruntime-web (WASM); default true when latencyRuns > 0. */
  webLatency?: boolean;
  examples?: LabelledExample[];
  file?: string;
}): Promise<VariantReport> {
  const b = await createSession(args.compressed);
  const reference = args.reference ?? (await referenceRuns(args.original, args.feeds));
  try {
    const acc = new Map<string, { max: number; dot: number; na: number; nb: number }>();
    let agree = 0;
    let rows = 0;
    if (reference.runs.length !== args.feeds.length)
      throw new Error(`reference has ${reference.runs.length} runs for ${args.feeds.length} feeds`);
    for (const [i, feeds] of args.feeds.entries()) {
      const ra = reference.runs[i] as Record<string, ort.Tensor>;
      const rb = await b.run(feeds);
      for (const name of reference.outputNames) {
        const xa = ra[name] && asNumbers(ra[name]);
        const xb = rb[name] && asNumbers(rb[name]);
        if (!xa || !xb || xa.length !== xb.length) continue;
        const s = acc.get(name) ?? { max: 0, dot: 0, na: 0, nb: 0 };
        for (let i = 0; i < xa.length; i++) {
          const p = xa[i] as number;
          const q = xb[i] as number;
          s.max = Math.max(s.max, Math.abs(p - q));
          s.dot += p * q;
          s.na += p * p;
          s.nb += q * q;
        }
        acc.set(name, s);
        const classes = ra[name]?.dims.at(-1) ?? 1;
        if (classes > 1) {
          for (let r = 0; r < xa.length / classes; r++) {
            let ia = r * classes;
            let ib = r * classes;
            for (let c = r * classes + 1; c < (r + 1) * classes; c++) {
              if ((xa[c] as number) > (xa[ia] as number)) ia = c;
              if ((xb[c] as number) > (xb[ib] as number)) ib = c;
            }
            if (ia === ib) agree++;
            rows++;
          }
        }
      }
    }
    const outputs: Record<string, OutputComparison> = {};
    for (const [name, s] of acc)
      outputs[name] = { maxAbsDiff: s.max, cosine: s.na && s.nb ? s.dot / Math.sqrt(s.na * s.nb) : 1 };
    let latencyMs: VariantReport["latencyMs"] = null;
    const runs = args.latencyRuns ?? 10;
    const first = args.feeds[0];
    if (runs > 0 && first) {
      await b.run(first);
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await b.run(first);
        times.push(performance.now() - t0);
      }
      latencyMs = { median: median(times), runs };
    }
    const latencyWebMs =
      runs > 0 && first && args.webLatency !== false ? await webLatency(args.compressed, first, runs) : null;
    let accuracy: number | undefined;
    if (args.examples?.length) {
      let right = 0;
      let total = 0;
      for (const ex of args.examples) {
        const out = (await b.run(ex.feeds))[b.outputNames[0] ?? ""];
        const x = out && asNumbers(out);
        if (!x || !out) continue;
        const classes = out.dims.at(-1) ?? 1;
        ex.labels.forEach((label, r) => {
          let best = r * classes;
          for (let c = r * classes + 1; c < (r + 1) * classes; c++)
            if ((x[c] as number) > (x[best] as number)) best = c;
          if (best - r * classes === label) right++;
          total++;
        });
      }
      accuracy = total ? right / total : undefined;
    }
    return {
      variant: args.variant,
      ...(args.file ? { file: args.file } : {}),
      size: measureSize(args.compressed),
      parameters: countParameters(args.model),
      outputs,
      top1Agreement: rows ? agree / rows : 1,
      rows,
      latencyMs,
      latencyWebMs,
      ...(accuracy !== undefined ? { accuracy } : {}),
    };
  } finally {
    await b.release();
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)} %`;
const webCell = (w: WebLatency | null) =>
  w === null
    ? ""
    : "error" in w
      ? `fails: ${w.error.replaceAll("|", "\\|").slice(0, 80)}`
      : w.median.toFixed(3);

/** One readable table: a row per variant, sizes relative to the first (the original) row. */
export function reportMarkdown(reports: VariantReport[]): string {
  const base = reports[0]?.size.raw ?? 1;
  const lines = [
    "| variant | file | size | % of first | gzip | brotli | params | max abs diff | cosine | top-1 agreement | accuracy | p50 ms (ort-node) | p50 ms (ort-web wasm) |",
    "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of reports) {
    const outs = Object.values(r.outputs);
    const maxDiff = outs.length ? Math.max(...outs.map((o) => o.maxAbsDiff)) : 0;
    const cos = outs.length ? Math.min(...outs.map((o) => o.cosine)) : 1;
    lines.push(
      `| ${r.variant} | ${r.file ?? ""} | ${r.size.raw} | ${pct(r.size.raw / base)} | ${r.size.gzip} | ${r.size.brotli} | ${r.parameters} | ${maxDiff.toExponential(2)} | ${cos.toFixed(5)} | ${pct(r.top1Agreement)} | ${r.accuracy === undefined ? "" : pct(r.accuracy)} | ${r.latencyMs ? r.latencyMs.median.toFixed(3) : ""} | ${webCell(r.latencyWebMs)} |`,
    );
  }
  return `${lines.join("\n")}\n`;
}
