// `POST /v1/models/{name}/evaluate`: labelled texts run through a variant (classification); prompts run
// through a text generator's variant, or predictions scored as given, against references (generation);
// metrics out, with bootstrap intervals for classification.
import { z } from "zod";
import { ROUGE_USE_STEMMER } from "../../evaluation/index.ts";
import { GenerationRequest } from "../inference/schemas.ts";

export const MAX_EXAMPLES = 5000;
/** Prompts per request: the Worker runs the model token by token for each, on its CPU time. */
export const MAX_GENERATED_EXAMPLES = 32;

const ClassificationExample = z.strictObject({ text: z.string(), label: z.string() });
const References = z.union([z.string(), z.array(z.string()).min(1)]);
export const PredictionExample = z.strictObject({ prediction: z.string(), references: References });
export const PromptExample = z.strictObject({
  prompt: GenerationRequest.shape.prompt.unwrap().describe("The text the model continues"),
  references: References,
});

export const ClassificationMetric = z.enum(["accuracy", "f1", "precision", "recall", "confusion"]);
export const GenerationMetric = z.enum(["bleu", "chrf", "rouge", "meteor"]);
export type GenerationMetric = z.infer<typeof GenerationMetric>;

const version = z.string().min(1).optional().describe("Published version; default the latest");
const variant = z
  .string()
  .min(1)
  .optional()
  .describe("dtype of the ONNX variant (fp32, fp16, q8, q4, …); default fp32, else the first published");

/** What generating needs beyond the prompts; none of it applies to {prediction, references} examples. */
export const GENERATION_OPTIONS = [
  "version",
  "variant",
  "max_new_tokens",
  "stop",
  "template",
  "few_shot",
] as const;

export const GenerationEvaluateRequest = z.strictObject({
  task: z.literal("generation"),
  examples: z
    .array(z.union([PromptExample, PredictionExample]))
    .min(1)
    .max(MAX_EXAMPLES)
    .describe(
      `One kind per request: {prompt, references} run through the model (greedy decoding, at most ${MAX_GENERATED_EXAMPLES} per request: the Worker generates them on its CPU), or {prediction, references} scored as given (at most ${MAX_EXAMPLES})`,
    ),
  metrics: z.array(GenerationMetric).min(1).default(["bleu", "chrf", "rouge", "meteor"]),
  rouge_stemmer: z
    .boolean()
    .default(ROUGE_USE_STEMMER)
    .describe(
      `ROUGE with the Porter stemmer (rouge-score's use_stemmer), as summarization results are published; default ${ROUGE_USE_STEMMER}, as \`edgetune eval\` scores. The response's metrics.rouge_stemmer says which was used`,
    ),
  version,
  variant,
  max_new_tokens: GenerationRequest.shape.max_new_tokens
    .unwrap()
    .optional()
    .describe("Tokens generated at most per prompt (default 32), as for inference"),
  stop: GenerationRequest.shape.stop,
  template: GenerationRequest.shape.template.describe(
    "A Jinja template each prompt is rendered with (it sees `prompt`, and `few_shot` as `examples`), as inference renders templates",
  ),
  few_shot: GenerationRequest.shape.examples.describe("Few-shot examples, as `examples` in the template"),
});
export type GenerationEvaluateRequest = z.infer<typeof GenerationEvaluateRequest>;

export const EvaluateRequest = z.union([
  z.strictObject({
    task: z.literal("text-classification").default("text-classification"),
    examples: z.array(ClassificationExample).min(1).max(MAX_EXAMPLES),
    variant,
    version,
    truncation: z
      .boolean()
      .default(true)
      .describe("evaluation cuts long texts, as the model would read them; false: such a text is a 422"),
    bootstrap: z
      .strictObject({
        samples: z.number().int().min(10).max(10_000).default(1000),
        seed: z.number().int().default(12345),
      })
      .optional(),
  }),
  GenerationEvaluateRequest,
]);
export type EvaluateRequest = z.infer<typeof EvaluateRequest>;

const Interval = z.object({
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
  confidence: z.number(),
});

export const ClassificationEvaluation = z.object({
  task: z.literal("text-classification"),
  model: z.string(),
  version: z.string(),
  variant: z.string(),
  count: z.number().int(),
  metrics: z.object({
    accuracy: z.number(),
    macroF1: z.number(),
    microF1: z.number(),
    macroPrecision: z.number(),
    macroRecall: z.number(),
    perClass: z.record(
      z.string(),
      z.object({ precision: z.number(), recall: z.number(), f1: z.number(), support: z.number() }),
    ),
    confusion: z.record(z.string(), z.record(z.string(), z.number())),
  }),
  intervals: z.object({ accuracy: Interval }),
  predictions: z.array(z.string()),
});
export type ClassificationEvaluation = z.infer<typeof ClassificationEvaluation>;

export const GenerationMetrics = z.object({
  bleu: z.object({ score: z.number(), signature: z.string() }).optional(),
  chrf: z.object({ score: z.number(), signature: z.string() }).optional(),
  rouge: z
    .record(z.string(), z.object({ precision: z.number(), recall: z.number(), fmeasure: z.number() }))
    .optional(),
  rouge_stemmer: z
    .boolean()
    .optional()
    .describe("Whether ROUGE stemmed tokens (Porter, rouge-score's use_stemmer); present with rouge"),
  meteor: z.number().optional(),
});
export type GenerationMetrics = z.infer<typeof GenerationMetrics>;

export const GenerationEvaluation = z.object({
  task: z.literal("generation"),
  model: z.string(),
  version: z.string().optional().describe("The version that generated (prompt examples only)"),
  variant: z.string().optional().describe("The variant that generated (prompt examples only)"),
  count: z.number().int(),
  metrics: GenerationMetrics,
  predictions: z
    .array(z.string())
    .optional()
    .describe("What the model generated for each prompt, in order (prompt examples only)"),
});
export type GenerationEvaluation = z.infer<typeof GenerationEvaluation>;

export const EvaluateResponse = z.union([ClassificationEvaluation, GenerationEvaluation]);
