// client/ — the on-device SDK: verified, resumable model downloads, and running a classifier, a text
// generator or a feature extractor with any onnxruntime build (web in the browser, node, or the Worker's
// wasm build).

export {
  ApiError,
  type ClassificationEvaluation,
  EdgetuneApi,
  type GenerationEvaluation,
  type GeneratorEvaluation,
  type GeneratorEvaluationRequest,
  type Job,
  type JobEvent,
  type Manifest,
  type ManifestVariant,
} from "./api-client.ts";
export {
  createFeatureExtractor,
  type EmbedOptions,
  type FeatureExtractor,
  type FeatureExtractorOptions,
  type Pooling,
} from "./feature-extractor.ts";
export { type ChatMessage, renderChat, renderPrompt, TemplateError } from "./prompt-template.ts";
export { nextToken, type SamplingOptions, seededRandom } from "./sampling.ts";
export type { OrtModule, Prediction, TextClassifier, TextClassifierOptions } from "./text-classifier.ts";
export { createTextClassifier } from "./text-classifier.ts";
export {
  createTextGenerator,
  type FinishReason,
  type GenerateOptions,
  type Generation,
  type TextGenerator,
  type TextGeneratorOptions,
} from "./text-generator.ts";
export {
  DownloadError,
  downloadVerified,
  sha256Hex,
  type VerifiedDownloadOptions,
} from "./verified-download.ts";
