// Bodies of the human-evaluation routes: studies (blind pairwise A/B or Likert), the tasks a rater
// sees (no variant names, outputs as "first"/"second" in that rater's own random order), ratings and
// the report.
import { z } from "zod";

export const MAX_ITEMS = 500;
export const MAX_TEXT = 10_000;

export const StudyId = z.string().regex(/^hes_[0-9a-f]{32}$/, "a study id looks like hes_<32 hex digits>");
export const RaterId = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._@+-]{0,63}$/,
    "a rater id is 1–64 letters, digits or . _ @ + -, starting with a letter or digit",
  );

const Text = z.string().min(1).max(MAX_TEXT);
const Label = z.string().min(1).max(200);
const Question = z.string().min(1).max(1000);

const PairwiseItem = z.strictObject({ prompt: Text, outputs: z.strictObject({ A: Text, B: Text }) });
const LikertItem = z.strictObject({ prompt: Text, output: Text, variant: Label.optional() });

export const Scale = z
  .strictObject({
    min: z.number().int().min(0).max(10).default(1),
    max: z.number().int().min(1).max(10).default(5),
  })
  .refine((s) => s.max > s.min, "the scale's max must exceed its min");
export type Scale = z.infer<typeof Scale>;

export const CreateStudy = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("pairwise"),
    name: Label,
    question: Question.default("Which response is better?"),
    /** what A and B are (e.g. "tiny-gpt@3 q4"); shown in the report only, never to raters */
    variants: z.strictObject({ A: Label, B: Label }).default({ A: "A", B: "B" }),
    items: z.array(PairwiseItem).min(1).max(MAX_ITEMS),
  }),
  z.strictObject({
    kind: z.literal("likert"),
    name: Label,
    question: Question.default("How good is this response?"),
    scale: Scale.default({ min: 1, max: 5 }),
    items: z.array(LikertItem).min(1).max(MAX_ITEMS),
  }),
]);
export type CreateStudy = z.infer<typeof CreateStudy>;

/** What the study stores besides its items (kept as JSON in the `config` column). */
export const StudyConfig = z.union([
  z.strictObject({
    kind: z.literal("pairwise"),
    question: z.string(),
    variants: z.strictObject({ A: z.string(), B: z.string() }),
  }),
  z.strictObject({ kind: z.literal("likert"), question: z.string(), scale: Scale }),
]);
export type StudyConfig = z.infer<typeof StudyConfig>;

export const Study = z.object({
  object: z.literal("human_eval_study"),
  id: StudyId,
  name: z.string(),
  kind: z.enum(["pairwise", "likert"]),
  question: z.string(),
  variants: z.object({ A: z.string(), B: z.string() }).optional(),
  scale: z.object({ min: z.number().int(), max: z.number().int() }).optional(),
  items: z.number().int(),
  createdAt: z.string(),
  /** the rater page; replace {rater} with the rater's id */
  raterPage: z.string(),
});
export type Study = z.infer<typeof Study>;

/** The items a rater has still to judge, in that rater's order; nothing in it names a variant. */
export const Tasks = z.object({
  object: z.literal("human_eval_tasks"),
  study: StudyId,
  kind: z.enum(["pairwise", "likert"]),
  question: z.string(),
  scale: z.object({ min: z.number().int(), max: z.number().int() }).optional(),
  rater: z.string(),
  total: z.number().int(),
  done: z.number().int(),
  items: z.array(
    z.union([
      z.strictObject({ item: z.number().int(), prompt: z.string(), first: z.string(), second: z.string() }),
      z.strictObject({ item: z.number().int(), prompt: z.string(), output: z.string() }),
    ]),
  ),
});
export type Tasks = z.infer<typeof Tasks>;

export const PostRating = z.strictObject({
  rater: RaterId,
  item: z.number().int().min(0),
  /** pairwise: the output shown first, the one shown second, or a tie */
  choice: z.enum(["first", "second", "tie"]).optional(),
  /** likert: a score on the study's scale */
  score: z.number().int().optional(),
});

export const RatingRecorded = z.object({
  object: z.literal("human_eval_rating"),
  study: StudyId,
  rater: z.string(),
  item: z.number().int(),
  total: z.number().int(),
  done: z.number().int(),
});

const IntervalSchema = z.object({
  estimate: z.number(),
  lower: z.number(),
  upper: z.number(),
  confidence: z.number(),
  samples: z.number().int(),
  seed: z.number().int(),
});

const Agreement = z
  .object({
    method: z.enum(["cohen", "fleiss"]),
    kappa: z.number().nullable(),
    observed: z.number(),
    expected: z.number(),
    /** items every counted rater judged */
    items: z.number().int(),
    raters: z.number().int(),
  })
  .nullable();

/** Weighted kappa of Likert scores: Cohen's for two raters, the mean over rater pairs for more. */
const WeightedAgreement = z
  .object({
    method: z.enum(["cohen", "mean-pairwise"]),
    /** disagreements weighted by |i − j| scale steps; null when undefined (one score throughout) */
    linear: z.number().nullable(),
    /** weighted by (i − j)² */
    quadratic: z.number().nullable(),
    items: z.number().int(),
    raters: z.number().int(),
  })
  .nullable();

const LikertSummarySchema = z.object({
  n: z.number().int(),
  mean: IntervalSchema,
  sd: z.number(),
  median: z.number(),
  distribution: z.record(z.string(), z.number().int()),
});

export const ReportQuery = z.strictObject({
  samples: z.coerce.number().int().min(10).max(10_000).default(1000),
  confidence: z.coerce.number().gt(0).lt(1).default(0.95),
  seed: z.coerce.number().int().default(12345),
});

export const Report = z.discriminatedUnion("kind", [
  z.object({
    object: z.literal("human_eval_report"),
    study: StudyId,
    kind: z.literal("pairwise"),
    variants: z.object({ A: z.string(), B: z.string() }),
    items: z.number().int(),
    raters: z.number().int(),
    ratings: z.number().int(),
    counts: z.object({ A: z.number().int(), B: z.number().int(), tie: z.number().int() }),
    /** win rate of A over B, ties half; the bootstrap resamples items */
    winRate: IntervalSchema.nullable(),
    agreement: Agreement,
  }),
  z.object({
    object: z.literal("human_eval_report"),
    study: StudyId,
    kind: z.literal("likert"),
    scale: z.object({ min: z.number().int(), max: z.number().int() }),
    items: z.number().int(),
    raters: z.number().int(),
    ratings: z.number().int(),
    overall: LikertSummarySchema.nullable(),
    byVariant: z.record(z.string(), LikertSummarySchema),
    agreement: Agreement,
    weightedAgreement: WeightedAgreement,
  }),
]);
export type Report = z.infer<typeof Report>;
