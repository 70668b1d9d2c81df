// int8 / uint8 (transformers.js "model_int8.onnx" / "model_uint8.onnx"): weight-only 8-bit.
// MatMul/Gemm weights are stored as 8-bit integers with one scale (and, for uint8, one zero point)
// per output channel, and a DequantizeLinear in front of the unchanged MatMul/Gemm restores them
// in float. Activations stay float, so results differ from fp32 only by the weights' rounding.
import { z } from "zod";
import { CompressionError } from "../graph/errors.ts";
import { defaultOpset } from "../graph/graph.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { quantize8 } from "../quantize/math.ts";
import { rewriteWeightSites, weightDequantizer } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { definePass } from "./pass.ts";

export const quantizeWeight8bitOptions = z
  .object({
    /** int8: symmetric (no zero point); uint8: asymmetric, zero point per channel. */
    dtype: z.enum(["int8", "uint8"]).default("int8"),
    perChannel: z.boolean().default(true),
    ...siteOptions,
  })
  .strict();

export const quantizeWeight8bit = definePass({
  name: "quantize-weight-8bit",
  description:
    "MatMul/Gemm weights → int8 or uint8 with per-channel DequantizeLinear; activations stay float",
  options: quantizeWeight8bitOptions,
  apply(model, options) {
    if (options.perChannel && defaultOpset(model) < 13) {
      throw new CompressionError("unsupported", "per-channel DequantizeLinear needs opset 13 or later");
    }
    const signed = options.dtype === "int8";
    const result = rewriteWeightSites(model, options, (site, ctx) => {
      const dequantized = ctx.memo(`w:${site.weightName}`, () => {
        const q = quantize8(site.weight, site.k, site.n, { signed, perChannel: options.perChannel });
        return weightDequantizer(site, ctx, {
          values: q.values,
          dataType: signed ? DataType.INT8 : DataType.UINT8,
          scale: q.scale,
          ...(signed ? {} : { zeroPoint: q.zeroPoint }),
          perChannel: options.perChannel,
          suffix: "quantized",
        });
      });
      ctx.once(`dq:${site.weightName}`, () => [dequantized.node]);
      const input = [...site.node.input];
      input[1] = dequantized.out;
      return { nodes: [{ ...site.node, input }] };
    });
    return {
      model: result.model,
      report: { ...result.report, dtype: options.dtype, perChannel: options.perChannel },
    };
  },
});
