// `edgetune demo`: the README's first command. The demo (and the wrangler it starts) loads when the command
// runs, not with the CLI (see serve.ts).
import { resolve } from "node:path";
import { Command } from "commander";
import { generationScores } from "../demo/generation-scores.ts";
import { formatTable, tableRows, writeReport } from "../demo/report.ts";
import { trainingProgress } from "../progress.ts";

export function demoCommand(): Command {
  return new Command("demo")
    .description(
      "run the main job on the embedded default: fine-tune → compress → serve → evaluate, then report",
    )
    .option("--dir <dir>", "where the demo keeps its data, model, state and report", ".edgetune/demo")
    .option("--fresh", "train again even if an earlier run's model is there")
    .action(async (options: { dir: string; fresh?: boolean }) => {
      const workDir = resolve(options.dir);
      const progress = trainingProgress();
      const log = (line: string) => process.stderr.write(`${line}\n`);
      try {
        const { runDemo } = await import("../demo/run-demo.ts");
        const report = await runDemo({
          workDir,
          fresh: options.fresh === true,
          log,
          onTrainerEvent: progress.onEvent,
        });
        progress.stop();
        const paths = writeReport(workDir, report);
        process.stdout.write(`\n${formatTable(tableRows(report))}\n\n`);
        process.stdout.write(
          `majority-class baseline ${(100 * report.baseline.accuracy).toFixed(2)}% ("${report.baseline.label}") on ${report.dataset.test} held-out emails\n`,
        );
        const g = report.generation;
        process.stdout.write(`generation example (${g.task}, ${g.count} emails): ${generationScores(g)}\n`);
        process.stdout.write(
          `stages: ${Object.entries(report.stageSeconds)
            .map(([s, t]) => `${s} ${t.toFixed(1)} s`)
            .join(", ")}\n`,
        );
        process.stdout.write(`report: ${paths.html} (also ${paths.markdown}, ${paths.json})\n`);
      } finally {
        progress.stop();
      }
    });
}
