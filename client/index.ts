// client/ — the on-device SDK: verified, resumable model downloads and running a classifier with any
// onnxruntime build (web in the browser, node, or the Worker's wasm build).

export {
  ApiError,
  type ClassificationEvaluation,
  EdgetuneApi,
  type GenerationEvaluation,
  type Job,
  type JobEvent,
  type Manifest,
  type ManifestVariant,
} from "./api-client.ts";
export type { OrtModule, Prediction, TextClassifier, TextClassifierOptions } from "./text-classifier.ts";
export { createTextClassifier } from "./text-classifier.ts";
export {
  DownloadError,
  downloadVerified,
  sha256Hex,
  type VerifiedDownloadOptions,
} from "./verified-download.ts";
