// The generation metrics an evaluation asks for, from the evaluation library (reference-identical to
// sacreBLEU, rouge-score and NLTK): BLEU and chrF with their signatures, ROUGE with or without the Porter
// stemmer as asked (edgetune's one default, evaluation/rouge-setting.ts, which `edgetune eval` uses too)
// and saying which, METEOR with the WordNet an admin installed (a 422 saying how, until then).
import { bleu, chrf, meteor, rouge } from "../../evaluation/index.ts";
import type { GenerationMetric, GenerationMetrics } from "./schemas.ts";
import { wordNetFrom } from "./wordnet.ts";

export async function scoreGenerations(
  artifacts: R2Bucket,
  predictions: string[],
  references: string[][],
  metrics: readonly GenerationMetric[],
  rougeStemmer: boolean,
): Promise<GenerationMetrics> {
  const wants = new Set(metrics);
  const scores: GenerationMetrics = {};
  if (wants.has("bleu")) {
    const s = bleu(predictions, references);
    scores.bleu = { score: s.score, signature: s.signature };
  }
  if (wants.has("chrf")) {
    const s = chrf(predictions, references);
    scores.chrf = { score: s.score, signature: s.signature };
  }
  if (wants.has("rouge")) {
    scores.rouge = rouge(predictions, references, { useStemmer: rougeStemmer });
    scores.rouge_stemmer = rougeStemmer;
  }
  if (wants.has("meteor"))
    scores.meteor = meteor(predictions, references, { wordnet: await wordNetFrom(artifacts) });
  return scores;
}
