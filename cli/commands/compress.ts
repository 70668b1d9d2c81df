// `edgetune compress`: ONNX in, compact ONNX out. A thin shell over compression/: resolve the
// recipes (presets or a JSON file, all validated before anything is read or written), run each
// on the model, write the files the artifact layout names under {out}/onnx/, verify every
// variant against the original, and write the report as JSON and Markdown beside them.
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { encodeModel, readModelFile, writeModelFile } from "../../compression/node.ts";
import {
  isPresetName,
  parseRecipe,
  preset,
  presetNames,
  type Recipe,
  RecipeError,
  runRecipe,
} from "../../compression/recipes/index.ts";
import {
  reportMarkdown,
  sampleFeeds,
  type VariantReport,
  verifyVariant,
} from "../../compression/verify/index.ts";
import { CliError } from "../errors.ts";

/** Preset names ("q8", "q4,q4f16", "all") or a recipe file (one recipe or a list). */
export async function resolveRecipes(spec: string): Promise<Recipe[]> {
  const names =
    spec === "all" ? presetNames.filter((n) => n !== "fp32") : spec.split(",").map((s) => s.trim());
  if (names.every(isPresetName)) return names.map((n) => preset(n));
  if (!spec.endsWith(".json")) {
    const unknown = names.filter((n) => !isPresetName(n));
    throw new CliError(
      `unknown preset ${unknown.map((n) => `"${n}"`).join(", ")}; presets: ${presetNames.join(", ")}, all; or a recipe .json file`,
      2,
    );
  }
  let text: string;
  try {
    text = await readFile(resolve(spec), "utf8");
  } catch {
    throw new CliError(`recipe file ${spec} cannot be read`, 2);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new CliError(`recipe file ${spec} is not valid JSON: ${(error as Error).message}`, 2);
  }
  try {
    return (Array.isArray(json) ? json : [json]).map((r) => parseRecipe(r));
  } catch (error) {
    if (error instanceof RecipeError) throw new CliError(`${spec}: ${error.message}`, 2);
    throw error;
  }
}

export interface CompressResult {
  files: string[];
  reports: VariantReport[];
}

export async function compressFile(
  input: string,
  recipes: Recipe[],
  outDir: string,
  log: (line: string) => void = () => {},
  latencyRuns = 10,
): Promise<CompressResult> {
  const outputs = new Set<string>();
  for (const r of recipes) {
    if (outputs.has(r.output)) throw new CliError(`two recipes write ${r.output}`, 2);
    outputs.add(r.output);
  }
  const model = await readModelFile(resolve(input));
  const original = encodeModel(model);
  const feeds = sampleFeeds(model);
  const onnxDir = join(resolve(outDir), "onnx");
  const reports: VariantReport[] = [
    await verifyVariant({
      variant: "original",
      original,
      compressed: original,
      model,
      feeds,
      latencyRuns,
      file: input,
    }),
  ];
  await mkdir(onnxDir, { recursive: true });
  const files: string[] = [];
  for (const recipe of recipes) {
    const started = performance.now();
    const result = await runRecipe(model, recipe, (i, step) =>
      log(`${recipe.name}: step ${i + 1}/${recipe.steps.length} ${step.pass}`),
    );
    const bytes = encodeModel(result.model);
    const target = join(onnxDir, recipe.output);
    await writeModelFile(result.model, target, { externalData: false });
    files.push(target);
    const report = await verifyVariant({
      variant: recipe.name,
      original,
      compressed: bytes,
      model: result.model,
      feeds,
      latencyRuns,
      file: `onnx/${recipe.output}`,
    });
    reports.push({
      ...report,
      steps: result.steps.map((s) => ({ pass: s.pass, options: s.options, report: s.report })),
    });
    log(
      `${recipe.name}: wrote ${target} (${bytes.length} bytes, ${(performance.now() - started).toFixed(0)} ms, top-1 agreement ${(100 * report.top1Agreement).toFixed(1)} %)`,
    );
  }
  const json = join(resolve(outDir), "compression-report.json");
  await writeFile(json, `${JSON.stringify({ source: resolve(input), variants: reports }, null, 2)}\n`);
  await writeFile(join(resolve(outDir), "compression-report.md"), reportMarkdown(reports));
  return { files, reports };
}

export function compressCommand(): Command {
  return new Command("compress")
    .description("compress an ONNX model following a recipe (a preset name or a recipe file)")
    .argument("<model.onnx>", "the model to compress (external data is read from beside it)")
    .requiredOption(
      "--recipe <preset|file>",
      `preset (${presetNames.join(", ")}), a comma-separated list, "all", or a recipe JSON file`,
    )
    .requiredOption(
      "--out <dir>",
      "output folder, laid out as {out}/onnx/model*.onnx plus compression-report.json/.md",
    )
    .option("--calibration <jsonl>", "calibration inputs for static quantization")
    .option("--eval <jsonl>", "labelled examples to measure accuracy on")
    .option("--latency-runs <n>", "timed runs per variant for the latency median", "10")
    .action(
      async (
        input: string,
        options: { recipe: string; out: string; calibration?: string; eval?: string; latencyRuns: string },
      ) => {
        if (options.calibration)
          throw new CliError("--calibration: static quantization is not available yet", 2);
        if (options.eval)
          throw new CliError("--eval: accuracy on a dataset is not wired into this command yet", 2);
        const runs = Number(options.latencyRuns);
        if (!Number.isInteger(runs) || runs < 0)
          throw new CliError("--latency-runs must be a whole number ≥ 0", 2);
        const recipes = await resolveRecipes(options.recipe);
        const { files } = await compressFile(
          input,
          recipes,
          options.out,
          (line) => process.stderr.write(`${line}\n`),
          runs,
        );
        for (const f of files) process.stdout.write(`wrote ${f}\n`);
        process.stdout.write(`wrote ${join(resolve(options.out), "compression-report.md")}\n`);
      },
    );
}
