// The ROUGE setting edgetune reports unless told otherwise, on every path that prints or returns a ROUGE
// number (the Worker's evaluate endpoint, `edgetune eval` on a file or on a deployed model), so the same
// predictions never get two ROUGE numbers. It stems (Porter, as rouge-score's use_stemmer=True), because
// that is how summarization results are published: ROUGE-1.5.5 run with -m, and rouge-score or
// Hugging Face `evaluate` called with use_stemmer=True (as transformers' summarization examples do),
// although both libraries default to use_stemmer=False. Every output names the setting it used.

/** Whether edgetune's reported ROUGE stems tokens by default. */
export const ROUGE_USE_STEMMER = true;

/** The setting behind a ROUGE number, in words, for a table line. */
export function rougeSettingLabel(useStemmer: boolean): string {
  return useStemmer ? "Porter stemmer" : "no stemmer";
}
