// One error class for everything that can go wrong reading or writing an ONNX model, so callers
// (CLI, Worker routes) can tell a bad model from a bug with one instanceof and map `code` to a
// status. Messages are one line: they end up in problem+json details and log lines.

export type OnnxIoErrorCode =
  | "malformed-protobuf"
  | "missing-graph"
  | "invalid-model"
  | "external-data-missing"
  | "external-data-out-of-range"
  | "external-data-invalid"
  | "unsafe-location"
  | "unresolved-external-data"
  | "too-large";

export class OnnxIoError extends Error {
  override readonly name = "OnnxIoError";
  readonly code: OnnxIoErrorCode;

  constructor(code: OnnxIoErrorCode, message: string, options?: { cause?: unknown }) {
    super(message.replace(/\s*[\r\n]+\s*/g, " "), options);
    this.code = code;
  }
}
