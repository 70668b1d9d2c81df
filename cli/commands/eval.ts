// `edgetune eval`: score a JSONL file. Classification lines are {label, prediction}; generation
// lines are {prediction, references: string[]} and get sacreBLEU BLEU/chrF, rouge-score ROUGE and
// NLTK METEOR (WordNet 3.0), the numbers those tools would print for the same file. With --api,
// {text, label} lines go through a deployed model instead: the edge API's evaluate endpoint runs
// them through the chosen version and variant, and the same table is printed for its predictions.
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { z } from "zod";
import { ApiError, EdgetuneApi } from "../../client/index.ts";
import {
  type ClassificationReport,
  chrf,
  classificationReport,
  bleu as corpusBleu,
  meteor,
  rouge,
} from "../../evaluation/index.ts";
import { wordNet30 } from "../../evaluation/wordnet-node.ts";
import { CliError } from "../errors.ts";

const scoredLine = z.object({ label: z.string(), prediction: z.string() });
const generatedLine = z.object({
  prediction: z.string(),
  references: z.array(z.string()).min(1, "at least one reference"),
});

type Parsed =
  | { kind: "classification"; gold: string[]; predicted: string[] }
  | { kind: "generation"; predictions: string[]; references: string[][] };

async function readJsonl(path: string): Promise<{ value: unknown; line: number }[]> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${e.code ?? e.message}`);
  });
  const rows: { value: unknown; line: number }[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    try {
      rows.push({ value: JSON.parse(line), line: index + 1 });
    } catch {
      throw new CliError(`${path}:${index + 1}: not valid JSON`);
    }
  });
  if (rows.length === 0) throw new CliError(`${path}: no examples`);
  return rows;
}

function parseRow<T>(schema: z.ZodType<T>, path: string, row: { value: unknown; line: number }): T {
  const parsed = schema.safeParse(row.value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${path}:${row.line}: ${issue?.path.join(".") || "line"}: ${issue?.message}`);
  }
  return parsed.data;
}

/** Reads an eval file; its first line decides the kind (a `references` field means generation). */
export async function readEvalJsonl(path: string): Promise<Parsed> {
  const rows = await readJsonl(path);
  const first = rows[0]?.value;
  if (typeof first === "object" && first !== null && "references" in first) {
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
  meteor: number;
}

export function scoreGeneration(
  predictions: string[],
  references: string[][],
  withMeteor = true,
): GenerationReport {
  const b = corpusBleu(predictions, references);
  const c = chrf(predictions, references);
  const cpp = chrf(predictions, references, { wordOrder: 2 });
  return {
    count: predictions.length,
    bleu: { score: b.score, signature: b.signature, formatted: b.formatted },
    chrf: { score: c.score, signature: c.signature },
    chrfPlusPlus: { score: cpp.score, signature: cpp.signature },
    rouge: rouge(predictions, references),
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
      `  ROUGE F: rouge1 ${f(r.rouge.rouge1?.fmeasure)}  rouge2 ${f(r.rouge.rouge2?.fmeasure)}  rougeL ${f(r.rouge.rougeL?.fmeasure)}  rougeLsum ${f(r.rouge.rougeLsum?.fmeasure)}\n` +
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
}

const labelledText = z.object({ text: z.string(), label: z.string() });
/** The evaluate endpoint's limit on examples per request (functions/evaluate/schemas.ts). */
const EXAMPLES_PER_REQUEST = 5000;

export interface DeployedEvaluation {
  model: string;
  version: string;
  variant: string;
  report: ClassificationReport;
}

/**
 * Runs {text, label} lines through a deployed classifier (POST /v1/models/{name}/evaluate, in
 * requests of at most 5000 examples) and scores its predictions as for a file.
 */
export async function evaluateDeployed(options: {
  api: string;
  model: string;
  data: string;
  variant?: string;
  token?: string;
}): Promise<DeployedEvaluation> {
  const url = z.url({ protocol: /^https?$/ }).safeParse(options.api);
  if (!url.success) throw new CliError(`--api must be an http(s) URL, got ${JSON.stringify(options.api)}`);
  const spec = /^([^@\s]+)(?:@([^@\s]+))?$/.exec(options.model);
  if (!spec?.[1])
    throw new CliError(`--model must be <name> or <name>@<version>, got ${JSON.stringify(options.model)}`);
  const name = spec[1];
  const version = spec[2];
  const rows = await readJsonl(options.data);
  const first = rows[0]?.value;
  if (typeof first === "object" && first !== null && "references" in first) {
    throw new CliError(
      `${options.data}: --api runs a classifier, so lines are {text, label}; score generation lines locally: edgetune eval ${options.data}`,
    );
  }
  const examples = rows.map((r) => parseRow(labelledText, options.data, r));
  const client = new EdgetuneApi(options.api.replace(/\/+$/, ""), options.token);
  const predicted: string[] = [];
  let served: { version: string; variant: string } | undefined;
  for (let i = 0; i < examples.length; i += EXAMPLES_PER_REQUEST) {
    const chunk = examples.slice(i, i + EXAMPLES_PER_REQUEST).map((e) => ({ text: e.text, label: e.label }));
    const result = await client
      .evaluateClassification(name, {
        examples: chunk,
        // every request reads the version the first one resolved, even if a newer one is published meanwhile
        ...((served?.version ?? version) ? { version: served?.version ?? version } : {}),
        ...(options.variant ? { variant: options.variant } : {}),
      })
      .catch((e: unknown) => {
        if (e instanceof ApiError) throw new CliError(`${options.api}: ${e.message}`);
        const code = (e as { cause?: { code?: string } }).cause?.code;
        throw new CliError(`cannot reach ${options.api}: ${code ?? (e as Error).message}`);
      });
    served ??= { version: result.version, variant: result.variant };
    predicted.push(...result.predictions);
  }
  if (!served) throw new CliError(`${options.data}: no examples`);
  return {
    model: name,
    ...served,
    report: classificationReport(
      examples.map((e) => e.label),
      predicted,
    ),
  };
}

export function evalCommand(): Command {
  return new Command("eval")
    .description(
      "score predictions in a JSONL file: {label, prediction} lines (classification: accuracy, F1) " +
        "or {prediction, references} lines (generation: BLEU, chrF, ROUGE, METEOR); with --api, " +
        "{text, label} lines run through a deployed model",
    )
    .argument("[file.jsonl]", "one example per line (or --data)")
    .option("--data <file.jsonl>", "the examples (the same as the file argument)")
    .option(
      "--api <url>",
      "evaluate a deployed model through this edge API: {text, label} lines run through the model",
    )
    .option("--model <name[@version]>", "with --api: the model, and its version (default: the latest)")
    .option(
      "--variant <variant>",
      "with --api: the variant to run (fp32, q8, …; default: the version's default)",
    )
    .option("--token <token>", "with --api: bearer token with the read scope (default: $EDGETUNE_TOKEN)")
    .option("--json", "print the full report as JSON")
    .option("--no-meteor", "skip METEOR (saves loading WordNet)")
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
        });
        if (options.json) {
          const { report, ...which } = deployed;
          process.stdout.write(`${JSON.stringify({ ...which, ...report }, null, 2)}\n`);
        } else {
          process.stdout.write(
            `${deployed.model}@${deployed.version} ${deployed.variant} (${options.api})\n`,
          );
          printClassification(deployed.report, false);
        }
        return;
      }
      for (const flag of ["model", "variant", "token"] as const) {
        if (options[flag]) throw new CliError(`--${flag} is for --api (evaluating a deployed model)`);
      }
      const parsed = await readEvalJsonl(file);
      if (parsed.kind === "classification")
        printClassification(classificationReport(parsed.gold, parsed.predicted), options.json === true);
      else
        printGeneration(
          scoreGeneration(parsed.predictions, parsed.references, options.meteor !== false),
          options.json === true,
        );
    });
}
