// The generation example's scores in words, as the console, report.md and report.html all print them,
// with the ROUGE setting the evaluation endpoint used named next to its number.
import { rougeSettingLabel } from "../../evaluation/index.ts";
import type { GenerationExample } from "./report.ts";

export function generationScores(g: GenerationExample): string {
  return `BLEU ${g.bleu.toFixed(2)}, ROUGE-L F (${rougeSettingLabel(g.rougeStemmer)}) ${g.rougeL.toFixed(4)}, METEOR ${g.meteor.toFixed(4)}`;
}
