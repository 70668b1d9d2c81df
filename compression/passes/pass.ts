// The shape every compression technique shares (see the architecture's "Technique modules"):
// an options schema and a pure apply(model, options) → { model, report }. Passes never touch the
// file system, so the same code runs in the CLI, in the runner and inside the Worker.
import type { z } from "zod";
import type { ModelProto } from "../onnx-io/onnx-types.ts";

/** Figures a pass measured about its own change (e.g. tensors quantized, sparsity reached). */
export type PassReport = Record<string, number | string | boolean | readonly (number | string)[]>;

export interface PassResult {
  model: ModelProto;
  report: PassReport;
}

export interface CompressionPass<Options extends z.ZodType = z.ZodType> {
  /** The name recipes use for this step, e.g. "quantize-dynamic-int8". */
  name: string;
  description: string;
  options: Options;
  apply(model: ModelProto, options: z.output<Options>): PassResult | Promise<PassResult>;
}

/** Declares a pass with its options type inferred from the schema. */
export function definePass<Options extends z.ZodType>(
  pass: CompressionPass<Options>,
): CompressionPass<Options> {
  return pass;
}
