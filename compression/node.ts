// compression/ on Node: the Worker-safe face (index.ts) plus what needs the file system or native
// onnxruntime — model files with their external data, and verification reports.
export * from "./index.ts";
export { ortNodeRunner } from "./mixed-precision/node-runner.ts";
export { readModelFile, type WriteModelOptions, type WrittenModel, writeModelFile } from "./onnx-io/files.ts";
export * from "./verify/index.ts";
