// Static-quantization calibration end to end, with the runtime left to the caller: build the probe,
// run it on each calibration batch with the caller's `run` (onnxruntime-node, -web, in a Worker),
// histogram every tapped activation, and turn each histogram into a range by the chosen method.
// The result is exactly the `ranges` option of the quantize-static-int8 pass.
import { CompressionError } from "../graph/errors.ts";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import { AbsHistogram } from "./histogram.ts";
import { type CalibrationProbe, type CalibrationTap, staticCalibrationProbe } from "./probe.ts";
import {
  type ActivationRange,
  type CalibrationSettings,
  calibrationSettings,
  rangeFromHistogram,
} from "./ranges.ts";

/** What a runtime hands back for one output: its flat float data. */
export interface CalibrationOutput {
  data: ArrayLike<number>;
}

/** Histograms of every tapped activation over any number of probe runs. */
export class ActivationRanges {
  private readonly histograms = new Map<string, AbsHistogram>();
  private runs = 0;

  constructor(
    private readonly taps: readonly CalibrationTap[],
    bins = 2048,
  ) {
    for (const t of taps) this.histograms.set(t.tensor, new AbsHistogram(bins));
  }

  /** Adds one run's outputs (of the probe model). */
  add(outputs: Record<string, CalibrationOutput>): void {
    for (const tap of this.taps) {
      const out = outputs[tap.output];
      if (!out)
        throw new CompressionError(
          "invalid-model",
          `calibration run did not return activation ${tap.tensor} (probe output ${tap.output})`,
        );
      (this.histograms.get(tap.tensor) as AbsHistogram).add(out.data);
    }
    this.runs++;
  }

  /** Per activation: its range by the method in `settings`. */
  result(settings: CalibrationSettings = {}): Record<string, ActivationRange> {
    if (this.runs === 0) throw new CompressionError("invalid-model", "no calibration run was added");
    const s = calibrationSettings.parse(settings);
    const out: Record<string, ActivationRange> = {};
    for (const [name, h] of this.histograms) out[name] = rangeFromHistogram(h, s);
    return out;
  }
}

export type ProbeRunner<Feeds> = (
  probe: ModelProto,
  feeds: Feeds,
) => Promise<Record<string, CalibrationOutput>> | Record<string, CalibrationOutput>;

/** Ranges of every activation the static pass quantizes, from calibration batches run by `run`. */
export async function calibrateStatic<Feeds>(
  model: ModelProto,
  batches: Iterable<Feeds> | AsyncIterable<Feeds>,
  run: ProbeRunner<Feeds>,
  settings: CalibrationSettings & { exclude?: string[]; minElements?: number } = {},
): Promise<Record<string, ActivationRange>> {
  const { exclude, minElements, ...method } = settings;
  const probe: CalibrationProbe = staticCalibrationProbe(model, {
    ...(exclude ? { exclude } : {}),
    ...(minElements !== undefined ? { minElements } : {}),
  });
  const parsed = calibrationSettings.parse(method);
  const collector = new ActivationRanges(probe.taps, parsed.bins);
  for await (const feeds of batches) collector.add(await run(probe.model, feeds));
  return collector.result(parsed);
}
