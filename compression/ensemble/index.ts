// Ensembles of compatible models as one ONNX graph (Worker-safe).
export { EnsembleError, type EnsembleOptions, ensembleModels } from "./ensemble.ts";
