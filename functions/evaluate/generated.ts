// Prompts run through a text generator for evaluation by the infer route's own generate() (templates,
// the positions check, greedy decoding, max_new_tokens, stop strings), so an evaluation's predictions
// are what inference answers for the same prompt and options. The version and variant are resolved
// once and pinned for every prompt (a version published meanwhile cannot split the predictions), and a
// model that is not a causal language model is refused before anything runs, with inference's own 422
// (inference/text-generator-check.ts), not once per example.
import type { Env } from "../env.ts";
import { generate } from "../inference/generate.ts";
import { resolveVariant } from "../inference/resolve.ts";
import { GenerationRequest } from "../inference/schemas.ts";
import { assertTextGenerator } from "../inference/text-generator-check.ts";
import { PROBLEM_BASE, Problem } from "../problem.ts";
import type { GenerationEvaluateRequest } from "./schemas.ts";

/** `run`, with a problem it throws naming example `index` (which prompt was too long, say). */
async function forExample<T>(index: number, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    throw new Problem({
      status: error.status,
      slug: error.type.slice(PROBLEM_BASE.length),
      title: error.title,
      detail: `example ${index}: ${error.detail}`,
      extra: { ...error.extra, example: index },
      headers: error.headers,
    });
  }
}

export interface Generated {
  version: string;
  variant: string;
  predictions: string[];
}

export async function generatePredictions(
  env: Env,
  name: string,
  request: GenerationEvaluateRequest,
  prompts: readonly string[],
): Promise<Generated> {
  const resolved = await resolveVariant(env, name, request.version, request.variant);
  assertTextGenerator(
    resolved.manifest,
    resolved.variant,
    "Evaluate it with {text, label} examples, or send {prediction, references}",
  );
  const served = { version: resolved.version, variant: resolved.variant.dtype };
  const predictions: string[] = [];
  for (const [index, prompt] of prompts.entries()) {
    const source =
      request.template === undefined
        ? { prompt }
        : {
            template: request.template,
            variables: { prompt },
            ...(request.few_shot ? { examples: request.few_shot } : {}),
          };
    const one = GenerationRequest.parse({
      ...source,
      ...served,
      ...(request.max_new_tokens === undefined ? {} : { max_new_tokens: request.max_new_tokens }),
      ...(request.stop ? { stop: request.stop } : {}),
    });
    predictions.push((await forExample(index, () => generate(env, name, one))).text);
  }
  return { ...served, predictions };
}
