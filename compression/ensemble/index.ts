// Ensembles of compatible models as one ONNX graph, and how one compares with its members (Worker-safe).
export { compareEnsemble, type EnsembleComparison, meanRuns } from "./compare.ts";
export { EnsembleError, type EnsembleOptions, ensembleModels } from "./ensemble.ts";
