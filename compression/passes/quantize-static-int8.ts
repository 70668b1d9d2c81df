// Static int8 in QDQ form (onnxruntime's quantize_static, QuantFormat.QDQ): each MatMul/Gemm reads
// its activation through a QuantizeLinear → DequantizeLinear pair whose scale and zero point are
// fixed ahead of time from calibration ranges, and its weight through an int8 per-channel
// DequantizeLinear. Runtimes that fuse QDQ (onnxruntime, TensorRT, QNN) run the MatMul in integers
// with no run-time range search; the rest compute the same values in float. The ranges come from
// compression/calibration (probe → histograms → minmax / percentile / entropy), so this pass stays
// pure and needs no runtime: `ranges` maps each quantized activation to its calibrated [min, max].
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import { defaultOpset, makeNode } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { quantize8, rint } from "../quantize/math.ts";
import { floatInitializer, rewriteWeightSites, weightDequantizer } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { definePass } from "./pass.ts";

const range = z
  .object({ min: z.number(), max: z.number() })
  .strict()
  .refine((r) => r.min <= r.max, "min must not exceed max");

export const quantizeStaticInt8Options = z
  .object({
    /** Activation name → calibrated range (calibrateStatic() in compression/calibration). */
    ranges: z.record(z.string(), range),
    /** uint8: asymmetric with a zero point (onnxruntime's default); int8: symmetric. */
    activationType: z.enum(["uint8", "int8"]).default("uint8"),
    /** Weights: one int8 scale per output channel instead of one per tensor. */
    perChannel: z.boolean().default(true),
    ...siteOptions,
  })
  .strict();

/** Scale and zero point of an activation range (the range is widened to include 0, as onnxruntime does). */
export function activationParams(
  r: { min: number; max: number },
  type: "uint8" | "int8",
): { scale: number; zeroPoint: number } {
  const lo = Math.min(r.min, 0);
  const hi = Math.max(r.max, 0);
  if (type === "int8") {
    const s = Math.fround(Math.max(-lo, hi) / 127);
    return { scale: s > 0 ? s : 1, zeroPoint: 0 };
  }
  const s = Math.fround((hi - lo) / 255);
  if (!(s > 0)) return { scale: 1, zeroPoint: 0 };
  return { scale: s, zeroPoint: Math.min(255, Math.max(0, rint(-lo / s))) };
}

export const quantizeStaticInt8 = definePass({
  name: "quantize-static-int8",
  description:
    "Static int8 QDQ: activations through QuantizeLinear/DequantizeLinear with calibrated ranges, int8 per-channel weights",
  options: quantizeStaticInt8Options,
  apply(model, options) {
    if (defaultOpset(model) < 13)
      throw new CompressionError("unsupported", "per-channel DequantizeLinear needs opset 13 or later");
    const signedAct = options.activationType === "int8";
    const result = rewriteWeightSites(model, options, (site, ctx) => {
      const { names } = ctx;
      const a = site.node.input[0] ?? "";
      const r = options.ranges[a];
      if (!r)
        throw new CompressionError(
          "unsupported",
          `no calibrated range for activation "${a}" (input of ${site.node.name || site.node.output[0]}); calibrate it or exclude the node`,
        );
      const act = ctx.memo(`a:${a}`, () => {
        const p = activationParams(r, options.activationType);
        const scale = ctx.addInitializer(
          floatInitializer(names.fresh(`${a}_scale`), Float32Array.of(p.scale), []),
        );
        const zeroPoint = ctx.addInitializer(
          makeTensor(
            names.fresh(`${a}_zero_point`),
            signedAct ? DataType.INT8 : DataType.UINT8,
            [],
            signedAct ? Int8Array.of(p.zeroPoint) : Uint8Array.of(p.zeroPoint),
          ),
        );
        return { scale, zeroPoint, q: names.fresh(`${a}_quantized`), dq: names.fresh(`${a}_dequantized`) };
      });
      ctx.once(`qdq:${a}`, () => [
        makeNode(
          "QuantizeLinear",
          [a, act.scale, act.zeroPoint],
          [act.q],
          names.fresh(`${a}_QuantizeLinear`),
        ),
        makeNode(
          "DequantizeLinear",
          [act.q, act.scale, act.zeroPoint],
          [act.dq],
          names.fresh(`${a}_DequantizeLinear`),
        ),
      ]);
      const w = ctx.memo(`w:${site.weightName}`, () => {
        const q = quantize8(site.weight, site.k, site.n, { signed: true, perChannel: options.perChannel });
        return weightDequantizer(site, ctx, {
          values: q.values,
          dataType: DataType.INT8,
          scale: q.scale,
          perChannel: options.perChannel,
          suffix: "quantized",
        });
      });
      ctx.once(`dq:${site.weightName}`, () => [w.node]);
      const input = [...site.node.input];
      input[0] = act.dq;
      input[1] = w.out;
      return { nodes: [{ ...site.node, input }] };
    });
    const used = Object.keys(options.ranges).length;
    return {
      model: result.model,
      report: {
        ...result.report,
        activationType: options.activationType,
        perChannel: options.perChannel,
        rangesGiven: used,
      },
    };
  },
});
