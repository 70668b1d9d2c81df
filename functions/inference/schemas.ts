// Request and response bodies of `POST /v1/models/{name}/infer`, one pair per task. The task is named by
// `task`, or follows from the body: `inputs` → raw tensors, `prompt`/`template`/`messages` → text
// generation, otherwise `text`/`texts` → text classification (the route's first contract, unchanged).
// Generation parameters carry the names transformers and text-generation-inference give them.
import { z } from "zod";

export const MAX_TEXTS = 64;
export const MAX_NEW_TOKENS = 256;
/** Elements all input tensors of one request may hold together, and all returned output tensors. */
export const MAX_TENSOR_ELEMENTS = 1 << 18;

const variant = z
  .string()
  .min(1)
  .optional()
  .describe("dtype of the ONNX variant (fp32, fp16, q8, q4, …); default fp32, else the first published");
const version = z.string().min(1).optional().describe("Published version; default the latest");

export const InferTask = z.enum(["text-classification", "text-generation", "feature-extraction", "tensors"]);
export type InferTask = z.infer<typeof InferTask>;

const oneOfTextOrTexts = (r: { text?: string | undefined; texts?: string[] | undefined }) =>
  (r.text === undefined) !== (r.texts === undefined);

export const ClassificationRequest = z
  .strictObject({
    task: z.literal("text-classification").optional(),
    text: z.string().optional().describe("One text to classify"),
    texts: z
      .array(z.string())
      .min(1)
      .max(MAX_TEXTS)
      .optional()
      .describe("Several texts, classified as one batch"),
    variant,
    version,
    truncation: z
      .boolean()
      .default(false)
      .describe("Cut texts longer than the model reads; without it such a text is a 422"),
  })
  .refine(oneOfTextOrTexts, { message: "give exactly one of text or texts" });
/** The classification request (the route's original contract; `task` may be left out). */
export const InferRequest = ClassificationRequest;
export type InferRequest = z.infer<typeof InferRequest>;

export const ChatMessage = z.strictObject({
  role: z.string().min(1).max(64),
  content: z.string().max(32_768),
});

export const GenerationRequest = z
  .strictObject({
    task: z.literal("text-generation").optional(),
    prompt: z.string().min(1).max(32_768).optional().describe("The text to continue"),
    template: z
      .string()
      .min(1)
      .max(32_768)
      .optional()
      .describe("A Jinja template for the prompt; it sees `variables` by name, `examples` and `messages`"),
    variables: z.record(z.string(), z.unknown()).optional().describe("Values the template refers to"),
    examples: z
      .array(z.record(z.string(), z.unknown()))
      .max(64)
      .optional()
      .describe("Few-shot examples, as `examples` in the template"),
    messages: z
      .array(ChatMessage)
      .min(1)
      .max(64)
      .optional()
      .describe("A conversation; without `template` it is rendered with the model's chat_template"),
    max_new_tokens: z.number().int().min(1).max(MAX_NEW_TOKENS).default(32),
    do_sample: z
      .boolean()
      .optional()
      .describe(
        "Sample instead of greedy decoding; default true when temperature, top_k, top_p or seed is given",
      ),
    temperature: z.number().min(0).max(100).optional().describe("0 is greedy"),
    top_k: z.number().int().min(1).optional(),
    top_p: z.number().gt(0).max(1).optional(),
    seed: z.number().int().min(0).max(0xffffffff).optional().describe("Same seed, same sample (default 0)"),
    stop: z
      .array(z.string().min(1).max(256))
      .max(16)
      .optional()
      .describe("Generation ends before the first of these strings, which is not returned"),
    variant,
    version,
  })
  .refine((r) => (r.prompt === undefined ? 0 : 1) + (r.template === undefined && !r.messages ? 0 : 1) === 1, {
    message: "give exactly one of prompt, template (with variables, examples, messages) or messages",
  })
  .refine((r) => r.template !== undefined || (r.variables === undefined && r.examples === undefined), {
    message: "variables and examples need a template",
  });
export type GenerationRequest = z.infer<typeof GenerationRequest>;

export const FeatureExtractionRequest = z
  .strictObject({
    task: z.literal("feature-extraction"),
    text: z.string().optional().describe("One text to embed"),
    texts: z.array(z.string()).min(1).max(MAX_TEXTS).optional().describe("Several texts, one batch"),
    pooling: z
      .enum(["mean", "cls"])
      .default("mean")
      .describe(
        "Mean of the token vectors (padding excluded) or the first token's; ignored when the model has a sentence_embedding output",
      ),
    normalize: z.boolean().default(false).describe("L2-normalize each embedding"),
    truncation: z.boolean().default(false).describe("Cut texts longer than the model reads; without it, 422"),
    variant,
    version,
  })
  .refine(oneOfTextOrTexts, { message: "give exactly one of text or texts" });
export type FeatureExtractionRequest = z.infer<typeof FeatureExtractionRequest>;

export const TensorDtype = z.enum([
  "float32",
  "float64",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "int64",
  "uint64",
  "bool",
]);
export type TensorDtype = z.infer<typeof TensorDtype>;

export const TensorJson = z.strictObject({
  dtype: TensorDtype,
  dims: z.array(z.number().int().min(0)).max(8),
  data: z
    .array(z.union([z.number(), z.boolean(), z.string().regex(/^-?\d+$/)]))
    .describe("Row-major values; 64-bit integers may be decimal strings"),
});
export type TensorJson = z.infer<typeof TensorJson>;

export const TensorRequest = z.strictObject({
  task: z.literal("tensors").optional(),
  inputs: z.record(z.string(), TensorJson).describe("Every input the model has, by name"),
  outputs: z.array(z.string()).min(1).optional().describe("Outputs to return; default all"),
  variant,
  version,
});
export type TensorRequest = z.infer<typeof TensorRequest>;

/** Every request shape (for the OpenAPI document; the route picks one by task first). */
export const AnyInferRequest = z.union([
  ClassificationRequest,
  GenerationRequest,
  FeatureExtractionRequest,
  TensorRequest,
]);

/** The task a request body asks for. */
export function taskOf(body: unknown): InferTask | "unknown" {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "text-classification";
  const fields = body as Record<string, unknown>;
  if (fields.task !== undefined) {
    const named = InferTask.safeParse(fields.task);
    return named.success ? named.data : "unknown";
  }
  if ("inputs" in fields) return "tensors";
  if ("prompt" in fields || "template" in fields || "messages" in fields) return "text-generation";
  return "text-classification";
}

const served = { model: z.string(), version: z.string(), variant: z.string() };

export const ClassificationPrediction = z.object({
  label: z.string(),
  score: z.number(),
  scores: z.record(z.string(), z.number()),
});

export const InferResponse = z.object({
  ...served,
  task: z.literal("text-classification"),
  predictions: z.array(ClassificationPrediction),
});
export type InferResponse = z.infer<typeof InferResponse>;
export const ClassificationResponse = InferResponse;

export const GenerationResponse = z.object({
  ...served,
  task: z.literal("text-generation"),
  prompt: z.string().describe("The prompt as the model read it (after templates)"),
  text: z.string().describe("The generated continuation"),
  finish_reason: z.enum(["eos", "stop", "length"]),
  usage: z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int() }),
  kv_cache: z.boolean().describe("Whether the model ran with its KV cache (past_key_values)"),
});
export type GenerationResponse = z.infer<typeof GenerationResponse>;

export const FeatureExtractionResponse = z.object({
  ...served,
  task: z.literal("feature-extraction"),
  pooling: z.enum(["mean", "cls", "model"]),
  normalized: z.boolean(),
  dims: z.number().int(),
  embeddings: z.array(z.array(z.number())),
});
export type FeatureExtractionResponse = z.infer<typeof FeatureExtractionResponse>;

export const TensorResponse = z.object({
  ...served,
  task: z.literal("tensors"),
  outputs: z.record(
    z.string(),
    z.object({
      dtype: z.string(),
      dims: z.array(z.number().int()),
      data: z.array(z.union([z.number(), z.boolean(), z.string()])),
    }),
  ),
});
export type TensorResponse = z.infer<typeof TensorResponse>;

export const AnyInferResponse = z.union([
  InferResponse,
  GenerationResponse,
  FeatureExtractionResponse,
  TensorResponse,
]);
