// q8 (transformers.js "model_quantized.onnx"): dynamic int8 quantization of MatMul/Gemm weights.
// Weights are stored as 8-bit integers (per tensor or per output channel); at run time the
// activation is quantized by DynamicQuantizeLinear, multiplied in integers by MatMulInteger, and
// the int32 result is scaled back to float by (activation scale × weight scale). One
// DynamicQuantizeLinear serves every node that reads the same activation (Q, K and V projections).
import { z } from "zod";
import { intAttribute, makeNode } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { quantize8 } from "../quantize/math.ts";
import { biasEpilogue, floatInitializer, rewriteWeightSites } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { definePass } from "./pass.ts";

export const quantizeDynamicInt8Options = z
  .object({
    /** One scale per output channel (column) instead of one per tensor. */
    perChannel: z.boolean().default(true),
    /** int8: symmetric, no zero point stored; uint8: asymmetric with zero points. */
    weightType: z.enum(["int8", "uint8"]).default("int8"),
    ...siteOptions,
  })
  .strict();

export const quantizeDynamicInt8 = definePass({
  name: "quantize-dynamic-int8",
  description:
    "MatMul/Gemm weights → int8, activations quantized at run time (DynamicQuantizeLinear + MatMulInteger)",
  options: quantizeDynamicInt8Options,
  apply(model, options) {
    const signed = options.weightType === "int8";
    const result = rewriteWeightSites(model, options, (site, ctx) => {
      const { names } = ctx;
      const w = ctx.memo(`w:${site.weightName}`, () => {
        const q = quantize8(site.weight, site.k, site.n, { signed, perChannel: options.perChannel });
        const base = site.tensor.name ?? site.weightName;
        const scaleDims = q.scale.length > 1 ? [q.scale.length] : [];
        const values = ctx.addInitializer(
          makeTensor(
            names.fresh(`${base}_quantized`),
            signed ? DataType.INT8 : DataType.UINT8,
            [site.k, site.n],
            q.values,
          ),
        );
        const zeroPoint = signed
          ? undefined
          : ctx.addInitializer(
              makeTensor(names.fresh(`${base}_zero_point`), DataType.UINT8, scaleDims, q.zeroPoint),
            );
        const scale = q.scale.map((s) => s * site.alpha);
        return { values, zeroPoint, scale, scaleDims };
      });
      const a = site.node.input[0] ?? "";
      const act = ctx.memo(`a:${a}`, () => ({
        q: names.fresh(`${a}_quantized`),
        scale: names.fresh(`${a}_scale`),
        zeroPoint: names.fresh(`${a}_zero_point`),
      }));
      ctx.once(`dql:${a}`, () => [
        makeNode(
          "DynamicQuantizeLinear",
          [a],
          [act.q, act.scale, act.zeroPoint],
          names.fresh(`${a}_DynamicQuantizeLinear`),
        ),
      ]);
      const label = site.node.name || site.node.output[0] || "matmul";
      const out = site.node.output[0] ?? "";
      const integer = names.fresh(`${out}_int32`);
      const asFloat = names.fresh(`${out}_int32_float`);
      const scale = names.fresh(`${out}_scale`);
      const weightScale = ctx.memo(`ws:${site.weightName}:${site.alpha}`, () =>
        ctx.addInitializer(
          floatInitializer(names.fresh(`${site.tensor.name ?? "w"}_scale`), w.scale, w.scaleDims),
        ),
      );
      const mmInputs = w.zeroPoint
        ? [act.q, w.values, act.zeroPoint, w.zeroPoint]
        : [act.q, w.values, act.zeroPoint];
      const scaled = site.bias ? names.fresh(`${out}_scaled`) : out;
      const nodes = [
        makeNode("MatMulInteger", mmInputs, [integer], names.fresh(`${label}_MatMulInteger`)),
        makeNode("Cast", [integer], [asFloat], names.fresh(`${label}_Cast`), [
          intAttribute("to", DataType.FLOAT),
        ]),
        makeNode("Mul", [act.scale, weightScale], [scale], names.fresh(`${label}_scale_Mul`)),
        makeNode("Mul", [asFloat, scale], [scaled], names.fresh(`${label}_Mul`)),
      ];
      nodes.push(...biasEpilogue(site, ctx, label, scaled, out));
      return { nodes };
    });
    return {
      model: result.model,
      report: { ...result.report, perChannel: options.perChannel, weightType: options.weightType },
    };
  },
});
