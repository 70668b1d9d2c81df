// `edgetune eval`: score a JSONL file of {label, prediction} lines.
import { readFile } from "node:fs/promises";
import { Command } from "commander";
import { z } from "zod";
import { classificationReport } from "../../evaluation/index.ts";
import { CliError } from "../errors.ts";

const scoredLine = z.object({ label: z.string(), prediction: z.string() });

export async function readScoredJsonl(path: string): Promise<{ gold: string[]; predicted: string[] }> {
  const text = await readFile(path, "utf8").catch((e: NodeJS.ErrnoException) => {
    throw new CliError(`cannot read ${path}: ${e.code ?? e.message}`);
  });
  const gold: string[] = [];
  const predicted: string[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "") return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new CliError(`${path}:${index + 1}: not valid JSON`);
    }
    const parsed = scoredLine.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new CliError(`${path}:${index + 1}: ${issue?.path.join(".") || "line"}: ${issue?.message}`);
    }
    gold.push(parsed.data.label);
    predicted.push(parsed.data.prediction);
  });
  if (gold.length === 0) throw new CliError(`${path}: no examples`);
  return { gold, predicted };
}

export function evalCommand(): Command {
  return new Command("eval")
    .description("score predictions: a JSONL file with one {label, prediction} object per line")
    .argument("<file.jsonl>", "examples with gold label and predicted label")
    .option("--json", "print the full report as JSON")
    .action(async (file: string, options: { json?: boolean }) => {
      const { gold, predicted } = await readScoredJsonl(file);
      const report = classificationReport(gold, predicted);
      if (options.json) {
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
    });
}
