// The arithmetic of weight quantization, separate from graph rewriting so it can be tested on
// its own: 8-bit (signed symmetric or unsigned asymmetric, per tensor or per output channel) and
// 4-bit blockwise (symmetric, using all 16 levels the way onnxruntime's MatMulNBits quantizer
// does, or asymmetric with a zero point per block). Weights come oriented [K, N] row-major
// (K = reduced dimension, N = output channels); rounding is half-to-even like numpy.rint.

/** Round half to even, as numpy.rint and onnxruntime's quantizers do. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface Quantized8 {
  values: Int8Array | Uint8Array;
  /** One scale per tensor ([1]) or per output channel ([N]). */
  scale: Float32Array;
  /** Same length as scale; all zero for symmetric int8. */
  zeroPoint: Int8Array | Uint8Array;
  signed: boolean;
}

/** 8-bit quantization of w [K, N]: int8 symmetric (range ±127) or uint8 asymmetric (0..255). */
export function quantize8(
  w: Float32Array,
  k: number,
  n: number,
  options: { signed: boolean; perChannel: boolean },
): Quantized8 {
  const channels = options.perChannel ? n : 1;
  const lo = new Float64Array(channels).fill(0);
  const hi = new Float64Array(channels).fill(0);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const v = w[r * n + c] as number;
      const ch = options.perChannel ? c : 0;
      if (v < (lo[ch] as number)) lo[ch] = v;
      if (v > (hi[ch] as number)) hi[ch] = v;
    }
  const scale = new Float32Array(channels);
  const zeroPoint = options.signed ? new Int8Array(channels) : new Uint8Array(channels);
  for (let ch = 0; ch < channels; ch++) {
    const l = lo[ch] as number;
    const h = hi[ch] as number;
    if (options.signed) {
      const s = Math.max(Math.abs(l), Math.abs(h)) / 127;
      scale[ch] = s > 0 ? s : 1;
    } else {
      const s = (h - l) / 255;
      scale[ch] = s > 0 ? s : 1;
      zeroPoint[ch] = Math.min(255, Math.max(0, rint(-l / (scale[ch] as number))));
    }
  }
  const values = options.signed ? new Int8Array(k * n) : new Uint8Array(k * n);
  const [qmin, qmax] = options.signed ? [-127, 127] : [0, 255];
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const ch = options.perChannel ? c : 0;
      const q = rint((w[r * n + c] as number) / (scale[ch] as number)) + (zeroPoint[ch] as number);
      values[r * n + c] = Math.min(qmax, Math.max(qmin, q));
    }
  return { values, scale, zeroPoint, signed: options.signed };
}

export interface Quantized4 {
  /** [K, N] row-major: signed −8..7 when symmetric, unsigned 0..15 when asymmetric. */
  values: Int8Array;
  /** [blocks, N] row-major, blocks = ceil(K / blockSize) along K. */
  scale: Float32Array;
  /** [blocks, N], 0..15; only when asymmetric. */
  zeroPoint?: Uint8Array;
  blocks: number;
}

/** 4-bit blockwise quantization of w [K, N], blocks of `blockSize` along K per column. */
export function quantize4(
  w: Float32Array,
  k: number,
  n: number,
  options: { blockSize: number; symmetric: boolean },
): Quantized4 {
  const bs = options.blockSize;
  const blocks = Math.ceil(k / bs);
  const values = new Int8Array(k * n);
  const scale = new Float32Array(blocks * n);
  const zeroPoint = options.symmetric ? undefined : new Uint8Array(blocks * n);
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(k, (b + 1) * bs);
    for (let c = 0; c < n; c++) {
      let s: number;
      let zp = 0;
      if (options.symmetric) {
        // The value of largest magnitude maps to −8 exactly, so all 16 levels are in use.
        let m = 0;
        for (let r = b * bs; r < end; r++) {
          const v = w[r * n + c] as number;
          if (Math.abs(v) > Math.abs(m)) m = v;
        }
        s = m / -8;
      } else {
        let lo = 0;
        let hi = 0;
        for (let r = b * bs; r < end; r++) {
          const v = w[r * n + c] as number;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        s = (hi - lo) / 15;
        if (s !== 0) zp = Math.min(15, Math.max(0, rint(-lo / s)));
      }
      const s32 = Math.fround(s === 0 ? 1 : s);
      scale[b * n + c] = s32;
      if (zeroPoint) zeroPoint[b * n + c] = zp;
      const [qmin, qmax] = options.symmetric ? [-8, 7] : [0, 15];
      for (let r = b * bs; r < end; r++) {
        const q = rint((w[r * n + c] as number) / s32) + zp;
        values[r * n + c] = Math.min(qmax, Math.max(qmin, q));
      }
    }
  }
  return zeroPoint ? { values, scale, zeroPoint, blocks } : { values, scale, blocks };
}

/** Dequantized values of a 4-bit result, [K, N] (what onnxruntime computes exactly at 'basic'). */
export function dequantize4(q: Quantized4, k: number, n: number, blockSize: number): Float32Array {
  const out = new Float32Array(k * n);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const b = Math.floor(r / blockSize) * n + c;
      out[r * n + c] = ((q.values[r * n + c] as number) - (q.zeroPoint?.[b] ?? 0)) * (q.scale[b] as number);
    }
  return out;
}

export function dequantize8(q: Quantized8, k: number, n: number): Float32Array {
  const out = new Float32Array(k * n);
  const per = q.scale.length > 1;
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const ch = per ? c : 0;
      out[r * n + c] =
        ((q.values[r * n + c] as number) - (q.zeroPoint[ch] as number)) * (q.scale[ch] as number);
    }
  return out;
}

/** [rows, cols] row-major → [cols, rows]. */
export function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}

export function transposeInt8(w: Int8Array | Uint8Array, rows: number, cols: number): Int8Array | Uint8Array {
  const out = w instanceof Int8Array ? new Int8Array(w.length) : new Uint8Array(w.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c] as number;
  return out;
}
