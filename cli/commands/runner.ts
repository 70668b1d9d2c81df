// `edgetune runner`: lease fine-tuning jobs from the edge API, train them here, publish the results.
import { resolve } from "node:path";
import { Command } from "commander";
import { runRunner } from "../../training-runner/runner/index.ts";
import { CliError } from "../errors.ts";

export function runnerCommand(): Command {
  return new Command("runner")
    .description("lease queued fine-tuning jobs from an edgetune API, train them here, upload the results")
    .requiredOption("--api <url>", "base URL of the edgetune API")
    .option("--token <token>", "bearer token with the write scope (default: $EDGETUNE_TOKEN)")
    .option("--once", "take one job (if any is queued), then exit")
    .option("--work-dir <dir>", "where job files and trainer output go", ".edgetune/runner")
    .option("--ttl <seconds>", "lease length; the runner heartbeats every third of it", "120")
    .action(
      async (options: { api: string; token?: string; once?: boolean; workDir: string; ttl: string }) => {
        const token = options.token ?? process.env.EDGETUNE_TOKEN;
        if (!token) throw new CliError("a token is needed: --token or $EDGETUNE_TOKEN");
        const ttlSeconds = Number(options.ttl);
        if (!Number.isInteger(ttlSeconds) || ttlSeconds < 5 || ttlSeconds > 3600) {
          throw new CliError("--ttl must be a whole number of seconds from 5 to 3600");
        }
        const abort = new AbortController();
        const onSignal = () => abort.abort(new Error("interrupted"));
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
        try {
          const outcomes = await runRunner({
            api: options.api,
            token,
            workDir: resolve(options.workDir),
            once: options.once ?? false,
            signal: abort.signal,
            ttlSeconds,
            log: (line) => process.stderr.write(`${line}\n`),
            onEvent: (jobId, event) => {
              if (event.type === "step")
                process.stderr.write(`${jobId} step ${event.step} loss ${event.loss.toFixed(4)}\n`);
              if (event.type === "eval") {
                process.stderr.write(
                  `${jobId} eval at ${event.step}: accuracy ${(100 * event.accuracy).toFixed(2)}%\n`,
                );
              }
            },
          });
          if (options.once && outcomes.length === 0) process.stdout.write("no queued job\n");
          for (const o of outcomes) {
            process.stdout.write(
              `${o.id} ${o.status}${o.fineTunedModel ? ` ${o.fineTunedModel}` : ""}${o.error ? `: ${o.error}` : ""}\n`,
            );
          }
          if (outcomes.some((o) => o.status === "failed")) process.exitCode = 1;
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
        }
      },
    );
}
