// `edgetune inspect`: what an ONNX file holds, as the compression stage reads it.
import { Command } from "commander";
import { modelSummary, readModelFile } from "../../compression/node.ts";

export function inspectCommand(): Command {
  return new Command("inspect")
    .description("show an ONNX model's IR version, opsets, inputs, outputs and parameter count")
    .argument("<model.onnx>", "the model (external data is read from beside it)")
    .action(async (path: string) => {
      const summary = modelSummary(await readModelFile(path));
      process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
