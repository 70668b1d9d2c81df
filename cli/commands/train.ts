// `edgetune train`: run a training job on this machine.
import { resolve } from "node:path";
import { Command } from "commander";
import { runTrainer } from "../../training-runner/index.ts";
import { CliError } from "../errors.ts";
import { trainingProgress } from "../progress.ts";

export function trainCommand(): Command {
  return new Command("train")
    .description("fine-tune a model on this machine from a job file (see training-runner/examples/)")
    .argument("<job.json>", "the job: model, task, data, tokenizer, schedule")
    .option("--out <dir>", "where the checkpoint and ONNX export go", ".edgetune/runs/latest")
    .option("--threads <n>", "compute threads for the trainer (default: the cores this process may use)")
    .option(
      "--nproc <n>",
      "data-parallel processes under torchrun (DDP: gloo on CPU, one GPU each on CUDA)",
      "1",
    )
    .action(async (jobFile: string, options: { out: string; threads?: string; nproc: string }) => {
      const threads = options.threads === undefined ? undefined : Number(options.threads);
      if (threads !== undefined && !(Number.isInteger(threads) && threads >= 1 && threads <= 1024)) {
        throw new CliError("--threads must be a whole number from 1 to 1024", 2);
      }
      const nproc = Number(options.nproc);
      if (!(Number.isInteger(nproc) && nproc >= 1 && nproc <= 1024)) {
        throw new CliError("--nproc must be a whole number from 1 to 1024", 2);
      }
      const progress = trainingProgress();
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error("interrupted"));
      process.once("SIGINT", onSignal);
      try {
        const run = await runTrainer({
          job: resolve(jobFile),
          outDir: resolve(options.out),
          onEvent: progress.onEvent,
          signal: abort.signal,
          ...(threads ? { threads } : {}),
          nproc,
        });
        const m = run.metrics;
        process.stdout.write(
          `validation accuracy ${(100 * m.eval_accuracy).toFixed(2)}% (majority baseline ${(100 * m.majority_baseline).toFixed(2)}%), ` +
            `${m.steps} steps in ${m.train_seconds.toFixed(1)} s\ncheckpoint ${run.modelDir}\nONNX ${run.onnxPath}\n`,
        );
      } finally {
        progress.stop();
        process.off("SIGINT", onSignal);
      }
    });
}
