// client/ — the on-device SDK. Today: running a published classifier with any onnxruntime build.
export type { OrtModule, Prediction, TextClassifier, TextClassifierOptions } from "./text-classifier.ts";
export { createTextClassifier } from "./text-classifier.ts";
