// Request and response bodies of `POST /v1/models/{name}/infer`.
import { z } from "zod";

export const MAX_TEXTS = 64;

export const InferRequest = z
  .strictObject({
    text: z.string().optional().describe("One text to classify"),
    texts: z
      .array(z.string())
      .min(1)
      .max(MAX_TEXTS)
      .optional()
      .describe("Several texts, classified as one batch"),
    variant: z
      .string()
      .min(1)
      .optional()
      .describe("dtype of the ONNX variant (fp32, fp16, q8, q4, …); default fp32, else the first published"),
    version: z.string().min(1).optional().describe("Published version; default the latest"),
    truncation: z
      .boolean()
      .default(false)
      .describe("Cut texts longer than the model reads; without it such a text is a 422"),
  })
  .refine((r) => (r.text === undefined) !== (r.texts === undefined), {
    message: "give exactly one of text or texts",
  });
export type InferRequest = z.infer<typeof InferRequest>;

export const ClassificationPrediction = z.object({
  label: z.string(),
  score: z.number(),
  scores: z.record(z.string(), z.number()),
});

export const InferResponse = z.object({
  model: z.string(),
  version: z.string(),
  variant: z.string(),
  task: z.literal("text-classification"),
  predictions: z.array(ClassificationPrediction),
});
export type InferResponse = z.infer<typeof InferResponse>;
