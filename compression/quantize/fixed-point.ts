// Dynamic fixed point (Courbariaux et al. 2014; Ristretto, Gysel et al. 2016): a b-bit signed
// integer with a power-of-two scale 2^−f, the fractional length f chosen per tensor or per output
// channel from its range — the largest f for which max|w| still fits in ±(2^(b−1) − 1), so nothing
// clips. Integer-only hardware rescales by shifting instead of multiplying. Weights [K, N] row-major.
import { rint } from "./math.ts";

export interface FixedPoint {
  /** [K, N] row-major, in ±(2^(bits−1) − 1). */
  values: Int8Array;
  /** Fractional length per channel (or one): scale = 2^−f. */
  fractionBits: Int32Array;
  scale: Float32Array;
}

export function quantizeFixedPoint(
  w: Float32Array,
  k: number,
  n: number,
  options: { bits: number; perChannel: boolean },
): FixedPoint {
  const qmax = 2 ** (options.bits - 1) - 1;
  const channels = options.perChannel ? n : 1;
  const maxAbs = new Float64Array(channels);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const ch = options.perChannel ? c : 0;
      maxAbs[ch] = Math.max(maxAbs[ch] as number, Math.abs(w[r * n + c] as number));
    }
  const fractionBits = new Int32Array(channels);
  const scale = new Float32Array(channels);
  for (let ch = 0; ch < channels; ch++) {
    const m = maxAbs[ch] as number;
    // Largest f with m · 2^f ≤ qmax; float rounding of log2 is corrected by the checks after.
    let f = m > 0 ? Math.floor(Math.log2(qmax / m)) : 0;
    while (m * 2 ** f > qmax) f--;
    while (m > 0 && m * 2 ** (f + 1) <= qmax) f++;
    fractionBits[ch] = f;
    scale[ch] = 2 ** -f;
  }
  const values = new Int8Array(k * n);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++) {
      const ch = options.perChannel ? c : 0;
      const q = rint((w[r * n + c] as number) * 2 ** (fractionBits[ch] as number));
      values[r * n + c] = Math.max(-qmax, Math.min(qmax, q));
    }
  return { values, fractionBits, scale };
}

export function dequantizeFixedPoint(q: FixedPoint, k: number, n: number): Float32Array {
  const out = new Float32Array(k * n);
  const per = q.scale.length > 1;
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++)
      out[r * n + c] = (q.values[r * n + c] as number) * (q.scale[per ? c : 0] as number);
  return out;
}
