// `edgetune eval`: score a JSONL file. Classification lines are {label, prediction}; generation
// lines are {prediction, references: string[]} and get sacreBLEU BLEU/chrF, rouge-score ROUGE and
// NLTK METEOR (WordNet 3.0), the numbers those tools would print for the same file. ROUGE stems by
// default (use_stemmer=True, --no-rouge-stemmer for rouge-score's own default), as the evaluate endpoint
// does: one setting for both (evaluation/rouge-setting.ts), named on the table line and in the JSON. With --api the
// model is a deployed one (eval-api.ts): {text, label} lines run through a classifier, {prompt,
// references} lines through a text generator (greedy, --max-tokens), on the edge API's evaluate
// endpoint at the chosen version and variant, and the same table is printed for its predictions.
import { Command, InvalidArgumentError } from "commander";
import { z } from "zod";
import {
  type ClassificationReport,
  chrf,
  classificationReport,
  bleu as corpusBleu,
  meteor,
  ROUGE_USE_STEMMER,
  rouge,
  rougeSettingLabel,
} from "../../evaluation/index.ts";
import { wordNet30 } from "../../evaluation/wordnet-node.ts";
import { CliError } from "../errors.ts";
import { evaluateDeployed } from "./eval-api.ts";
import { hasField, parseRow, readJsonl } from "./eval-jsonl.ts";

const scoredLine = z.object({ label: z.string(), prediction: z.string() });
const generatedLine = z.object({
  prediction: z.string(),
  references: z.array(z.string()).min(1, "at least one reference"),
});

type Parsed =
  | { kind: "classification"; gold: string[]; predicted: string[] }
  | { kind: "generation"; predictions: string[]; references: string[][] };

/** Reads an eval file; its first line decides the kind (a `references` field means generation). */
export async function readEvalJsonl(path: string): Promise<Parsed> {
  const rows = await readJsonl(path);
  if (hasField(rows[0], "references")) {
    const lines = rows.map((r) => parseRow(generatedLine, path, r));
    return {
      kind: "generation",
      predictions: lines.map((l) => l.prediction),
      references: lines.map((l) => l.references),
    };
  }
  const lines = rows.map((r) => parseRow(scoredLine, path, r));
  return {
    kind: "classification",
    gold: lines.map((l) => l.label),
    predicted: lines.map((l) => l.prediction),
  };
}

/** Kept for callers of the classification-only reader. */
export async function readScoredJsonl(path: string): Promise<{ gold: string[]; predicted: string[] }> {
  const parsed = await readEvalJsonl(path);
  if (parsed.kind !== "classification") throw new CliError(`${path}: expected {label, prediction} lines`);
  return { gold: parsed.gold, predicted: parsed.predicted };
}

export interface GenerationReport {
  count: number;
  bleu: { score: number; signature: string; formatted: string };
  chrf: { score: number; signature: string };
  chrfPlusPlus: { score: number; signature: string };
  rouge: Record<string, { precision: number; recall: number; fmeasure: number }>;
  /** Whether ROUGE stemmed tokens (rouge-score's use_stemmer). */
  rougeStemmer: boolean;
  meteor: number;
}

export function scoreGeneration(
  predictions: string[],
  references: string[][],
  withMeteor = true,
  rougeStemmer = ROUGE_USE_STEMMER,
): GenerationReport {
  const b = corpusBleu(predictions, references);
  const c = chrf(predictions, references);
  const cpp = chrf(predictions, references, { wordOrder: 2 });
  return {
    count: predictions.length,
    bleu: { score: b.score, signature: b.signature, formatted: b.formatted },
    chrf: { score: c.score, signature: c.signature },
    chrfPlusPlus: { score: cpp.score, signature: cpp.signature },
    rouge: rouge(predictions, references, { useStemmer: rougeStemmer }),
    rougeStemmer,
    meteor: withMeteor ? meteor(predictions, references, { wordnet: wordNet30() }) : Number.NaN,
  };
}

function printClassification(report: ClassificationReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(2)}%`;
  process.stdout.write(
    `${report.count} examples  accuracy ${pct(report.accuracy)}  macro-F1 ${pct(report.macro.f1)}\n` +
      report.labels
        .map((l) => {
          const s = report.perClass[l];
          return `  ${l}: precision ${pct(s?.precision ?? 0)} recall ${pct(s?.recall ?? 0)} F1 ${pct(s?.f1 ?? 0)} (n=${s?.support})`;
        })
        .join("\n") +
      "\n",
  );
}

function printGeneration(r: GenerationReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return;
  }
  const f = (x: number | undefined) => (100 * (x ?? 0)).toFixed(2);
  process.stdout.write(
    `${r.count} examples\n` +
      `  ${r.bleu.formatted}\n` +
      `  chrF2 = ${r.chrf.score.toFixed(2)}  chrF2++ = ${r.chrfPlusPlus.score.toFixed(2)}  (${r.chrf.signature})\n` +
      `  ROUGE F (${rougeSettingLabel(r.rougeStemmer)}): rouge1 ${f(r.rouge.rouge1?.fmeasure)}  rouge2 ${f(r.rouge.rouge2?.fmeasure)}  rougeL ${f(r.rouge.rougeL?.fmeasure)}  rougeLsum ${f(r.rouge.rougeLsum?.fmeasure)}\n` +
      (Number.isNaN(r.meteor) ? "" : `  METEOR ${f(r.meteor)} (NLTK, WordNet 3.0)\n`),
  );
}

interface EvalOptions {
  data?: string;
  api?: string;
  model?: string;
  variant?: string;
  token?: string;
  json?: boolean;
  meteor?: boolean;
  rougeStemmer?: boolean;
  maxTokens?: number;
}

/** The infer route's limit on tokens generated per prompt (functions/inference/schemas.ts). */
const MAX_NEW_TOKENS = 256;

function maxTokensOf(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > MAX_NEW_TOKENS)
    throw new InvalidArgumentError(`a whole number from 1 to ${MAX_NEW_TOKENS}`);
  return n;
}

export function evalCommand(): Command {
  return new Command("eval")
    .description(
      "score predictions in a JSONL file: {label, prediction} lines (classification: accuracy, F1) " +
        "or {prediction, references} lines (generation: BLEU, chrF, ROUGE, METEOR); with --api, " +
        "{text, label} lines run through a deployed classifier, {prompt, references} lines through a deployed text generator",
    )
    .argument("[file.jsonl]", "one example per line (or --data)")
    .option("--data <file.jsonl>", "the examples (the same as the file argument)")
    .option(
      "--api <url>",
      "evaluate a deployed model through this edge API: {text, label} or {prompt, references} lines run through the model",
    )
    .option("--model <name[@version]>", "with --api: the model, and its version (default: the latest)")
    .option(
      "--variant <variant>",
      "with --api: the variant to run (fp32, q8, …; default: the version's default)",
    )
    .option("--token <token>", "with --api: bearer token with the read scope (default: $EDGETUNE_TOKEN)")
    .option(
      "--max-tokens <n>",
      "with --api and {prompt, references} lines: tokens generated at most per prompt (default 32)",
      maxTokensOf,
    )
    .option("--json", "print the full report as JSON")
    .option("--no-meteor", "skip METEOR (saves loading WordNet)")
    .option(
      "--rouge-stemmer",
      `ROUGE with the Porter stemmer, as summarization papers report it${ROUGE_USE_STEMMER ? " (the default, as the evaluate endpoint's)" : ""}`,
    )
    .option(
      "--no-rouge-stemmer",
      `ROUGE without it, rouge-score's own default${ROUGE_USE_STEMMER ? "" : " (the default, as the evaluate endpoint's)"}`,
    )
    .action(async (fileArg: string | undefined, options: EvalOptions) => {
      if (fileArg && options.data && fileArg !== options.data) {
        throw new CliError("give the examples once: a file argument or --data");
      }
      const file = fileArg ?? options.data;
      if (!file) throw new CliError("no examples: give a JSONL file (or --data <file.jsonl>)");
      if (options.api) {
        if (!options.model) throw new CliError("--api needs --model <name>[@version]");
        const token = options.token ?? process.env.EDGETUNE_TOKEN;
        const deployed = await evaluateDeployed({
          api: options.api,
          model: options.model,
          data: file,
          ...(options.variant ? { variant: options.variant } : {}),
          ...(token ? { token } : {}),
          ...(options.maxTokens === undefined ? {} : { maxTokens: options.maxTokens }),
        });
        const { model, version, variant } = deployed;
        const json = options.json === true;
        if (!json) process.stdout.write(`${model}@${version} ${variant} (${options.api})\n`);
        if (deployed.kind === "classification") {
          if (json)
            process.stdout.write(
              `${JSON.stringify({ model, version, variant, ...deployed.report }, null, 2)}\n`,
            );
          else printClassification(deployed.report, false);
          return;
        }
        const report = scoreGeneration(
          deployed.predictions,
          deployed.references,
          options.meteor !== false,
          options.rougeStemmer ?? ROUGE_USE_STEMMER,
        );
        if (json) {
          const predictions = deployed.predictions;
          process.stdout.write(
            `${JSON.stringify({ model, version, variant, ...report, predictions }, null, 2)}\n`,
          );
        } else printGeneration(report, false);
        return;
      }
      for (const flag of ["model", "variant", "token", "maxTokens"] as const) {
        const name = flag === "maxTokens" ? "max-tokens" : flag;
        if (options[flag] !== undefined)
          throw new CliError(`--${name} is for --api (evaluating a deployed model)`);
      }
      const parsed = await readEvalJsonl(file);
      if (parsed.kind === "classification")
        printClassification(classificationReport(parsed.gold, parsed.predicted), options.json === true);
      else
        printGeneration(
          scoreGeneration(
            parsed.predictions,
            parsed.references,
            options.meteor !== false,
            options.rougeStemmer ?? ROUGE_USE_STEMMER,
          ),
          options.json === true,
        );
    });
}
