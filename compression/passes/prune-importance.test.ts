// Activation-aware pruning, measured: calibration norms come from a probe run in onnxruntime-node
// on fresh inputs; the pass zeroes exactly the target per output neuron; and on *other* held-out
// inputs its layer outputs are reconstructed better (‖X·W − X·W′‖) than magnitude pruning with the
// same grouping — the error Wanda's |w|·‖x‖ score is designed to minimise — while the model still
// agrees with the original.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { encodeModel } from "../onnx-io/codec.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { ActivationNorms, activationProbe } from "../pruning/calibration.ts";
import {
  findLinearWeights,
  floatValues,
  GraphEditor,
  type LinearWeight,
  PruneError,
} from "../pruning/graph.ts";
import { calibrateTrained, calibrationFeeds, quality, trainedModel } from "../pruning/test-support.ts";
import { pruneImportance } from "./prune-importance.ts";

const base = trainedModel();

function weights(model: ModelProto): Map<string, { w: LinearWeight; v: Float32Array }> {
  return new Map(
    findLinearWeights(new GraphEditor(model)).map((w) => [w.name, { w, v: floatValues(w.tensor) }]),
  );
}

/** Each weight's activation input on held-out inputs, as [tokens × in] rows. */
async function heldOutActivations(): Promise<Map<string, { x: Float32Array; features: number }>> {
  const probe = activationProbe(base);
  const session = await ort.InferenceSession.create(encodeModel(probe.model), { intraOpNumThreads: 1 });
  const out = await session.run(calibrationFeeds(32, 1234)).finally(() => session.release());
  return new Map(
    probe.taps.map((t) => [t.weight, { x: out[t.input]?.data as Float32Array, features: t.features }]),
  );
}

/** ‖X·(W − W′)‖²_F for one weight (W stored [in,out], or [out,in] when transposed). */
function reconstructionError(
  x: Float32Array,
  inDim: number,
  w: LinearWeight,
  a: Float32Array,
  b: Float32Array,
) {
  const [r, c] = w.dims;
  const outDim = w.transposed ? r : c;
  let err = 0;
  for (let t = 0; t < x.length / inDim; t++)
    for (let j = 0; j < outDim; j++) {
      let d = 0;
      for (let i = 0; i < inDim; i++) {
        const k = w.transposed ? j * inDim + i : i * outDim + j;
        d += (x[t * inDim + i] as number) * ((a[k] as number) - (b[k] as number));
      }
      err += d * d;
    }
  return err;
}

describe("prune-importance", () => {
  it("reaches the target per output neuron and reconstructs layer outputs better than magnitude", async () => {
    const norms = await calibrateTrained(base, 64);
    const uniform = Object.fromEntries(Object.entries(norms).map(([k, v]) => [k, v.map(() => 1)]));
    const aware = await pruneImportance.apply(
      base,
      pruneImportance.options.parse({ sparsity: 0.5, activationNorms: norms }),
    );
    // identical grouping, scores |w|·1: plain magnitude per output neuron
    const plain = await pruneImportance.apply(
      base,
      pruneImportance.options.parse({ sparsity: 0.5, activationNorms: uniform }),
    );
    expect(aware.report.sparsity).toBe(0.5);
    expect(aware.report.method).toBe("activation-importance");

    const original = weights(base);
    const wa = weights(aware.model);
    const wp = weights(plain.model);
    const acts = await heldOutActivations();
    let errAware = 0;
    let errPlain = 0;
    let layersBetter = 0;
    for (const [name, { w, v }] of original) {
      const act = acts.get(name);
      if (!act) throw new Error(`no activation for ${name}`);
      // every output neuron keeps exactly half its inputs
      const va = wa.get(name)?.v as Float32Array;
      const [r, c] = w.dims;
      const [inDim, outDim] = w.transposed ? [c, r] : [r, c];
      for (let j = 0; j < outDim; j++) {
        let z = 0;
        for (let i = 0; i < inDim; i++) if (va[w.transposed ? j * inDim + i : i * outDim + j] === 0) z++;
        expect(z).toBe(Math.round(inDim * 0.5));
      }
      const ea = reconstructionError(act.x, act.features, w, v, va);
      const ep = reconstructionError(act.x, act.features, w, v, wp.get(name)?.v as Float32Array);
      errAware += ea;
      errPlain += ep;
      if (ea < ep) layersBetter++;
    }
    expect(errAware).toBeLessThan(errPlain * 0.9);
    expect(layersBetter).toBeGreaterThanOrEqual(10); // of 14 weights
    const q = await quality(aware.model);
    expect(q.agreement).toBeGreaterThanOrEqual(0.98);
    expect(q.accuracy).toBeGreaterThanOrEqual(0.97);
  });

  it("accumulates norms over several runs as one pass over all tokens", async () => {
    const probe = activationProbe(base);
    const session = await ort.InferenceSession.create(encodeModel(probe.model), { intraOpNumThreads: 1 });
    const feeds = calibrationFeeds(8, 3);
    const run = async (rows: [number, number]) => {
      const sliced = Object.fromEntries(
        Object.entries(feeds).map(([k, t]) => {
          const data = (t.data as BigInt64Array).slice(rows[0] * 16, rows[1] * 16);
          return [k, new ort.Tensor("int64", data, [rows[1] - rows[0], 16])];
        }),
      );
      const out = await session.run(sliced);
      return Object.fromEntries(
        Object.entries(out).map(([k, t]) => [k, { data: t.data as Float32Array, dims: t.dims }]),
      );
    };
    const whole = new ActivationNorms(probe.taps);
    whole.add(await run([0, 8]));
    const parts = new ActivationNorms(probe.taps);
    parts.add(await run([0, 3]));
    parts.add(await run([3, 8]));
    await session.release();
    const a = whole.result();
    const b = parts.result();
    let worst = 0;
    for (const k of Object.keys(a))
      for (const [i, v] of (a[k] ?? []).entries())
        worst = Math.max(worst, Math.abs(v - (b[k]?.[i] ?? Number.NaN)) / v);
    expect(worst).toBeLessThan(1e-9); // same tokens, summed in another order
  });

  it("says which weight lacks calibration norms, or has the wrong number", () => {
    expect(() =>
      pruneImportance.apply(base, pruneImportance.options.parse({ sparsity: 0.5, activationNorms: {} })),
    ).toThrow(/no activation norms for weight onnx::MatMul_/);
    const bad = { "classifier.weight": [1, 2, 3] };
    expect(() =>
      pruneImportance.apply(
        base,
        pruneImportance.options.parse({
          sparsity: 0.5,
          activationNorms: bad,
          exclude: ["/^(?!classifier)/"],
        }),
      ),
    ).toThrow(PruneError);
    expect(() => new ActivationNorms([]).result()).toThrow(/no calibration run/);
  });
});
