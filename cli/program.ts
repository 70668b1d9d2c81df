// The edgetune CLI: each command is a thin shell over its component's library API.
import { Command } from "commander";
import { compressCommand } from "./commands/compress.ts";
import { demoCommand } from "./commands/demo.ts";
import { evalCommand } from "./commands/eval.ts";
import { inspectCommand } from "./commands/inspect.ts";
import { runnerCommand } from "./commands/runner.ts";
import { serveCommand } from "./commands/serve.ts";
import { trainCommand } from "./commands/train.ts";

export const commandNames = ["demo", "train", "compress", "eval", "serve", "runner", "inspect"] as const;

export function buildProgram(): Command {
  const program = new Command("edgetune")
    .description(
      "Fine-tune small language models, compress them to compact ONNX, serve them at the edge, evaluate.",
    )
    .version(process.env.npm_package_version ?? "0.1.0");
  const commands = [
    demoCommand(),
    trainCommand(),
    compressCommand(),
    evalCommand(),
    serveCommand(),
    runnerCommand(),
    inspectCommand(),
  ];
  for (const command of [program, ...commands]) {
    // errors are printed once, as one line, by main.ts
    command.exitOverride().configureOutput({ outputError: () => {} });
  }
  for (const command of commands) program.addCommand(command);
  return program;
}
