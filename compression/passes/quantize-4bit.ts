// q4 (transformers.js "model_q4.onnx"): 4-bit MatMul/Gemm weights in blocks of 32 (or 64, 128)
// along the reduced dimension, symmetric (scale only) or asymmetric (scale + zero point per block),
// in one of two encodings: com.microsoft MatMulNBits (onnxruntime's fused 4-bit kernel, what
// transformers.js q4 files use), or a standard blocked int4/uint4 DequantizeLinear in front of the
// unchanged MatMul/Gemm (opset 21; the model's opset import is raised to it).
import { z } from "zod";
import { intAttribute, makeNode, withOpsetImport } from "../graph/graph.ts";
import { upgradeOpset } from "../graph/opset.ts";
import { makeTensor, pack4 } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { quantize4 } from "../quantize/math.ts";
import { biasEpilogue, floatInitializer, rewriteWeightSites } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { definePass } from "./pass.ts";

export const quantize4bitOptions = z
  .object({
    blockSize: z
      .union([z.literal(16), z.literal(32), z.literal(64), z.literal(128), z.literal(256)])
      .default(32),
    symmetric: z.boolean().default(true),
    format: z.enum(["matmulnbits", "dequantize-linear"]).default("matmulnbits"),
    /** MatMulNBits accuracy_level (0 = unset, 4 = int8 activations); onnxruntime's default is 0. */
    accuracyLevel: z.number().int().min(0).max(4).default(0),
    ...siteOptions,
  })
  .strict();

export const quantize4bit = definePass({
  name: "quantize-4bit",
  description: "MatMul/Gemm weights → 4-bit blocks (MatMulNBits or blocked int4 DequantizeLinear)",
  options: quantize4bitOptions,
  apply(model, options) {
    const bs = options.blockSize;
    const source = options.format === "dequantize-linear" ? upgradeOpset(model, 21) : model;
    const result = rewriteWeightSites(source, options, (site, ctx) => {
      const { names } = ctx;
      const base = site.tensor.name ?? site.weightName;
      const label = site.node.name || site.node.output[0] || "matmul";
      const q = ctx.memo(`q:${site.weightName}`, () =>
        quantize4(site.weight, site.k, site.n, { blockSize: bs, symmetric: options.symmetric }),
      );
      const scale = q.scale.map((s) => s * site.alpha);
      if (options.format === "dequantize-linear") {
        const dq = ctx.memo(`dq:${site.weightName}:${site.alpha}`, () => {
          // Stored in the weight's own layout: [K, N] blocked along axis 0, or [N, K] (Gemm transB) along axis 1.
          const dims = site.transB ? [site.n, site.k] : [site.k, site.n];
          const values = site.transB ? transpose8(q.values, site.k, site.n) : q.values;
          const sdims = site.transB ? [site.n, q.blocks] : [q.blocks, site.n];
          const sc = site.transB ? transposeF(scale, q.blocks, site.n) : scale;
          const inputs = [
            ctx.addInitializer(
              makeTensor(
                names.fresh(`${base}_q4`),
                options.symmetric ? DataType.INT4 : DataType.UINT4,
                dims,
                pack4(values),
              ),
            ),
            ctx.addInitializer(floatInitializer(names.fresh(`${base}_scale`), sc, sdims)),
          ];
          if (q.zeroPoint) {
            const zp = site.transB ? transpose8(Int8Array.from(q.zeroPoint), q.blocks, site.n) : q.zeroPoint;
            inputs.push(
              ctx.addInitializer(
                makeTensor(names.fresh(`${base}_zero_point`), DataType.UINT4, sdims, pack4(zp)),
              ),
            );
          }
          const out = names.fresh(`${base}_dequantized`);
          const node = makeNode("DequantizeLinear", inputs, [out], names.fresh(`${base}_DequantizeLinear`), [
            intAttribute("axis", site.transB ? 1 : 0),
            intAttribute("block_size", bs),
          ]);
          return { out, node };
        });
        ctx.once(`dq:${site.weightName}:${site.alpha}`, () => [dq.node]);
        const input = [...site.node.input];
        input[1] = dq.out;
        const attribute = site.node.attribute.filter((a) => a.name !== "alpha");
        return { nodes: [{ ...site.node, input, attribute }] };
      }
      // MatMulNBits: B [N, blocks, blockSize/2] bytes, column-major by output channel; padding past K
      // holds the zero level; scales [N * blocks]; zero points packed two per byte per column.
      const nbits = ctx.memo(`nbits:${site.weightName}:${site.alpha}`, () => {
        const blob = bs / 2;
        const bytes = new Uint8Array(site.n * q.blocks * blob);
        const offset = options.symmetric ? 8 : 0;
        const scales = new Float32Array(site.n * q.blocks);
        const zpBytes = Math.ceil(q.blocks / 2);
        const zps = new Uint8Array(site.n * zpBytes);
        for (let c = 0; c < site.n; c++)
          for (let b = 0; b < q.blocks; b++) {
            scales[c * q.blocks + b] = scale[b * site.n + c] as number;
            const zp = q.zeroPoint ? (q.zeroPoint[b * site.n + c] as number) : 8;
            if (q.zeroPoint)
              zps[c * zpBytes + (b >> 1)] = (zps[c * zpBytes + (b >> 1)] as number) | (b & 1 ? zp << 4 : zp);
            for (let j = 0; j < bs; j++) {
              const r = b * bs + j;
              const v = r < site.k ? (q.values[r * site.n + c] as number) + offset : zp;
              const at = (c * q.blocks + b) * blob + (j >> 1);
              bytes[at] = (bytes[at] as number) | (j & 1 ? v << 4 : v);
            }
          }
        const inputs = [
          ctx.addInitializer(
            makeTensor(names.fresh(`${base}_q4`), DataType.UINT8, [site.n, q.blocks, blob], bytes),
          ),
          ctx.addInitializer(floatInitializer(names.fresh(`${base}_scales`), scales, [site.n * q.blocks])),
        ];
        if (q.zeroPoint)
          inputs.push(
            ctx.addInitializer(
              makeTensor(names.fresh(`${base}_zero_points`), DataType.UINT8, [site.n * zpBytes], zps),
            ),
          );
        return inputs;
      });
      const out = site.node.output[0] ?? "";
      const product = site.bias ? names.fresh(`${out}_matmul`) : out;
      const attributes = [
        intAttribute("K", site.k),
        intAttribute("N", site.n),
        intAttribute("bits", 4),
        intAttribute("block_size", bs),
        ...(options.accuracyLevel ? [intAttribute("accuracy_level", options.accuracyLevel)] : []),
      ];
      const nodes = [
        makeNode(
          "MatMulNBits",
          [site.node.input[0] ?? "", ...nbits],
          [product],
          names.fresh(`${label}_MatMulNBits`),
          attributes,
          "com.microsoft",
        ),
      ];
      nodes.push(...biasEpilogue(site, ctx, label, product, out));
      return { nodes };
    });
    const out =
      options.format === "matmulnbits" ? withOpsetImport(result.model, "com.microsoft", 1) : result.model;
    return {
      model: out,
      report: { ...result.report, blockSize: bs, symmetric: options.symmetric, format: options.format },
    };
  },
});

function transpose8(w: Int8Array, rows: number, cols: number): Int8Array {
  const out = new Int8Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}

function transposeF(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}
