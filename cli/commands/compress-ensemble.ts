// `edgetune compress <a.onnx> --ensemble <b.onnx>[,<c.onnx>…]`: the model and the listed ones merged
// into one ONNX graph whose outputs are their mean (compression/ensemble), ending with compact-names
// like the presets, written as onnx/model_ensemble.onnx. The members are read and checked
// (operators, compatible inputs and outputs) with everything else before any work, so an
// incompatible member fails in one line with nothing written. The variant is verified like the
// others (against the compressed model, member 0) and also against each member and their mean.
import { resolve } from "node:path";
import {
  type Agreement,
  checkSupportedOps,
  EnsembleError,
  ensembleModels,
  type ModelProto,
  readModelFile,
} from "../../compression/node.ts";
import { compactNames } from "../../compression/passes/compact-names.ts";
import type { PassReport } from "../../compression/passes/pass.ts";
import { CliError } from "../errors.ts";

/** Where the ensemble goes under {out}/onnx/. */
export const ENSEMBLE_FILE = "model_ensemble.onnx";

/** "b.onnx,c.onnx" → the member files (after the compressed model, which is member 0). */
export function parseEnsembleMembers(spec: string): string[] {
  const files = spec.split(",").map((s) => s.trim());
  if (files.some((f) => f === ""))
    throw new CliError(`--ensemble: "${spec}" is not a comma-separated list of model files`, 2);
  return files;
}

export interface PreparedEnsemble {
  /** The merged model, names compacted. */
  model: ModelProto;
  /** Member files as given, the compressed model first. */
  files: string[];
  /** The members other than the compressed model. */
  others: ModelProto[];
  compactReport: PassReport;
}

/** Reads the other members and merges them with `first` (the compressed model); refuses in one line. */
export async function prepareEnsemble(
  first: { file: string; model: ModelProto },
  paths: readonly string[],
): Promise<PreparedEnsemble> {
  const others: ModelProto[] = [];
  for (const path of paths) {
    try {
      const model = await readModelFile(resolve(path));
      checkSupportedOps(model);
      others.push(model);
    } catch (error) {
      const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw new CliError(`--ensemble ${path}: ${message}`, 2);
    }
  }
  const files = [first.file, ...paths];
  let merged: ModelProto;
  try {
    merged = ensembleModels([first.model, ...others]);
  } catch (error) {
    if (!(error instanceof EnsembleError)) throw error;
    // the library numbers members; the user knows them by file
    const named = error.message.replace(/member (\d+)/g, (_, i: string) => files[Number(i)] ?? `member ${i}`);
    throw new CliError(`--ensemble: ${named}`, 2);
  }
  const compact = await compactNames.apply(merged, compactNames.options.parse({ nodeNames: "drop" }));
  return { model: compact.model, files, others, compactReport: compact.report };
}

/** The ensemble against each member and against their mean, as a Markdown table. */
export function ensembleMarkdown(
  files: readonly string[],
  comparison: { members: Agreement[]; mean: Agreement },
): string {
  const row = (what: string, a: Agreement) =>
    `| ${what.replaceAll("|", "\\|")} | ${a.cosine.toFixed(6)} | ${a.relativeError.toExponential(2)} | ${(100 * a.top1).toFixed(1)} % |`;
  return [
    "| ensemble vs | cosine | relative error | top-1 agreement |",
    "|---|---:|---:|---:|",
    ...files.map((f, i) => row(f, comparison.members[i] as Agreement)),
    row("mean of the members", comparison.mean),
    "",
  ].join("\n");
}
