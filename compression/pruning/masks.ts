// Pruning masks the trainer can use (lottery-ticket rewinding: rewind the surviving weights to
// their values at initialisation or an early checkpoint, then retrain with the mask held fixed).
// A pruned ONNX model holds the *result*; the trainer needs the *pattern*, in PyTorch's naming and
// layout. So a mask file names each pruned weight twice — its ONNX initializer and, where the graph
// tells, its PyTorch parameter ("bert.encoder.layer.0.attention.self.query.weight") — and says
// whether the ONNX tensor is the transpose of the PyTorch one (the legacy exporter stores
// nn.Linear weights as [in, out] "onnx::MatMul_*" initializers).
//
// JSON format (edgetune-pruning-mask, version 1):
//   { format, version, masks: [{ onnxName, torchName | null, shape, transposedFromTorch,
//     kept, total, bits }] }
//   shape: the ONNX tensor's dims; bits: base64 of one bit per element in ONNX row-major order,
//   least significant bit first within each byte, 1 = kept, 0 = pruned.
// safetensors: masksToSafetensors() writes the same masks as BOOL tensors already in PyTorch's
//   layout, keyed by the PyTorch name (the ONNX name when none is known), loadable with
//   safetensors.torch.load_file. In the trainer: `param.data.mul_(mask)` after rewinding, and again
//   after every optimizer step (or zero the gradients of masked entries).
import { z } from "zod";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { findLinearWeights, floatValues, GraphEditor, type LinearWeight, PruneError } from "./graph.ts";

export interface MaskEntry {
  onnxName: string;
  torchName: string | null;
  shape: number[];
  transposedFromTorch: boolean;
  kept: number;
  total: number;
  bits: string;
}

export const maskFileSchema = z.object({
  format: z.literal("edgetune-pruning-mask"),
  version: z.literal(1),
  masks: z.array(
    z.object({
      onnxName: z.string(),
      torchName: z.string().nullable(),
      shape: z.array(z.number().int().nonnegative()),
      transposedFromTorch: z.boolean(),
      kept: z.number().int().nonnegative(),
      total: z.number().int().nonnegative(),
      bits: z.string(),
    }),
  ),
});

export type MaskFile = z.infer<typeof maskFileSchema>;

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

const GENERATED = /^(onnx::|val_\d|_)/;

/** PyTorch's name for a weight and whether ONNX stores it transposed, as far as the graph tells. */
function torchIdentity(w: LinearWeight): { torchName: string | null; transposedFromTorch: boolean } {
  if (!GENERATED.test(w.name) && w.name.includes("."))
    // named after the parameter: Gemm(transB=1) keeps nn.Linear's [out, in]; MatMul on a named
    // weight is a Conv1D-style [in, out] parameter (GPT-2), stored as PyTorch holds it
    return { torchName: w.name, transposedFromTorch: false };
  const node = w.node.name ?? "";
  // legacy exporter: node "/bert/encoder/layer.0/attention/self/query/MatMul" ↔ module path
  if (w.node.opType === "MatMul" && node.startsWith("/") && node.split("/").length > 2) {
    const path = node.slice(1).split("/").slice(0, -1).join(".");
    return { torchName: `${path}.weight`, transposedFromTorch: true };
  }
  return { torchName: null, transposedFromTorch: w.node.opType === "MatMul" };
}

/**
 * The masks of a pruned model's MatMul/Gemm weights (kept = nonzero). With `names`, only those
 * weights (ONNX names, as pruning reports list them); otherwise every weight with any zero.
 */
export function extractMasks(model: ModelProto, names?: readonly string[]): MaskFile {
  const weights = findLinearWeights(new GraphEditor(model));
  const byName = new Map(weights.map((w) => [w.name, w]));
  const selected = names
    ? names.map((n) => {
        const w = byName.get(n);
        if (!w) throw new PruneError("no-weights", `no MatMul/Gemm weight named ${n}`);
        return w;
      })
    : [...byName.values()];
  const masks: MaskEntry[] = [];
  for (const w of selected) {
    const v = floatValues(w.tensor);
    const bits = new Uint8Array(Math.ceil(v.length / 8));
    let kept = 0;
    v.forEach((x, i) => {
      if (x !== 0) {
        bits[i >> 3] = (bits[i >> 3] as number) | (1 << (i & 7));
        kept++;
      }
    });
    if (!names && kept === v.length) continue;
    masks.push({
      onnxName: w.name,
      ...torchIdentity(w),
      shape: [...w.dims],
      kept,
      total: v.length,
      bits: toBase64(bits),
    });
  }
  return { format: "edgetune-pruning-mask", version: 1, masks };
}

/** Reads and validates a mask file (JSON text or parsed value). */
export function parseMaskFile(input: string | unknown): MaskFile {
  return maskFileSchema.parse(typeof input === "string" ? JSON.parse(input) : input);
}

/** One 0/1 byte per element, in the ONNX tensor's row-major order. */
export function maskValues(entry: MaskEntry): Uint8Array {
  const bits = fromBase64(entry.bits);
  const out = new Uint8Array(entry.total);
  for (let i = 0; i < entry.total; i++) out[i] = ((bits[i >> 3] as number) >> (i & 7)) & 1;
  return out;
}

/** The masks as a safetensors file: BOOL tensors in PyTorch's layout, keyed by PyTorch name. */
export function masksToSafetensors(file: MaskFile): Uint8Array {
  const header: Record<string, unknown> = {
    __metadata__: { format: "edgetune-pruning-mask", version: "1" },
  };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const m of file.masks) {
    let values = maskValues(m);
    let shape = m.shape;
    if (m.transposedFromTorch && shape.length === 2) {
      const [r, c] = shape as [number, number];
      const t = new Uint8Array(values.length);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) t[j * r + i] = values[i * c + j] as number;
      values = t;
      shape = [c, r];
    }
    header[m.torchName ?? m.onnxName] = {
      dtype: "BOOL",
      shape,
      data_offsets: [offset, offset + values.length],
    };
    chunks.push(values);
    offset += values.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8; // keep the data 8-byte aligned, as the reference writer does
  if (pad) json = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
