// `edgetune compress`: ONNX in, compact ONNX out, following a recipe.
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { modelSummary, readModelFile, writeModelFile } from "../../compression/index.ts";
import { CliError } from "../errors.ts";

// Recipes land with the compression passes; fp32 re-encodes the model through edgetune's ONNX IO,
// which is what every other recipe starts from.
const recipes = ["fp32"] as const;

export function compressCommand(): Command {
  return new Command("compress")
    .description("compress an ONNX model following a recipe (a preset name or a recipe file)")
    .argument("<model.onnx>", "the model to compress (external data is read from beside it)")
    .requiredOption("--recipe <preset|file>", `preset (${recipes.join(", ")}) or recipe JSON file`)
    .requiredOption("--out <dir>", "output folder, laid out as {out}/onnx/model*.onnx")
    .option("--calibration <jsonl>", "calibration inputs for static quantization")
    .option("--eval <jsonl>", "labelled examples to measure accuracy on")
    .action(async (input: string, options: { recipe: string; out: string }) => {
      if (!(recipes as readonly string[]).includes(options.recipe)) {
        throw new CliError(`unknown recipe "${options.recipe}"; this version offers: ${recipes.join(", ")}`);
      }
      const model = await readModelFile(resolve(input));
      const outDir = join(resolve(options.out), "onnx");
      await mkdir(outDir, { recursive: true });
      const target = join(outDir, "model.onnx");
      await writeModelFile(model, target, { externalData: false });
      const report = {
        recipe: options.recipe,
        source: resolve(input),
        output: target,
        summary: modelSummary(model),
      };
      await writeFile(join(outDir, "model.report.json"), `${JSON.stringify(report, null, 2)}\n`);
      process.stdout.write(`wrote ${target}\n`);
    });
}
