// `POST /v1/models/{name}/evaluate`: labelled texts run through a variant (classification), or
// predictions with references scored as given (generation); metrics out, with bootstrap intervals.
import { z } from "zod";

export const MAX_EXAMPLES = 5000;

const ClassificationExample = z.strictObject({ text: z.string(), label: z.string() });
const GenerationExample = z.strictObject({
  prediction: z.string(),
  references: z.union([z.string(), z.array(z.string()).min(1)]),
});

export const ClassificationMetric = z.enum(["accuracy", "f1", "precision", "recall", "confusion"]);
export const GenerationMetric = z.enum(["bleu", "chrf", "rouge", "meteor"]);

export const EvaluateRequest = z.union([
  z.strictObject({
    task: z.literal("text-classification").default("text-classification"),
    examples: z.array(ClassificationExample).min(1).max(MAX_EXAMPLES),
    variant: z.string().min(1).optional(),
    version: z.string().min(1).optional(),
    truncation: z
      .boolean()
      .default(true)
      .describe("evaluation cuts long texts, as the model would read them"),
    bootstrap: z
      .strictObject({
        samples: z.number().int().min(10).max(10_000).default(1000),
        seed: z.number().int().default(12345),
      })
      .optional(),
  }),
  z.strictObject({
    task: z.literal("generation"),
    examples: z.array(GenerationExample).min(1).max(MAX_EXAMPLES),
    metrics: z.array(GenerationMetric).min(1).default(["bleu", "chrf", "rouge", "meteor"]),
  }),
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

export const GenerationEvaluation = z.object({
  task: z.literal("generation"),
  model: z.string(),
  count: z.number().int(),
  metrics: z.object({
    bleu: z.object({ score: z.number(), signature: z.string() }).optional(),
    chrf: z.object({ score: z.number(), signature: z.string() }).optional(),
    rouge: z
      .record(z.string(), z.object({ precision: z.number(), recall: z.number(), fmeasure: z.number() }))
      .optional(),
    meteor: z.number().optional(),
  }),
});

export const EvaluateResponse = z.union([ClassificationEvaluation, GenerationEvaluation]);
