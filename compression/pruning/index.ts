// Pruning's face (Worker-safe: no Node APIs): the five passes — unstructured magnitude and
// activation-aware pruning, N:M, structured FFN neurons and attention heads — plus what callers
// need around them: calibration for activation-aware scores and mask files for the trainer.
export { nmPrune, nmPruneOptions } from "../passes/nm-prune.ts";
export { pruneImportance, pruneImportanceOptions } from "../passes/prune-importance.ts";
export { pruneMagnitude, pruneMagnitudeOptions } from "../passes/prune-magnitude.ts";
export { structuredFfn, structuredFfnOptions } from "../passes/structured-ffn.ts";
export { structuredHeads, structuredHeadsOptions } from "../passes/structured-heads.ts";
export {
  ActivationNorms,
  type ActivationOutput,
  type ActivationProbe,
  type ActivationTap,
  activationProbe,
} from "./calibration.ts";
export { PruneError, type PruneErrorCode } from "./graph.ts";
export {
  extractMasks,
  type MaskEntry,
  type MaskFile,
  maskFileSchema,
  masksToSafetensors,
  maskValues,
  parseMaskFile,
} from "./masks.ts";
