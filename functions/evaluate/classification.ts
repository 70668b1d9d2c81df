// Classification evaluation: the labelled texts run through the chosen version and variant in batches,
// scored with accuracy, F1, precision, recall, the confusion table and a bootstrap interval. Without
// truncation a text longer than the model reads is the infer route's 422 (refused while the encoder
// tokenizes it, so each text is tokenized once), naming the example's index in the whole request.
import { TextTooLongError } from "../../client/encoder-batch.ts";
import { bootstrapCI, classificationReport } from "../../evaluation/index.ts";
import type { Env } from "../env.ts";
import { resolveClassifier } from "../inference/route.ts";
import { refusingLongTexts } from "../inference/text-too-long.ts";
import type { ClassificationEvaluation, EvaluateRequest } from "./schemas.ts";

const BATCH = 32;

type ClassificationRequest = Exclude<EvaluateRequest, { task: "generation" }>;

export async function evaluateClassifier(
  env: Env,
  name: string,
  request: ClassificationRequest,
): Promise<ClassificationEvaluation> {
  const { classifier, version, variant } = await resolveClassifier(
    env,
    name,
    request.version,
    request.variant,
  );
  const texts = request.examples.map((e) => e.text);
  const predicted = await refusingLongTexts(name, async () => {
    const labels: string[] = [];
    for (let i = 0; i < texts.length; i += BATCH) {
      try {
        const batch = await classifier.classify(texts.slice(i, i + BATCH), {
          truncation: request.truncation,
        });
        for (const p of batch) labels.push(p.label);
      } catch (error) {
        if (!(error instanceof TextTooLongError)) throw error;
        throw new TextTooLongError(error.index + i, error.tokens, error.maxTokens);
      }
    }
    return labels;
  });
  const gold = request.examples.map((e) => e.label);
  const report = classificationReport(gold, predicted);
  const hits = gold.map((g, i) => (g === predicted[i] ? 1 : 0));
  const interval = bootstrapCI(hits, request.bootstrap ?? {});
  return {
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
  };
}
