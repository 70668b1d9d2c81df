// Accuracy-gated mixed precision: quantize most MatMul/Gemm weights at a low precision (q4) and
// keep only the layers that hurt the outputs most at a higher one (q8 or fp32), just enough of them
// to meet an accuracy budget. Each layer's sensitivity is measured by quantizing that layer alone
// at the low precision and comparing the model's outputs with the original's (relative L2 error); then
// layers are promoted to the high precision in order of sensitivity until the whole model meets
// the budget (top-1 agreement, output cosine or relative error, accuracy drop on labelled inputs). The result is one
// ONNX file mixing MatMulNBits with MatMulInteger (or float MatMul). Like the presets, the file
// ends with the compact-names pass (short value names, no node names: lossless, and a good share of
// a quantized small model's bytes); the report names layers by the source model's node names.
// Running models is the caller's `runner`, so this works with onnxruntime-node, onnxruntime-web or
// inside a Worker.
import { z } from "zod";
import { indexGraph } from "../graph/graph.ts";
import { encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { compactNames } from "../passes/compact-names.ts";
import { quantize4bit } from "../passes/quantize-4bit.ts";
import { quantizeDynamicInt8 } from "../passes/quantize-dynamic-int8.ts";
import { quantizeEmbedding } from "../passes/quantize-embedding.ts";
import { findWeightSites } from "../quantize/sites.ts";
import { type Agreement, compareRuns, type RunOutputs } from "./agreement.ts";

const precision = z.enum(["q4", "q8", "fp32"]);
export type Precision = z.infer<typeof precision>;
const rank: Record<Precision, number> = { q4: 0, q8: 1, fp32: 2 };

export const mixedPrecisionOptions = z
  .object({
    low: precision.default("q4"),
    high: precision.default("q8"),
    /** q4 block size along the reduced dimension. */
    blockSize: z.union([z.literal(16), z.literal(32), z.literal(64), z.literal(128)]).default(32),
    budget: z
      .object({
        /** Share of output rows whose argmax matches the original's. */
        minTop1Agreement: z.number().min(0).max(1).optional(),
        /** Smallest cosine similarity between each output and the original's. */
        minCosine: z.number().min(-1).max(1).optional(),
        /** Largest relative error ‖variant − original‖₂ / ‖original‖₂ of any output. */
        maxRelativeError: z.number().nonnegative().optional(),
        /** Largest allowed drop of accuracy on the labelled inputs (needs labels). */
        maxAccuracyDrop: z.number().min(0).max(1).optional(),
      })
      .strict()
      .refine((b) => Object.values(b).some((v) => v !== undefined), "name at least one budget"),
    /**
     * Embedding tables (Gather on a float table) quantized in every candidate, so the budget is
     * measured on the file as it ships: "q8", "q4" (blocks of 32) or "keep" (float).
     */
    embeddings: z.enum(["q8", "q4", "keep"]).default("keep"),
    /** Node or weight names left in float whatever the budget. */
    exclude: z.array(z.string()).default([]),
    minElements: z.number().int().nonnegative().default(16),
  })
  .strict()
  .refine((o) => rank[o.low] < rank[o.high], "low must be a lower precision than high (q4 < q8 < fp32)");
export type MixedPrecisionOptions = z.input<typeof mixedPrecisionOptions>;

/** Runs a model (ONNX bytes) on the caller's fixed sample inputs; one entry per run. */
export type ModelRunner = (model: Uint8Array) => Promise<RunOutputs[]>;

export interface LayerReport {
  /** The MatMul/Gemm node (its name, or its output's). */
  node: string;
  weight: string;
  k: number;
  n: number;
  /** The outputs' relative error with only this layer at the low precision. */
  sensitivity: number;
  /** The outputs' agreement with only this layer at the low precision. */
  alone: Agreement;
  precision: Precision;
}

export interface MixedPrecisionReport {
  low: Precision;
  high: Precision;
  budget: z.output<typeof mixedPrecisionOptions>["budget"];
  /** Whether the chosen mix meets the budget (false: even every layer at `high` does not). */
  met: boolean;
  reference: { accuracy?: number };
  /** Agreement of the chosen mix, and of every layer at the low precision. */
  chosen: Agreement;
  allLow: Agreement;
  layers: LayerReport[];
  /** Mixes evaluated while searching (promoting 0, 1, 2… layers). */
  trials: number;
}

export interface MixedPrecisionProgress {
  phase: "sensitivity" | "search";
  done: number;
  total: number;
  layer?: string;
}

interface Layer {
  node: string;
  weight: string;
  k: number;
  n: number;
}

function quantizableLayers(model: ModelProto, exclude: string[], minElements: number): Layer[] {
  const graph = model.graph;
  if (!graph) return [];
  const { sites } = findWeightSites(graph, indexGraph(graph), { exclude, minElements });
  return sites.map((s) => ({
    node: s.node.name || s.node.output[0] || "",
    weight: s.weightName,
    k: s.k,
    n: s.n,
  }));
}

/** The model with each listed layer at its precision; unlisted layers stay float. */
export async function applyPrecisions(
  model: ModelProto,
  precisions: ReadonlyMap<string, Precision>,
  options: {
    blockSize?: 16 | 32 | 64 | 128;
    minElements?: number;
    exclude?: string[];
    embeddings?: "q8" | "q4" | "keep";
  } = {},
): Promise<ModelProto> {
  const minElements = options.minElements ?? 16;
  const all = [...precisions.keys()];
  const every = quantizableLayers(model, [], minElements).map((l) => l.node);
  const others = (p: Precision) => [
    ...(options.exclude ?? []),
    ...every.filter((node) => precisions.get(node) !== p),
  ];
  let out = model;
  if (all.some((node) => precisions.get(node) === "q4"))
    out = (
      await quantize4bit.apply(
        out,
        quantize4bit.options.parse({
          blockSize: options.blockSize ?? 32,
          exclude: others("q4"),
          minElements,
        }),
      )
    ).model;
  if (all.some((node) => precisions.get(node) === "q8"))
    out = (
      await quantizeDynamicInt8.apply(
        out,
        quantizeDynamicInt8.options.parse({ exclude: others("q8"), minElements }),
      )
    ).model;
  if (options.embeddings === "q8" || options.embeddings === "q4")
    out = (
      await quantizeEmbedding.apply(
        out,
        quantizeEmbedding.options.parse(
          options.embeddings === "q8"
            ? { bits: 8, symmetric: true }
            : { bits: 4, symmetric: true, blockSize: 32 },
        ),
      )
    ).model;
  return out;
}

function meets(
  a: Agreement,
  budget: MixedPrecisionReport["budget"],
  referenceAccuracy: number | undefined,
): boolean {
  if (budget.minTop1Agreement !== undefined && a.top1 < budget.minTop1Agreement) return false;
  if (budget.minCosine !== undefined && a.cosine < budget.minCosine) return false;
  if (budget.maxRelativeError !== undefined && a.relativeError > budget.maxRelativeError) return false;
  if (budget.maxAccuracyDrop !== undefined)
    return (
      a.accuracy !== undefined &&
      referenceAccuracy !== undefined &&
      referenceAccuracy - a.accuracy <= budget.maxAccuracyDrop + 1e-12
    );
  return true;
}

/**
 * Measures every quantizable layer's sensitivity, then promotes the most sensitive layers to
 * `high` until the budget is met. `labels[i]` are the expected classes of run i's rows.
 */
export async function mixedPrecision(
  model: ModelProto,
  options: MixedPrecisionOptions,
  runner: ModelRunner,
  extra: { labels?: number[][]; onProgress?: (p: MixedPrecisionProgress) => void } = {},
): Promise<{ model: ModelProto; report: MixedPrecisionReport }> {
  const o = mixedPrecisionOptions.parse(options);
  if (o.budget.maxAccuracyDrop !== undefined && !extra.labels)
    throw new Error("mixed precision: an accuracy-drop budget needs labelled inputs");
  const layers = quantizableLayers(model, o.exclude, o.minElements);
  if (layers.length === 0)
    throw new Error("mixed precision: the model has no quantizable MatMul/Gemm weight");
  const reference = await runner(encodeModel(model));
  const labels = extra.labels ? { labels: extra.labels } : {};
  const referenceAccuracy = compareRuns(reference, reference, labels).accuracy;
  const settings = {
    blockSize: o.blockSize,
    minElements: o.minElements,
    exclude: o.exclude,
    embeddings: o.embeddings,
  };
  const evaluate = async (precisions: Map<string, Precision>, embeddings = o.embeddings) =>
    compareRuns(
      reference,
      await runner(encodeModel(await applyPrecisions(model, precisions, { ...settings, embeddings }))),
      labels,
    );

  const measured: LayerReport[] = [];
  for (const [i, layer] of layers.entries()) {
    extra.onProgress?.({ phase: "sensitivity", done: i, total: layers.length, layer: layer.node });
    // the layer's own effect: embeddings stay float here, they are not a choice being ranked
    const alone = await evaluate(new Map([[layer.node, o.low]]), "keep");
    measured.push({ ...layer, sensitivity: alone.relativeError, alone, precision: o.low });
  }
  extra.onProgress?.({ phase: "sensitivity", done: layers.length, total: layers.length });

  // Most sensitive first; ties keep graph order so the result is deterministic.
  const order = [...measured].sort((a, b) => b.sensitivity - a.sensitivity);
  let promoted = 0;
  let trials = 0;
  let allLow: Agreement | undefined;
  let chosen: Agreement | undefined;
  let met = false;
  for (; promoted <= order.length; promoted++) {
    extra.onProgress?.({ phase: "search", done: promoted, total: order.length });
    const high = new Set(order.slice(0, promoted).map((l) => l.node));
    const agreement = await evaluate(new Map(layers.map((l) => [l.node, high.has(l.node) ? o.high : o.low])));
    trials++;
    allLow ??= agreement;
    chosen = agreement;
    if (meets(agreement, o.budget, referenceAccuracy)) {
      met = true;
      break;
    }
  }
  const high = new Set(order.slice(0, Math.min(promoted, order.length)).map((l) => l.node));
  for (const l of measured) l.precision = high.has(l.node) ? o.high : o.low;
  const precisions = new Map(measured.map((l) => [l.node, l.precision]));
  const chosenModel = await applyPrecisions(model, precisions, settings);
  // the presets' last step too: renamed models compute bit-identically (compact-names.test.ts)
  const compact = await compactNames.apply(chosenModel, compactNames.options.parse({ nodeNames: "drop" }));
  return {
    model: compact.model,
    report: {
      low: o.low,
      high: o.high,
      budget: o.budget,
      met,
      reference: referenceAccuracy === undefined ? {} : { accuracy: referenceAccuracy },
      chosen: chosen as Agreement,
      allLow: allLow as Agreement,
      layers: measured,
      trials,
    },
  };
}
