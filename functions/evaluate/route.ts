// `POST /v1/models/{name}/evaluate`: the same metrics as evaluation/ (reference-identical), computed
// at the edge. Classification runs the examples through the chosen variant and version, so variants
// are compared on the same data; generation scores the predictions it is given against references.
import { Hono } from "hono";
import { bleu, bootstrapCI, chrf, classificationReport, meteor, rouge } from "../../evaluation/index.ts";
import { modelNotFound } from "../auth/access.ts";
import { assertScope, principalOf } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { resolveClassifier } from "../inference/route.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { getModel } from "../registry/db.ts";
import { ModelName, parseParam } from "../registry/names.ts";
import { ClassificationEvaluation, EvaluateRequest, GenerationEvaluation } from "./schemas.ts";
import { wordNetFrom } from "./wordnet.ts";

const BATCH = 32;

export const evaluate = new Hono<AppEnv>().post("/v1/models/:name/evaluate", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  assertScope(await principalOf(c), "read", `to evaluate model ${name}`);
  const request = await jsonBody(c.req.raw, EvaluateRequest);
  if (!(await getModel(c.env.REGISTRY, name))) throw modelNotFound(name);

  if (request.task === "generation") {
    const predictions = request.examples.map((e) => e.prediction);
    const references = request.examples.map((e) =>
      typeof e.references === "string" ? [e.references] : e.references,
    );
    const wants = new Set(request.metrics);
    const metrics: Record<string, unknown> = {};
    if (wants.has("bleu")) {
      const s = bleu(predictions, references);
      metrics.bleu = { score: s.score, signature: s.signature };
    }
    if (wants.has("chrf")) {
      const s = chrf(predictions, references);
      metrics.chrf = { score: s.score, signature: s.signature };
    }
    if (wants.has("rouge")) metrics.rouge = rouge(predictions, references, { useStemmer: true });
    if (wants.has("meteor"))
      metrics.meteor = meteor(predictions, references, { wordnet: await wordNetFrom(c.env.ARTIFACTS) });
    return c.json(
      conform(GenerationEvaluation, { task: "generation", model: name, count: predictions.length, metrics }),
    );
  }

  const { classifier, version, variant } = await resolveClassifier(
    c.env,
    name,
    request.version,
    request.variant,
  );
  const texts = request.examples.map((e) => e.text);
  if (!request.truncation) {
    const long = texts.findIndex((t) => classifier.tokenCount(t) > classifier.maxLength);
    if (long >= 0) {
      throw new Problem({
        status: 422,
        slug: "text-too-long",
        title: "Unprocessable Content",
        detail: `example ${long} is longer than the ${classifier.maxLength} tokens ${name} reads; send "truncation": true`,
      });
    }
  }
  const predicted: string[] = [];
  for (let i = 0; i < texts.length; i += BATCH) {
    for (const p of await classifier.classify(texts.slice(i, i + BATCH))) predicted.push(p.label);
  }
  const gold = request.examples.map((e) => e.label);
  const report = classificationReport(gold, predicted);
  const hits = gold.map((g, i) => (g === predicted[i] ? 1 : 0));
  const interval = bootstrapCI(hits, request.bootstrap ?? {});
  return c.json(
    conform(ClassificationEvaluation, {
      task: "text-classification",
      model: name,
      version,
      variant,
      count: gold.length,
      metrics: {
        accuracy: report.accuracy,
        macroF1: report.macro.f1,
        microF1: report.micro.f1,
        macroPrecision: report.macro.precision,
        macroRecall: report.macro.recall,
        perClass: report.perClass,
        confusion: report.confusion,
      },
      intervals: {
        accuracy: {
          estimate: interval.estimate,
          lower: interval.lower,
          upper: interval.upper,
          confidence: interval.confidence,
        },
      },
      predictions: predicted,
    }),
  );
});
