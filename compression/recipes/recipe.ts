// Recipes: what a compression job does, as data. A recipe is an ordered list of steps, each a
// registered pass and its options, plus the file name its output takes in the artifact layout.
// Validation happens in two layers, both zod: the recipe's shape, then each step's options against
// its pass's own schema, so a bad recipe fails before any work, naming the step at fault.
import { z } from "zod";
import type { ModelProto } from "../onnx-io/onnx-types.ts";
import type { PassReport } from "../passes/pass.ts";
import { findPass, passNames } from "../passes/registry.ts";

export const recipeStepSchema = z
  .object({
    pass: z.string().min(1),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export const recipeSchema = z
  .object({
    /** The variant's name (a transformers.js dtype for the presets). */
    name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, '.', '_' and '-' only"),
    /** Output file name inside onnx/, e.g. model_q4.onnx. */
    output: z.string().regex(/^[A-Za-z0-9_.-]+\.onnx$/, "a plain file name ending in .onnx"),
    description: z.string().optional(),
    steps: z.array(recipeStepSchema),
  })
  .strict();

export type RecipeInput = z.input<typeof recipeSchema>;

export interface RecipeStep {
  pass: string;
  /** Options as the pass's schema parsed them (defaults filled in). */
  options: Record<string, unknown>;
}

export interface Recipe {
  name: string;
  output: string;
  description?: string;
  steps: RecipeStep[];
}

export class RecipeError extends Error {
  override name = "RecipeError";
}

function formatIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`).join("; ");
}

/** Validates a recipe (shape, pass names, each step's options); throws RecipeError saying what is wrong. */
export function parseRecipe(input: unknown): Recipe {
  const parsed = recipeSchema.safeParse(input);
  if (!parsed.success) throw new RecipeError(`invalid recipe: ${formatIssues(parsed.error)}`);
  const steps = parsed.data.steps.map((step, i) => {
    const pass = findPass(step.pass);
    if (!pass) {
      throw new RecipeError(
        `invalid recipe: steps.${i}: unknown pass "${step.pass}"; known passes: ${passNames().join(", ")}`,
      );
    }
    const options = pass.options.safeParse(step.options);
    if (!options.success) {
      throw new RecipeError(
        `invalid recipe: steps.${i} (${step.pass}) options: ${formatIssues(options.error)}`,
      );
    }
    return { pass: step.pass, options: options.data as Record<string, unknown> };
  });
  return { ...parsed.data, steps };
}

export interface StepReport {
  pass: string;
  options: Record<string, unknown>;
  report: PassReport;
}

export interface RecipeResult {
  model: ModelProto;
  steps: StepReport[];
}

/** Runs a recipe's steps in order; each step's options are validated again against its pass. */
export async function runRecipe(
  model: ModelProto,
  recipe: Recipe | RecipeInput,
  onStep?: (index: number, step: RecipeStep) => void,
): Promise<RecipeResult> {
  const checked = parseRecipe(recipe);
  let current = model;
  const steps: StepReport[] = [];
  for (const [i, step] of checked.steps.entries()) {
    onStep?.(i, step);
    const pass = findPass(step.pass);
    if (!pass) throw new RecipeError(`unknown pass "${step.pass}"`);
    const result = await pass.apply(current, step.options);
    current = result.model;
    steps.push({ pass: step.pass, options: step.options, report: result.report });
  }
  return { model: current, steps };
}
