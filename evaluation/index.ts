// evaluation/ — metrics shared by the Worker's evaluation endpoint, the runner and the CLI.
// Text metrics reproduce the reference implementations exactly (sacreBLEU 2.6.0, rouge-score
// 0.1.2 with NLTK's English Punkt for split_summaries, NLTK 3.10 METEOR with WordNet 3.0);
// nothing here needs Node or Python at run time.
// WordNet's data is loaded by the caller: evaluation/wordnet-node.ts (Node) or any WordNetData.
import { type BleuOptions, type BleuScore, corpusBleu } from "./bleu.ts";
import { type ChrfOptions, type ChrfScore, corpusChrf } from "./chrf.ts";

export type { BleuOptions, BleuScore } from "./bleu.ts";
export {
  bleuOptionsSchema,
  corpusBleu,
  referencesFromStreams,
  SACREBLEU_VERSION,
  sentenceBleu,
} from "./bleu.ts";
export type { Interval, PairedComparison, ResamplingOptions } from "./bootstrap.ts";
export { bootstrapCI, pairedBootstrap, permutationTest, seededRandom } from "./bootstrap.ts";
export type { ChrfOptions, ChrfScore } from "./chrf.ts";
export { chrfOptionsSchema, corpusChrf, sentenceChrf } from "./chrf.ts";
export type { ClassificationReport, ClassScores } from "./classification.ts";
export { accuracy, classificationReport, f1, majorityBaseline } from "./classification.ts";
export * from "./human.ts";
export type { MeteorOptions } from "./meteor.ts";
export { alignWords, meteor, meteorScore, singleMeteor } from "./meteor.ts";
export { perplexity, perplexityFromLogits, tokenLossesFromLogits } from "./perplexity.ts";
export { porterStem } from "./porter.ts";
export type { PunktParameters, PunktParametersJson } from "./punkt.ts";
export { PunktSentenceTokenizer, punktParameters } from "./punkt.ts";
export type { RougeOptions, RougeScore, RougeType } from "./rouge.ts";
export { rouge, rougeOptionsSchema, rougeScore, rougeTokenize } from "./rouge.ts";
export { ROUGE_USE_STEMMER, rougeSettingLabel } from "./rouge-setting.ts";
export type { SacreTokenizerName } from "./sacrebleu-tokenizers.ts";
export { sentTokenize } from "./sent-tokenize.ts";
export type { KappaWeights, WeightedKappaOptions } from "./weighted-kappa.ts";
export { weightedKappa } from "./weighted-kappa.ts";
export type { SynonymSource, WordNetData, WordNetPos } from "./wordnet.ts";
export { WordNet } from "./wordnet.ts";

/** Corpus BLEU as sacreBLEU's corpus_score; `references[i]` are the reference(s) of hypothesis i. */
export function bleu(
  hypotheses: readonly string[],
  references: readonly (string | readonly string[])[],
  options?: BleuOptions,
): BleuScore {
  return corpusBleu(hypotheses, references.map(asList), options);
}

/** Corpus chrF (chrF++ with `{ wordOrder: 2 }`) as sacreBLEU's CHRF().corpus_score. */
export function chrf(
  hypotheses: readonly string[],
  references: readonly (string | readonly string[])[],
  options?: ChrfOptions,
): ChrfScore {
  return corpusChrf(hypotheses, references.map(asList), options);
}

function asList(r: string | readonly string[]): readonly string[] {
  return typeof r === "string" ? [r] : r;
}
