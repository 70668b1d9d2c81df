// `POST /v1/models/{name}/evaluate`: the same metrics as evaluation/ (reference-identical), computed
// at the edge. Classification runs labelled texts through the chosen version and variant, so variants
// are compared on the same data (classification.ts); generation either runs prompts through a text
// generator's version and variant exactly as inference does (generated.ts) or scores the predictions it
// is given, against references either way (generation-scores.ts).
import { Hono } from "hono";
import { modelNotFound } from "../auth/access.ts";
import { assertScope, principalOf } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv, Env } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { getModel } from "../registry/db.ts";
import { ModelName, parseParam } from "../registry/names.ts";
import { evaluateClassifier } from "./classification.ts";
import { examplesByKind } from "./example-kinds.ts";
import { generatePredictions } from "./generated.ts";
import { scoreGenerations } from "./generation-scores.ts";
import {
  ClassificationEvaluation,
  EvaluateRequest,
  type GenerationEvaluateRequest,
  GenerationEvaluation,
} from "./schemas.ts";

async function evaluateGeneration(
  env: Env,
  name: string,
  request: GenerationEvaluateRequest,
): Promise<GenerationEvaluation> {
  const byKind = examplesByKind(request);
  const references = byKind.examples.map((e) =>
    typeof e.references === "string" ? [e.references] : e.references,
  );
  // predictions given are scored as they are; prompts are run through the model, which is then named
  const served =
    byKind.kind === "predictions"
      ? { predictions: byKind.examples.map((e) => e.prediction) }
      : await generatePredictions(
          env,
          name,
          request,
          byKind.examples.map((e) => e.prompt),
        );
  const { predictions } = served;
  const metrics = await scoreGenerations(
    env.ARTIFACTS,
    predictions,
    references,
    request.metrics,
    request.rouge_stemmer,
  );
  return {
    task: "generation",
    model: name,
    ...("version" in served && { version: served.version, variant: served.variant }),
    count: predictions.length,
    metrics,
    ...("version" in served && { predictions }),
  };
}

export const evaluate = new Hono<AppEnv>().post("/v1/models/:name/evaluate", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  assertScope(await principalOf(c), "read", `to evaluate model ${name}`);
  const request = await jsonBody(c.req.raw, EvaluateRequest);
  if (!(await getModel(c.env.REGISTRY, name))) throw modelNotFound(name);
  if (request.task === "generation") {
    return c.json(conform(GenerationEvaluation, await evaluateGeneration(c.env, name, request)));
  }
  return c.json(conform(ClassificationEvaluation, await evaluateClassifier(c.env, name, request)));
});
