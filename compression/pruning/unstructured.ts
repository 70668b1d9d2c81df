// Unstructured pruning's common core: given a score per weight (|w| for magnitude pruning, |w|·‖x‖
// for activation-aware importance), zero exactly the k lowest-scored weights within each comparison
// group — all weights together ("global"), each tensor ("layer"), or each output neuron's weights
// ("output", as Wanda compares them). Exact counts: ties at the threshold are broken by position, so
// the sparsity reached is the target rounded to whole weights, never "roughly".
import { type GraphEditor, type LinearWeight, withFloatValues } from "./graph.ts";

export type UnstructuredScope = "global" | "layer" | "output";

export interface ScoredWeight {
  weight: LinearWeight;
  values: Float32Array;
  scores: Float32Array;
}

export interface TensorSparsity {
  name: string;
  elements: number;
  zeros: number;
  sparsity: number;
}

/** Zeros the `k` lowest scores among the given (tensor, indices) members; ties go to earlier members. */
function pruneGroup(
  members: { scores: Float32Array; prune: Uint8Array; idx: Uint32Array | null }[],
  k: number,
) {
  if (k <= 0) return;
  let total = 0;
  for (const m of members) total += m.idx ? m.idx.length : m.scores.length;
  const all = new Float32Array(total);
  let o = 0;
  for (const m of members) {
    if (m.idx) for (const i of m.idx) all[o++] = m.scores[i] as number;
    else {
      all.set(m.scores, o);
      o += m.scores.length;
    }
  }
  all.sort();
  const threshold = all[Math.min(k, total) - 1] as number;
  let below = 0;
  for (let i = 0; i < total && (all[i] as number) < threshold; i++) below++;
  let ties = Math.min(k, total) - below;
  for (const m of members) {
    const n = m.idx ? m.idx.length : m.scores.length;
    for (let j = 0; j < n; j++) {
      const i = m.idx ? (m.idx[j] as number) : j;
      const s = m.scores[i] as number;
      if (s < threshold) m.prune[i] = 1;
      else if (s === threshold && ties > 0) {
        m.prune[i] = 1;
        ties--;
      }
    }
  }
}

/** Output neuron j's weight positions in a stored [in,out] (or transposed [out,in]) matrix. */
function outputIndices(w: LinearWeight): Uint32Array[] {
  const [a, b] = w.dims;
  const [inDim, outDim] = w.transposed ? [b, a] : [a, b];
  const groups: Uint32Array[] = [];
  for (let j = 0; j < outDim; j++) {
    const idx = new Uint32Array(inDim);
    for (let i = 0; i < inDim; i++) idx[i] = w.transposed ? j * inDim + i : i * outDim + j;
    groups.push(idx);
  }
  return groups;
}

/**
 * Zeros weights so that each comparison group reaches `sparsity` (rounded to whole weights), writes
 * the pruned tensors into the editor and returns the sparsity reached per tensor.
 */
export function pruneByScores(
  editor: GraphEditor,
  scored: readonly ScoredWeight[],
  sparsity: number,
  scope: UnstructuredScope,
): TensorSparsity[] {
  const prunes = scored.map((s) => new Uint8Array(s.values.length));
  if (scope === "global") {
    const total = scored.reduce((n, s) => n + s.values.length, 0);
    pruneGroup(
      scored.map((s, i) => ({ scores: s.scores, prune: prunes[i] as Uint8Array, idx: null })),
      Math.round(total * sparsity),
    );
  } else {
    scored.forEach((s, i) => {
      const prune = prunes[i] as Uint8Array;
      if (scope === "layer")
        pruneGroup([{ scores: s.scores, prune, idx: null }], Math.round(s.values.length * sparsity));
      else
        for (const idx of outputIndices(s.weight))
          pruneGroup([{ scores: s.scores, prune, idx }], Math.round(idx.length * sparsity));
    });
  }
  return scored.map((s, i) => {
    const prune = prunes[i] as Uint8Array;
    const values = s.values.slice();
    let zeros = 0;
    for (let j = 0; j < values.length; j++) {
      if (prune[j]) values[j] = 0;
      if (values[j] === 0) zeros++;
    }
    editor.setConstant(s.weight.source, withFloatValues(s.weight.tensor, values));
    return { name: s.weight.name, elements: values.length, zeros, sparsity: zeros / values.length };
  });
}

/** Report fields shared by the unstructured passes: per-tensor and overall sparsity. */
export function sparsityReport(stats: readonly TensorSparsity[]) {
  const elements = stats.reduce((n, s) => n + s.elements, 0);
  const zeros = stats.reduce((n, s) => n + s.zeros, 0);
  return {
    tensorsPruned: stats.length,
    prunedTensors: stats.map((s) => s.name),
    tensorSparsity: stats.map((s) => Number(s.sparsity.toFixed(6))),
    weightsConsidered: elements,
    weightsZero: zeros,
    sparsity: elements === 0 ? 0 : zeros / elements,
  };
}
