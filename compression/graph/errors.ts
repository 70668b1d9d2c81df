// Errors of the compression passes (as opposed to OnnxIoError, which is about bytes and files):
// a model a pass cannot handle says which construct and why, with a stable code for callers.
export type CompressionErrorCode = "unsupported" | "invalid-model";

export class CompressionError extends Error {
  override name = "CompressionError";
  constructor(
    readonly code: CompressionErrorCode,
    message: string,
  ) {
    super(message);
  }
}
