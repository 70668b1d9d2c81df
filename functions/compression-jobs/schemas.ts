// `POST .../compress` body: which variants to make, as preset names or full recipes.
import { z } from "zod";
import { Job } from "../jobs/schemas.ts";

export const CompressRequest = z.strictObject({
  recipes: z
    .array(z.union([z.string().min(1), z.record(z.string(), z.unknown())]))
    .min(1)
    .max(16)
    .describe("preset names (fp16, q8, int8, uint8, q4, q4f16) or recipe objects {name, output, steps}"),
  source: z.string().default("onnx/model.onnx").describe("the ONNX file of the version to compress"),
});
export type CompressRequest = z.infer<typeof CompressRequest>;

export const CompressAccepted = Job;

/** What a queue message carries: only the job id; everything else is read from D1. */
export const CompressionMessage = z.object({ jobId: z.string() });
