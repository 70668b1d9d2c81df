// `edgetune compress`: ONNX in, compact ONNX out. A thin shell over compression/: resolve the
// recipes (presets or a JSON file), read the model and the --calibration / --eval files, and check
// all of it (operators, declared sizes, external data, recipes, data lines) before any work; run
// each recipe step by step, filling calibrated options from --calibration (a prune-importance step
// without activationNorms, a quantize-static-int8 step without ranges); verify every variant
// against the original (agreement on the eval, calibration or sampled inputs; accuracy with
// --eval; latency in onnxruntime-node and -web); then, only when everything succeeded, write the
// files under {out}/onnx/ (each atomically) and the report as JSON and Markdown beside them.
// --mixed-precision and --ensemble add one variant each (compress-mixed.ts, compress-ensemble.ts).
// Progress: a bar on a terminal; elsewhere (CI, pipes) step lines only with --verbose, so a failure's
// stderr is its one line.
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { CompressionError } from "../../compression/graph/errors.ts";
import {
  checkSupportedOps,
  compareEnsemble,
  encodeModel,
  type MixedPrecisionOptions,
  mixedPrecision,
  OnnxIoError,
  ortNodeRunner,
  readModelFile,
  referenceRuns,
  reportMarkdown,
  sampleFeeds,
  type VariantReport,
  verifyVariant,
} from "../../compression/node.ts";
import {
  isPresetName,
  parseRecipe,
  preset,
  presetNames,
  type Recipe,
  RecipeError,
  runRecipe,
  type StepReport,
  staticInt8Recipe,
} from "../../compression/recipes/index.ts";
import { CliError } from "../errors.ts";
import { type CompressProgress, compressProgress } from "../progress.ts";
import { calibrate, needsCalibration, withCalibrationPlaceholders } from "./compress-calibration.ts";
import {
  ENSEMBLE_FILE,
  ensembleMarkdown,
  parseEnsembleMembers,
  prepareEnsemble,
} from "./compress-ensemble.ts";
import { type ModelInputs, readModelInputs } from "./compress-inputs.ts";
import { parseMixedPrecision } from "./compress-mixed.ts";

/** The calibrated preset: static int8 QDQ, its activation ranges measured on --calibration. */
const STATIC_INT8 = "static-int8";

/** Preset names ("q8", "q4,q4f16", "all") or a recipe file (one recipe or a list). */
export async function resolveRecipes(spec: string): Promise<Recipe[]> {
  const names =
    spec === "all" ? presetNames.filter((n) => n !== "fp32") : spec.split(",").map((s) => s.trim());
  const known = (n: string) => isPresetName(n) || n === STATIC_INT8;
  // static-int8's ranges are left empty here and calibrated from --calibration at run time
  if (names.every(known)) return names.map((n) => (n === STATIC_INT8 ? staticInt8Recipe({}) : preset(n)));
  if (!spec.endsWith(".json")) {
    const unknown = names.filter((n) => !known(n));
    throw new CliError(
      `unknown preset ${unknown.map((n) => `"${n}"`).join(", ")}; presets: ${presetNames.join(", ")}, all, ${STATIC_INT8} (with --calibration); or a recipe .json file`,
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
    return (Array.isArray(json) ? json : [json]).map((r) => parseRecipe(withCalibrationPlaceholders(r)));
  } catch (error) {
    if (error instanceof RecipeError) throw new CliError(`${spec}: ${error.message}`, 2);
    throw error;
  }
}

/** Writes bytes to a temporary name beside `path`, then renames it into place. */
async function writeAtomically(path: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await writeFile(temp, bytes);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

export interface CompressOptions {
  /** Also make an accuracy-gated mixed-precision variant (onnx/model_mixed.onnx). */
  mixedPrecision?: MixedPrecisionOptions;
  /** Also merge the model with these models into onnx/model_ensemble.onnx (outputs averaged). */
  ensemble?: string[];
  /** JSONL of calibration inputs (see compress-inputs.ts). */
  calibration?: string;
  /** JSONL of labelled inputs: accuracy in the report. */
  eval?: string;
  latencyRuns?: number;
  progress?: CompressProgress;
}

export interface CompressResult {
  files: string[];
  reports: VariantReport[];
  /** The report as written to compression-report.md. */
  markdown: string;
}

export async function compressFile(
  input: string,
  recipes: Recipe[],
  outDir: string,
  options: CompressOptions = {},
): Promise<CompressResult> {
  const progress = options.progress;
  const latencyRuns = options.latencyRuns ?? 10;
  const outputs = new Set<string>();
  for (const r of recipes) {
    if (outputs.has(r.output)) throw new CliError(`two recipes write ${r.output}`, 2);
    outputs.add(r.output);
  }
  const modelPath = resolve(input);
  const model = await readModelFile(modelPath);
  checkSupportedOps(model);
  const calibration: ModelInputs | undefined = options.calibration
    ? await readModelInputs(options.calibration, model, modelPath, false)
    : undefined;
  const evaluation: ModelInputs | undefined = options.eval
    ? await readModelInputs(options.eval, model, modelPath, true)
    : undefined;
  const mixed = options.mixedPrecision;
  if (mixed) {
    if (outputs.has("model_mixed.onnx")) throw new CliError("a recipe already writes model_mixed.onnx", 2);
    if (mixed.budget.maxAccuracyDrop !== undefined && !options.eval)
      throw new CliError("--mixed-precision accuracy-drop needs --eval (labelled lines)", 2);
  }
  if (options.ensemble && outputs.has(ENSEMBLE_FILE))
    throw new CliError(`a recipe already writes ${ENSEMBLE_FILE}`, 2);
  const ensemble = options.ensemble
    ? await prepareEnsemble({ file: input, model }, options.ensemble)
    : undefined;
  for (const r of recipes)
    r.steps.forEach((step, i) => {
      if (needsCalibration(step) && !calibration)
        throw new CliError(
          `recipe ${r.name}: step ${i + 1} (${step.pass}) is calibrated from data: give --calibration <jsonl>`,
          2,
        );
    });
  // agreement on real inputs when there are some, else on inputs sampled from the declared shapes
  const feeds = (evaluation?.feeds ?? calibration?.feeds ?? sampleFeeds(model)).slice(0, 64);
  const examples = evaluation?.examples;
  const original = encodeModel(model);
  const reference = await referenceRuns(original, feeds);
  progress?.start(
    1 + recipes.reduce((n, r) => n + r.steps.length + 1, 0) + (mixed ? 2 : 0) + (ensemble ? 1 : 0),
  );
  const reports: VariantReport[] = [
    await verifyVariant({
      variant: "original",
      original,
      compressed: original,
      model,
      feeds,
      reference,
      latencyRuns,
      file: input,
      ...(examples ? { examples } : {}),
    }),
  ];
  progress?.tick("original verified");
  const variants: { target: string; bytes: Uint8Array }[] = [];
  const onnxDir = join(resolve(outDir), "onnx");
  for (const recipe of recipes) {
    const started = performance.now();
    let current = model;
    const steps: StepReport[] = [];
    for (const planned of recipe.steps) {
      const step =
        needsCalibration(planned) && calibration
          ? await calibrate(current, planned, calibration.feeds)
          : planned;
      let result: Awaited<ReturnType<typeof runRecipe>>;
      try {
        result = await runRecipe(current, { name: recipe.name, output: recipe.output, steps: [step] });
      } catch (error) {
        // a pass that meets what it cannot handle says so; the command adds which recipe and step
        if (error instanceof CompressionError || error instanceof OnnxIoError || error instanceof RecipeError)
          throw new CliError(
            `recipe ${recipe.name}: step ${recipe.steps.indexOf(planned) + 1} (${planned.pass}): ${error.message}`,
          );
        throw error;
      }
      current = result.model;
      steps.push(...result.steps.map((s) => ({ ...s, options: planned.options })));
      progress?.tick(`${recipe.name}: ${step.pass}`);
    }
    const bytes = encodeModel(current);
    const report = await verifyVariant({
      variant: recipe.name,
      original,
      compressed: bytes,
      model: current,
      feeds,
      reference,
      latencyRuns,
      file: `onnx/${recipe.output}`,
      ...(examples ? { examples } : {}),
    });
    reports.push({ ...report, steps });
    variants.push({ target: join(onnxDir, recipe.output), bytes });
    progress?.tick(`${recipe.name}: verified`);
    progress?.note(
      `${recipe.name}: ${bytes.length} bytes, ${(performance.now() - started).toFixed(0)} ms, top-1 agreement ${(100 * report.top1Agreement).toFixed(1)} %`,
    );
  }
  if (mixed) {
    // searched on the eval lines with their labels when given, else on the verification inputs
    const searchFeeds = evaluation?.examples?.map((e) => e.feeds) ?? feeds;
    const labels = evaluation?.examples?.map((e) => e.labels);
    const result = await mixedPrecision(model, mixed, ortNodeRunner(searchFeeds), {
      ...(labels ? { labels } : {}),
      onProgress: (p) =>
        progress?.note(`mixed precision: ${p.phase} ${p.done}/${p.total}${p.layer ? ` ${p.layer}` : ""}`),
    });
    if (!result.report.met)
      throw new CliError(
        `--mixed-precision: the budget is not met even with every layer at ${result.report.high}; loosen it or choose a higher precision`,
      );
    progress?.tick("mixed precision: layers chosen");
    const bytes = encodeModel(result.model);
    const report = await verifyVariant({
      variant: `mixed-${result.report.low}-${result.report.high}`,
      original,
      compressed: bytes,
      model: result.model,
      feeds,
      reference,
      latencyRuns,
      file: "onnx/model_mixed.onnx",
      ...(examples ? { examples } : {}),
    });
    reports.push({ ...report, steps: [{ pass: "mixed-precision", options: mixed, report: result.report }] });
    variants.push({ target: join(onnxDir, "model_mixed.onnx"), bytes });
    progress?.tick("mixed precision: verified");
  }
  let ensembleTable = "";
  if (ensemble) {
    const bytes = encodeModel(ensemble.model);
    const report = await verifyVariant({
      variant: "ensemble",
      original,
      compressed: bytes,
      model: ensemble.model,
      feeds,
      reference,
      latencyRuns,
      file: `onnx/${ENSEMBLE_FILE}`,
      ...(examples ? { examples } : {}),
    });
    const comparison = await compareEnsemble(
      [original, ...ensemble.others.map(encodeModel)],
      bytes,
      ortNodeRunner(feeds),
    );
    const members = ensemble.files.map((file, i) => ({ file, ...comparison.members[i] }));
    reports.push({
      ...report,
      steps: [
        {
          pass: "ensemble",
          options: { members: ensemble.files },
          report: { members, mean: comparison.mean },
        },
        { pass: "compact-names", options: { nodeNames: "drop" }, report: ensemble.compactReport },
      ],
    });
    variants.push({ target: join(onnxDir, ENSEMBLE_FILE), bytes });
    ensembleTable = `\n${ensembleMarkdown(ensemble.files, comparison)}`;
    progress?.tick("ensemble: verified");
  }
  // everything computed and checked: only now does anything reach the output folder
  await mkdir(onnxDir, { recursive: true });
  const files: string[] = [];
  for (const v of variants) {
    await writeAtomically(v.target, v.bytes);
    files.push(v.target);
  }
  const report = {
    source: modelPath,
    ...(options.calibration ? { calibration: resolve(options.calibration) } : {}),
    ...(options.eval ? { eval: resolve(options.eval) } : {}),
    variants: reports,
  };
  await writeAtomically(
    join(resolve(outDir), "compression-report.json"),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  const markdown = reportMarkdown(reports) + ensembleTable;
  await writeAtomically(join(resolve(outDir), "compression-report.md"), markdown);
  return { files, reports, markdown };
}

export function compressCommand(): Command {
  return new Command("compress")
    .description("compress an ONNX model following a recipe (a preset name or a recipe file)")
    .argument("<model.onnx>", "the model to compress (external data is read from beside it)")
    .option(
      "--recipe <preset|file>",
      `preset (${presetNames.join(", ")}, or static-int8 with --calibration), a comma-separated list, "all", or a recipe JSON file; needed unless --mixed-precision or --ensemble is given`,
    )
    .requiredOption(
      "--out <dir>",
      "output folder, laid out as {out}/onnx/model*.onnx plus compression-report.json/.md",
    )
    .option(
      "--calibration <jsonl>",
      'calibration inputs, a line each: {"text": …} (tokenized with the tokenizer.json beside the model) or {"inputs": {name: nested array}}; fills prune-importance activationNorms and quantize-static-int8 ranges',
    )
    .option(
      "--eval <jsonl>",
      'labelled lines ({"text"|"inputs", "label": index or name}): accuracy in the report',
    )
    .option(
      "--mixed-precision <budget>",
      "also write onnx/model_mixed.onnx: layers at low precision except the most sensitive, kept high until the budget holds; " +
        "key=value list: top1, cosine, relative-error, accuracy-drop (needs --eval), low (q4|q8), high (q8|fp32), embeddings (q8|q4|keep), block-size",
    )
    .option(
      "--ensemble <models>",
      "also write onnx/model_ensemble.onnx: this model and the listed ones (comma-separated .onnx files with the same inputs and outputs) in one graph whose outputs are their mean; reported against each member and the mean",
    )
    .option("--latency-runs <n>", "timed runs per variant for the latency median", "10")
    .option("--verbose", "progress lines on stderr when it is not a terminal (a terminal shows a bar)")
    .action(
      async (
        input: string,
        options: {
          recipe?: string;
          out: string;
          calibration?: string;
          eval?: string;
          mixedPrecision?: string;
          ensemble?: string;
          latencyRuns: string;
          verbose?: boolean;
        },
      ) => {
        const runs = Number(options.latencyRuns);
        if (!Number.isInteger(runs) || runs < 0)
          throw new CliError("--latency-runs must be a whole number ≥ 0", 2);
        if (options.recipe === undefined && !options.mixedPrecision && !options.ensemble)
          throw new CliError(
            "give --recipe <preset|file> (or --mixed-precision <budget> / --ensemble <models>)",
            2,
          );
        const recipes = options.recipe === undefined ? [] : await resolveRecipes(options.recipe);
        const mixed = options.mixedPrecision ? parseMixedPrecision(options.mixedPrecision) : undefined;
        const ensemble = options.ensemble ? parseEnsembleMembers(options.ensemble) : undefined;
        const progress =
          process.stderr.isTTY === true || options.verbose ? compressProgress(process.stderr) : undefined;
        let result: CompressResult;
        try {
          result = await compressFile(input, recipes, options.out, {
            ...(options.calibration ? { calibration: options.calibration } : {}),
            ...(options.eval ? { eval: options.eval } : {}),
            ...(mixed ? { mixedPrecision: mixed } : {}),
            ...(ensemble ? { ensemble } : {}),
            latencyRuns: runs,
            ...(progress ? { progress } : {}),
          });
        } finally {
          progress?.stop();
        }
        for (const f of result.files) process.stdout.write(`wrote ${f}\n`);
        process.stdout.write(`wrote ${join(resolve(options.out), "compression-report.md")}\n`);
        process.stdout.write(result.markdown);
      },
    );
}
