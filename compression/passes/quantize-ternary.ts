// Ternary weights ("ternary" variant): MatMul/Gemm weights → {−1, 0, +1} × a scale per block of
// `blockSize` along K (Ternary Weight Networks' threshold 0.7 · mean|w|, see quantize/ternary.ts),
// stored packed at 2 bits per weight as com.microsoft MatMulNBits with bits = 2: levels 0..3 with
// the default zero point 2, so −1, 0, +1 are stored as 1, 2, 3. Measured on onnxruntime 1.30
// (node and web/WASM, at 'basic' and 'all'): MatMulNBits bits=2 loads and computes exactly, as do an
// INT2 DequantizeLinear (opset 25) and a uint8 BitShift/BitwiseAnd decode subgraph; MatMulNBits is
// the fused kernel onnxruntime already uses for q4, so it is the one written. Without fine-tuning
// a ternary model loses accuracy (TWN trains with the ternary forward); this pass is the storage
// and inference half.
import { z } from "zod";
import { intAttribute, makeNode, withOpsetImport } from "../graph/graph.ts";
import { makeTensor } from "../graph/tensors.ts";
import { DataType } from "../onnx-io/data-types.ts";
import { biasEpilogue, floatInitializer, rewriteWeightSites } from "../quantize/rewrite.ts";
import { siteOptions } from "../quantize/sites.ts";
import { ternarize } from "../quantize/ternary.ts";
import { definePass } from "./pass.ts";

export const quantizeTernaryOptions = z
  .object({
    blockSize: z
      .union([z.literal(16), z.literal(32), z.literal(64), z.literal(128), z.literal(256)])
      .default(64),
    /** Δ = thresholdFactor · mean|w| per block; TWN's 0.7 minimizes the expected error for Gaussian-like weights. */
    thresholdFactor: z.number().gt(0).lt(2).default(0.7),
    ...siteOptions,
  })
  .strict();

export const quantizeTernary = definePass({
  name: "quantize-ternary",
  description:
    "MatMul/Gemm weights → ternary {−1, 0, +1} × block scale, 2 bits per weight (MatMulNBits bits=2)",
  options: quantizeTernaryOptions,
  apply(model, options) {
    const bs = options.blockSize;
    let zeros = 0;
    let total = 0;
    const result = rewriteWeightSites(model, options, (site, ctx) => {
      const { names } = ctx;
      const base = site.tensor.name ?? site.weightName;
      const label = site.node.name || site.node.output[0] || "matmul";
      const t = ctx.memo(`t:${site.weightName}`, () => {
        const r = ternarize(site.weight, site.k, site.n, {
          blockSize: bs,
          thresholdFactor: options.thresholdFactor,
        });
        zeros += r.sparsity * site.k * site.n;
        total += site.k * site.n;
        return r;
      });
      // B [N, blocks, blockSize / 4] bytes, four 2-bit levels per byte (first in the low bits), column by
      // column; padding past K holds the zero level 2; scales [N * blocks], column-major.
      const inputs = ctx.memo(`nbits:${site.weightName}:${site.alpha}`, () => {
        const blob = bs / 4;
        const bytes = new Uint8Array(site.n * t.blocks * blob);
        const scales = new Float32Array(site.n * t.blocks);
        for (let c = 0; c < site.n; c++)
          for (let b = 0; b < t.blocks; b++) {
            scales[c * t.blocks + b] = (t.scale[b * site.n + c] as number) * site.alpha;
            for (let j = 0; j < bs; j++) {
              const r = b * bs + j;
              const level = r < site.k ? (t.values[r * site.n + c] as number) + 2 : 2;
              const at = (c * t.blocks + b) * blob + (j >> 2);
              bytes[at] = (bytes[at] as number) | (level << ((j & 3) * 2));
            }
          }
        return [
          ctx.addInitializer(
            makeTensor(names.fresh(`${base}_ternary`), DataType.UINT8, [site.n, t.blocks, blob], bytes),
          ),
          ctx.addInitializer(floatInitializer(names.fresh(`${base}_scales`), scales, [site.n * t.blocks])),
        ];
      });
      const out = site.node.output[0] ?? "";
      const product = site.bias ? names.fresh(`${out}_matmul`) : out;
      const nodes = [
        makeNode(
          "MatMulNBits",
          [site.node.input[0] ?? "", ...inputs],
          [product],
          names.fresh(`${label}_MatMulNBits`),
          [
            intAttribute("K", site.k),
            intAttribute("N", site.n),
            intAttribute("bits", 2),
            intAttribute("block_size", bs),
          ],
          "com.microsoft",
        ),
      ];
      nodes.push(...biasEpilogue(site, ctx, label, product, out));
      return { nodes };
    });
    return {
      model: withOpsetImport(result.model, "com.microsoft", 1),
      report: {
        ...result.report,
        blockSize: bs,
        thresholdFactor: options.thresholdFactor,
        sparsity: total > 0 ? zeros / total : 0,
      },
    };
  },
});
