// Recipe steps whose options come from calibration data (`edgetune compress --calibration`): a
// prune-importance step without activationNorms, a quantize-static-int8 step without ranges. The
// statistics are measured on the model as that step receives it (after earlier steps), by running
// the library's probe models in onnxruntime-node on the calibration inputs.
import type * as ort from "onnxruntime-node";
import { calibrateStatic } from "../../compression/calibration/index.ts";
import {
  ActivationNorms,
  activationProbe,
  createSession,
  encodeModel,
  type Feeds,
  type ModelProto,
} from "../../compression/node.ts";
import type { RecipeStep } from "../../compression/recipes/index.ts";

/** Passes whose options come from calibration data, and the option that holds it. */
export const calibratedOption: Readonly<Record<string, string>> = {
  "prune-importance": "activationNorms",
  "quantize-static-int8": "ranges",
};

export function needsCalibration(step: RecipeStep): boolean {
  const field = calibratedOption[step.pass];
  if (!field) return false;
  const value = step.options[field];
  return (
    value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0)
  );
}

/** A recipe file may leave calibrated options out: they are filled from --calibration at run time. */
export function withCalibrationPlaceholders(recipe: unknown): unknown {
  if (typeof recipe !== "object" || recipe === null || !Array.isArray((recipe as { steps?: unknown }).steps))
    return recipe;
  const r = recipe as { steps: unknown[] };
  return {
    ...r,
    steps: r.steps.map((s) => {
      if (typeof s !== "object" || s === null) return s;
      const step = s as { pass?: unknown; options?: Record<string, unknown> };
      const field = typeof step.pass === "string" ? calibratedOption[step.pass] : undefined;
      if (!field || (step.options && field in step.options)) return s;
      return { ...step, options: { ...step.options, [field]: {} } };
    }),
  };
}

/** Runs `model` on each feed and hands back every output as plain arrays. */
async function runAll(
  model: ModelProto,
  feeds: readonly Feeds[],
): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>[]> {
  const session = await createSession(encodeModel(model));
  try {
    const runs = [];
    for (const f of feeds) {
      const out = await session.run(f);
      runs.push(
        Object.fromEntries(
          Object.entries(out).map(([k, t]: [string, ort.Tensor]) => [
            k,
            { data: t.data as Float32Array, dims: t.dims },
          ]),
        ),
      );
    }
    return runs;
  } finally {
    await session.release();
  }
}

/** The step's options with its calibrated option computed from `feeds` on the model as it is now. */
export async function calibrate(
  model: ModelProto,
  step: RecipeStep,
  feeds: readonly Feeds[],
): Promise<RecipeStep> {
  if (step.pass === "prune-importance") {
    const probe = activationProbe(model);
    const norms = new ActivationNorms(probe.taps);
    for (const run of await runAll(probe.model, feeds)) norms.add(run);
    return { ...step, options: { ...step.options, activationNorms: norms.result() } };
  }
  const { exclude, minElements } = step.options as { exclude?: string[]; minElements?: number };
  let probeRuns: Awaited<ReturnType<typeof runAll>> | undefined;
  let index = 0;
  const ranges = await calibrateStatic(
    model,
    feeds,
    async (probe) => {
      probeRuns ??= await runAll(probe, feeds);
      return probeRuns[index++] ?? {};
    },
    { ...(exclude ? { exclude } : {}), ...(minElements !== undefined ? { minElements } : {}) },
  );
  return { ...step, options: { ...step.options, ranges } };
}
