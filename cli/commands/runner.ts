// `edgetune runner`: lease fine-tuning jobs from the edge API (the lease routes come with the jobs API).
import { Command } from "commander";
import { CliError } from "../errors.ts";

export function runnerCommand(): Command {
  return new Command("runner")
    .description("lease queued fine-tuning jobs from an edgetune API, train them here, upload the results")
    .requiredOption("--api <url>", "base URL of the edgetune API")
    .option("--token <token>", "bearer token with the write scope (default: $EDGETUNE_TOKEN)")
    .option("--once", "take one job, then exit")
    .action(() => {
      throw new CliError("the runner needs the API's lease routes, which this version does not have yet");
    });
}
