// The trainer's techniques as the job lists them under "techniques": one zod schema per technique, keyed by
// its name. Each is one module in trainer/techniques/ (its Python config mirrors the schema; a test checks
// the defaults agree). Adding a technique = its module, its line in trainer/techniques/__init__.py's
// REGISTRY, and its schema here.
import { z } from "zod";

const weight = z.number().min(0).refine(Number.isFinite, "must be finite");

export const loraSchema = z
  .strictObject({
    name: z.literal("lora"),
    r: z.int().min(1).max(1024).default(8).describe("rank of each low-rank update"),
    alpha: z.number().gt(0).default(16).describe("the update is scaled by alpha / r"),
    dropout: z.number().min(0).lt(1).default(0).describe("dropout on the LoRA input"),
    target_modules: z
      .array(z.string().min(1))
      .min(1)
      .default(["query", "value"])
      .describe("linear layers to adapt, by name or name suffix (query, key, value, dense, ...)"),
  })
  .describe(
    "LoRA (PEFT): frozen base weights plus trained low-rank updates; the task head trains in full; merged into the weights for the checkpoint and ONNX export",
  );

export const freezeSchema = z
  .strictObject({
    name: z.literal("freeze"),
    layers: z
      .int()
      .min(0)
      .default(0)
      .describe("freeze the embeddings and the first this many encoder layers"),
    patterns: z
      .array(z.string().min(1))
      .default([])
      .describe('freeze every parameter whose name matches one of these globs, e.g. "bert.embeddings.*"'),
  })
  .refine((f) => f.layers > 0 || f.patterns.length > 0, "give layers or patterns (nothing would be frozen)")
  .describe("layer freezing: these weights stay exactly as initialised");

export const earlyStoppingSchema = z
  .strictObject({
    name: z.literal("early-stopping"),
    patience: z.int().min(1).default(3).describe("evaluations without improvement before stopping"),
    threshold: z.number().min(0).default(0).describe("an improvement must exceed this much"),
    metric: z.enum(["eval_loss", "eval_accuracy"]).default("eval_loss"),
  })
  .describe(
    "stop when the validation metric stops improving (evaluations every schedule.eval_interval steps)",
  );

export const weightedLossSchema = z
  .strictObject({
    name: z.literal("weighted-loss"),
    class_weights: z
      .union([z.record(z.string(), weight), z.literal("balanced")])
      .optional()
      .describe('weight per label (unlisted labels weigh 1), or "balanced": n / (classes × count)'),
    example_weights: z
      .boolean()
      .default(false)
      .describe('weigh each example by its dataset line\'s "weight" (default 1)'),
  })
  .refine(
    (w) => w.class_weights !== undefined || w.example_weights,
    "give class_weights or example_weights (nothing to weight)",
  )
  .describe("weighted loss: sum(w × loss) / sum(w) over each step's batch");

export const dropoutSchema = z
  .strictObject({
    name: z.literal("dropout"),
    hidden: z
      .number()
      .min(0)
      .lt(1)
      .default(0.1)
      .describe("on embeddings, sub-layer outputs and before the head"),
    attention: z.number().min(0).lt(1).default(0.1).describe("on the attention weights"),
  })
  .describe("dropout probabilities (BERT's default is 0.1 for both)");

export const swaSchema = z
  .strictObject({
    name: z.literal("swa"),
    start: z
      .number()
      .gt(0)
      .max(1)
      .default(0.75)
      .describe("start averaging after this fraction of schedule.steps"),
    every: z.int().min(1).default(1).describe("average the weights after every this many steps"),
  })
  .describe("stochastic weight averaging: the final model carries the mean of the weights since start");

export const curriculumSchema = z
  .strictObject({
    name: z.literal("curriculum"),
    score: z
      .enum(["length", "difficulty"])
      .default("length")
      .describe("an example's difficulty: its token count, or its dataset line's \"difficulty\""),
    start: z.number().gt(0).max(1).default(0.3).describe("share of the easiest examples drawn from at first"),
    full_at: z
      .number()
      .gt(0)
      .max(1)
      .default(0.5)
      .describe("fraction of schedule.steps by which the pool has grown (linearly) to the whole split"),
  })
  .describe("curriculum learning: easy examples first, the pool growing with the steps");

export const adaptersSchema = z
  .strictObject({
    name: z.literal("adapters"),
    size: z.int().min(1).max(4096).default(16).describe("hidden units of each adapter's bottleneck"),
    placement: z
      .array(z.enum(["attention", "ffn"]))
      .min(1)
      .refine((p) => new Set(p).size === p.length, "list each placement once")
      .default(["attention", "ffn"])
      .describe(
        "after each layer's attention output and/or feed-forward output (both: Houlsby; ffn alone: Pfeiffer)",
      ),
    activation: z.enum(["relu", "gelu"]).default("relu").describe("the bottleneck's nonlinearity"),
  })
  .describe(
    "bottleneck adapters: frozen base, small residual down-project/up-project blocks (up starts at zero) and the head train; kept in the export (they cannot merge)",
  );

const probability = z.number().min(0).lt(1);

export const augmentationSchema = z
  .strictObject({
    name: z.literal("augmentation"),
    deletion: probability.default(0.1).describe("chance that a content token is dropped"),
    swap: probability
      .default(0)
      .describe("chance that a content token swaps places with another of its example"),
    mask: probability.default(0).describe("chance that a content token becomes [MASK]"),
  })
  .refine(
    (a) => a.deletion > 0 || a.swap > 0 || a.mask > 0,
    "give deletion, swap or mask above 0 (nothing would change)",
  )
  .describe(
    "token-level data augmentation of training batches (never validation), seeded by schedule.seed and the step",
  );

export const techniqueSchema = z.discriminatedUnion("name", [
  loraSchema,
  freezeSchema,
  earlyStoppingSchema,
  weightedLossSchema,
  dropoutSchema,
  swaSchema,
  curriculumSchema,
  adaptersSchema,
  augmentationSchema,
]);

export type Technique = z.output<typeof techniqueSchema>;
export type TechniqueName = Technique["name"];

/** A technique may be listed once. */
export function uniqueTechniqueNames(list: Technique[], ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  list.forEach((technique, index) => {
    if (seen.has(technique.name))
      ctx.addIssue({ code: "custom", message: `${technique.name} is listed twice`, path: [index] });
    seen.add(technique.name);
  });
}

export const techniquesSchema = z
  .array(techniqueSchema)
  .default([])
  .superRefine(uniqueTechniqueNames)
  .describe("training techniques, applied in this order");
