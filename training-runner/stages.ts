// Multi-stage training (trainer/stages.py): the job's `stages` run one after another on the same model, each
// starting from the previous stage's weights. A stage overrides parts of the job: its schedule fields replace
// the job's (the rest are kept), its techniques, when listed, replace the job's list. Takes the schedule's
// fields from job.ts as an argument (job.ts imports this module).
import { z } from "zod";
import { techniqueSchema, uniqueTechniqueNames } from "./techniques.ts";

export function stagesSchema<Shape extends z.ZodRawShape>(scheduleFields: z.ZodObject<Shape>) {
  // the same fields without their defaults: a stage states only what it changes
  const overrides = Object.fromEntries(
    Object.entries(scheduleFields.shape).map(([key, field]) => [
      key,
      (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : (field as z.ZodType)).optional(),
    ]),
  );
  const stage = z
    .strictObject({
      schedule: (z.strictObject(overrides) as unknown as z.ZodType<Partial<z.output<z.ZodObject<Shape>>>>)
        .optional()
        .describe("schedule fields that replace the job's for this stage"),
      techniques: z
        .array(techniqueSchema)
        .superRefine(uniqueTechniqueNames)
        .optional()
        .describe("this stage's techniques, replacing the job's list (default: the job's)"),
    })
    .describe("one stage of training: overrides of the job");
  return z
    .array(stage)
    .min(1)
    .optional()
    .describe(
      "train in stages, each from the previous stage's weights (e.g. a frozen encoder at a high learning rate, then everything at a low one)",
    );
}
