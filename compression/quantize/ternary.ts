// Ternary weights (Ternary Weight Networks, Li, Zhang & Liu 2016): each weight becomes −1, 0 or +1
// times one scale per block. TWN's approximate solution of min ‖W − αT‖²: threshold
// Δ = 0.7 · mean|w| (zero below it), and α = mean |w| over the weights kept. Blocks run along the
// reduced dimension K per output column, as MatMulNBits lays them out. Weights come [K, N] row-major.

export interface Ternary {
  /** [K, N] row-major, each −1, 0 or +1. */
  values: Int8Array;
  /** [blocks, N] row-major. */
  scale: Float32Array;
  blocks: number;
  /** Share of weights set to zero. */
  sparsity: number;
}

export function ternarize(
  w: Float32Array,
  k: number,
  n: number,
  options: { blockSize: number; thresholdFactor: number },
): Ternary {
  const bs = options.blockSize;
  const blocks = Math.ceil(k / bs);
  const values = new Int8Array(k * n);
  const scale = new Float32Array(blocks * n);
  let zeros = 0;
  for (let b = 0; b < blocks; b++) {
    const end = Math.min(k, (b + 1) * bs);
    for (let c = 0; c < n; c++) {
      let sum = 0;
      for (let r = b * bs; r < end; r++) sum += Math.abs(w[r * n + c] as number);
      const delta = (options.thresholdFactor * sum) / (end - b * bs);
      let kept = 0;
      let keptSum = 0;
      for (let r = b * bs; r < end; r++) {
        const v = w[r * n + c] as number;
        if (Math.abs(v) > delta) {
          values[r * n + c] = v > 0 ? 1 : -1;
          kept++;
          keptSum += Math.abs(v);
        } else zeros++;
      }
      scale[b * n + c] = kept > 0 ? keptSum / kept : 1;
    }
  }
  return { values, scale, blocks, sparsity: zeros / (k * n) };
}

/** The weights the ternary form stands for, [K, N]. */
export function dequantizeTernary(t: Ternary, k: number, n: number, blockSize: number): Float32Array {
  const out = new Float32Array(k * n);
  for (let r = 0; r < k; r++)
    for (let c = 0; c < n; c++)
      out[r * n + c] =
        (t.values[r * n + c] as number) * (t.scale[Math.floor(r / blockSize) * n + c] as number);
  return out;
}
