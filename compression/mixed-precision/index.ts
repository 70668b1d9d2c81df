// Accuracy-gated mixed precision (Worker-safe: the caller supplies the model runner).
export { type Agreement, compareRuns, type OutputValues, type RunOutputs } from "./agreement.ts";
export {
  applyPrecisions,
  type LayerReport,
  type MixedPrecisionOptions,
  type MixedPrecisionProgress,
  type MixedPrecisionReport,
  type ModelRunner,
  mixedPrecision,
  mixedPrecisionOptions,
  type Precision,
} from "./mixed-precision.ts";
