// Dynamic fixed point: MatMul/Gemm weights → `bits`-bit signed integers with power-of-two scales
// (2^−f per output channel or per tensor, f chosen from the range: quantize/fixed-point.ts), stored
// as a DequantizeLinear in front of the unchanged MatMul/Gemm — int8 storage for 5–8 bits, int4
// (opset 21, the model's opset is raised) for 2–4 bits. Every scale is an exact power of two, so an
// integer-only runtime can dequantize or requantize with shifts.
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import { defaultOpset } from "../graph/graph.ts";
import { upgradeOpset } from "../graph/opset.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { quantizeFixedPoint } from "../quantize/fixed-point.ts";
import { rewriteWeightSites, weightDequantizer } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { definePass } from "./pass.ts";

export const quantizeFixedPointOptions = z
  .object({
    bits: z.number().int().min(2).max(8).default(8),
    perChannel: z.boolean().default(true),
    ...siteOptions,
  })
  .strict();

export const quantizeDynamicFixedPoint = definePass({
  name: "quantize-fixed-point",
  description:
    "MatMul/Gemm weights → dynamic fixed point (2–8 bits, power-of-two scales) via DequantizeLinear",
  options: quantizeFixedPointOptions,
  apply(model, options) {
    if (options.perChannel && defaultOpset(model) < 13)
      throw new CompressionError("unsupported", "per-channel DequantizeLinear needs opset 13 or later");
    const int4 = options.bits <= 4;
    const source = int4 ? upgradeOpset(model, 21) : model;
    const fractionBits: number[] = [];
    const result = rewriteWeightSites(source, options, (site, ctx) => {
      const dq = ctx.memo(`w:${site.weightName}`, () => {
        const q = quantizeFixedPoint(site.weight, site.k, site.n, options);
        fractionBits.push(...q.fractionBits);
        return weightDequantizer(site, ctx, {
          values: q.values,
          dataType: int4 ? DataType.INT4 : DataType.INT8,
          scale: q.scale,
          perChannel: options.perChannel,
          suffix: `fixed${options.bits}`,
        });
      });
      ctx.once(`dq:${site.weightName}`, () => [dq.node]);
      const input = [...site.node.input];
      input[1] = dq.out;
      // Gemm keeps its alpha: folded into the scales it would make them other than powers of two.
      return { nodes: [{ ...site.node, input }] };
    });
    return {
      model: result.model,
      report: {
        ...result.report,
        bits: options.bits,
        perChannel: options.perChannel,
        storage: int4 ? "int4" : "int8",
        minFractionBits: fractionBits.length ? Math.min(...fractionBits) : 0,
        maxFractionBits: fractionBits.length ? Math.max(...fractionBits) : 0,
      },
    };
  },
});
