// `edgetune runner`: lease fine-tuning jobs (and compression jobs too large for the Worker) from the
// edge API, run them here, publish the results; optionally keep every artifact in an S3 bucket.
import { resolve } from "node:path";
import { Command } from "commander";
import { ArtifactStoreError, runRunner, S3ArtifactStore } from "../../training-runner/runner/index.ts";
import { CliError } from "../errors.ts";

interface RunnerFlags {
  api: string;
  token?: string;
  once?: boolean;
  workDir: string;
  ttl: string;
  compression: boolean;
  s3Endpoint?: string;
  s3Bucket?: string;
  s3Prefix: string;
  s3Region: string;
  s3AccessKeyId?: string;
  s3SecretAccessKey?: string;
}

/** The S3 store the flags ask for (credentials from the flags or AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
function s3Store(options: RunnerFlags): S3ArtifactStore | undefined {
  if (!options.s3Bucket) {
    if (options.s3Endpoint) throw new CliError("--s3-endpoint needs --s3-bucket", 2);
    return undefined;
  }
  const accessKeyId = options.s3AccessKeyId ?? process.env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = options.s3SecretAccessKey ?? process.env.AWS_SECRET_ACCESS_KEY;
  try {
    return new S3ArtifactStore({
      bucket: options.s3Bucket,
      prefix: options.s3Prefix,
      region: options.s3Region,
      ...(options.s3Endpoint ? { endpoint: options.s3Endpoint } : {}),
      ...(accessKeyId ? { accessKeyId } : {}),
      ...(secretAccessKey ? { secretAccessKey } : {}),
    });
  } catch (err) {
    if (err instanceof ArtifactStoreError) throw new CliError(err.message, 2);
    throw err;
  }
}

export function runnerCommand(): Command {
  return new Command("runner")
    .description("lease queued fine-tuning (and large compression) jobs from an edgetune API, run them here")
    .requiredOption("--api <url>", "base URL of the edgetune API")
    .option("--token <token>", "bearer token with the write scope (default: $EDGETUNE_TOKEN)")
    .option("--once", "take one job (if any is queued), then exit")
    .option("--work-dir <dir>", "where job files and trainer output go", ".edgetune/runner")
    .option("--ttl <seconds>", "lease length; the runner heartbeats every third of it", "120")
    .option("--no-compression", "take only fine-tuning jobs, not compression jobs left to runners")
    .option("--s3-endpoint <url>", "S3 API endpoint for artifacts (default: AWS's for the region)")
    .option("--s3-bucket <bucket>", "upload every artifact of a job to this bucket, under <prefix>/<job id>/")
    .option("--s3-prefix <prefix>", "key prefix in the bucket", "")
    .option("--s3-region <region>", "S3 region", "us-east-1")
    .option("--s3-access-key-id <id>", "S3 access key id (default: $AWS_ACCESS_KEY_ID)")
    .option("--s3-secret-access-key <secret>", "S3 secret access key (default: $AWS_SECRET_ACCESS_KEY)")
    .action(async (options: RunnerFlags) => {
      const token = options.token ?? process.env.EDGETUNE_TOKEN;
      if (!token) throw new CliError("a token is needed: --token or $EDGETUNE_TOKEN");
      const ttlSeconds = Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds < 5 || ttlSeconds > 3600) {
        throw new CliError("--ttl must be a whole number of seconds from 5 to 3600");
      }
      const s3 = s3Store(options);
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
          compression: options.compression,
          ...(s3 ? { s3 } : {}),
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
          const made = "kind" in o ? o.variants?.join(",") : o.fineTunedModel;
          process.stdout.write(
            `${o.id} ${o.status}${made ? ` ${made}` : ""}${o.error ? `: ${o.error}` : ""}\n`,
          );
        }
        if (outcomes.some((o) => o.status === "failed")) process.exitCode = 1;
      } finally {
        s3?.destroy();
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });
}
