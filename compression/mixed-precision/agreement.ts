// How close a variant's outputs are to the original's on the same inputs, computed from plain
// arrays so any onnxruntime build (node, web, inside a Worker) can supply them: cosine similarity and
// relative error per output over all runs, top-1 agreement along the last axis, and task accuracy when labels
// are given. Mixed precision ranks layers and checks its budget with these figures.

/** One output as a runtime hands it back: flat numbers and dims. */
export interface OutputValues {
  data: ArrayLike<number>;
  dims: readonly number[];
}

/** One run's outputs by name. */
export type RunOutputs = Record<string, OutputValues>;

export interface Agreement {
  /** Smallest cosine similarity over the compared outputs (1 = same direction). */
  cosine: number;
  /** Largest relative error ‖candidate − original‖₂ / ‖original‖₂ over the compared outputs. */
  relativeError: number;
  /** Share of rows (last axis of every compared output) whose argmax matches the original's. */
  top1: number;
  /** Share of rows of the first compared output whose argmax equals the label; when labels are given. */
  accuracy?: number;
}

function argmaxRows(data: ArrayLike<number>, classes: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < data.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++)
      if ((data[r * classes + c] as number) > (data[r * classes + best] as number)) best = c;
    rows.push(best);
  }
  return rows;
}

/**
 * Compares `candidate` with `reference` run by run. `labels[i]` holds the expected class of each
 * row of run i's first output (the one named `labelOutput`, default the first reference output).
 */
export function compareRuns(
  reference: readonly RunOutputs[],
  candidate: readonly RunOutputs[],
  options: { labels?: readonly (readonly number[])[]; labelOutput?: string } = {},
): Agreement {
  if (reference.length !== candidate.length)
    throw new Error(`compared ${candidate.length} runs with ${reference.length} reference runs`);
  const sums = new Map<string, { dot: number; na: number; nb: number; nd: number }>();
  let agree = 0;
  let rows = 0;
  let right = 0;
  let labelled = 0;
  reference.forEach((ref, i) => {
    const cand = candidate[i] as RunOutputs;
    const names = Object.keys(ref);
    const labelOutput = options.labelOutput ?? names[0];
    for (const name of names) {
      const a = ref[name] as OutputValues;
      const b = cand[name];
      if (!b || b.data.length !== a.data.length)
        throw new Error(
          `output ${name}: the variant returned ${b ? b.data.length : "no"} values, expected ${a.data.length}`,
        );
      const s = sums.get(name) ?? { dot: 0, na: 0, nb: 0, nd: 0 };
      for (let k = 0; k < a.data.length; k++) {
        const p = a.data[k] as number;
        const q = b.data[k] as number;
        s.dot += p * q;
        s.na += p * p;
        s.nb += q * q;
        s.nd += (p - q) * (p - q);
      }
      sums.set(name, s);
      const classes = a.dims.at(-1) ?? 1;
      if (classes > 1) {
        const ra = argmaxRows(a.data, classes);
        const rb = argmaxRows(b.data, classes);
        ra.forEach((x, r) => {
          if (x === rb[r]) agree++;
          rows++;
        });
        const labels = options.labels?.[i];
        if (labels && name === labelOutput) {
          if (labels.length !== rb.length)
            throw new Error(`run ${i}: ${labels.length} labels for ${rb.length} rows of ${name}`);
          labels.forEach((label, r) => {
            if (rb[r] === label) right++;
            labelled++;
          });
        }
      }
    }
  });
  let cosine = 1;
  let relativeError = 0;
  for (const s of sums.values()) {
    cosine = Math.min(cosine, s.na && s.nb ? s.dot / Math.sqrt(s.na * s.nb) : s.na === s.nb ? 1 : 0);
    relativeError = Math.max(relativeError, s.na ? Math.sqrt(s.nd / s.na) : s.nd ? Infinity : 0);
  }
  return {
    cosine,
    relativeError,
    top1: rows ? agree / rows : 1,
    ...(labelled ? { accuracy: right / labelled } : {}),
  };
}
