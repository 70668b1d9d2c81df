// The runner: leases queued fine-tuning jobs from the edge API, downloads their files, runs the trainer,
// streams its events back in batches, heartbeats the lease, uploads the checkpoint (config, tokenizer,
// ONNX) as a model version and publishes it, then completes the job, or fails it with the error. A
// heartbeat answered 409 (the job was cancelled, or the lease was lost) stops the trainer.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, EdgetuneApi, type RunnerEvent, type RunnerLease } from "../../client/api-client.ts";
import type { TrainerEvent } from "../events.ts";
import { runTrainer } from "../launch.ts";

/** The checkpoint files a version needs, relative to the trainer's model folder. */
export const CHECKPOINT_FILES = ["config.json", "tokenizer.json", "tokenizer_config.json", "onnx/model.onnx"];

export interface RunnerOptions {
  /** The API: its base URL (with `token`), or a client. */
  api: string | EdgetuneApi;
  /** A bearer token with the write scope (when `api` is a URL). */
  token?: string;
  /** Each job's files and trainer output go to `<workDir>/<job id>/`. */
  workDir: string;
  /** Take at most one job; return at once when none is queued. */
  once?: boolean;
  /** Aborting stops the trainer and the loop; the leased job is left to expire and be re-queued. */
  signal?: AbortSignal;
  /** Lease length (default 120 s); the runner heartbeats every third of it. */
  ttlSeconds?: number;
  /** Wait between lease attempts when the queue is empty (default 5 s). */
  pollMs?: number;
  /** Send buffered events at least this often (default 1 s), or when 50 are waiting. */
  flushMs?: number;
  /** Called with every trainer event of every job. */
  onEvent?: (jobId: string, event: TrainerEvent) => void;
  /** One line of progress per call. */
  log?: (line: string) => void;
  /** Passed to runTrainer. */
  python?: string;
  threads?: number;
}

export interface RunnerJobOutcome {
  id: string;
  status: "succeeded" | "failed" | "cancelled" | "lease-lost";
  fineTunedModel?: string;
  error?: string;
}

const BATCH = 50;

function clientOf(options: RunnerOptions): EdgetuneApi {
  return typeof options.api === "string"
    ? new EdgetuneApi(options.api.replace(/\/+$/, ""), options.token)
    : options.api;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/** Leases and runs jobs until aborted (or, with `once`, after one job or an empty queue). */
export async function runRunner(options: RunnerOptions): Promise<RunnerJobOutcome[]> {
  const api = clientOf(options);
  const ttl = options.ttlSeconds ?? 120;
  const outcomes: RunnerJobOutcome[] = [];
  while (!options.signal?.aborted) {
    const lease = await api.lease(ttl);
    if (lease) {
      outcomes.push(await runLeasedJob(api, lease, options));
      if (options.once) break;
    } else {
      if (options.once) break;
      await sleep(options.pollMs ?? 5000, options.signal);
    }
  }
  return outcomes;
}

function toRunnerEvent(event: TrainerEvent): RunnerEvent {
  const { type, ...data } = event;
  return { type, data };
}

/** Runs one leased job to its end; never throws for the job's own failure (it is reported as failed). */
export async function runLeasedJob(
  api: EdgetuneApi,
  lease: RunnerLease,
  options: RunnerOptions,
): Promise<RunnerJobOutcome> {
  const log = options.log ?? (() => {});
  const jobId = lease.job.id;
  const dir = join(options.workDir, jobId);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "data"), { recursive: true });
  log(`leased ${jobId} (lease ${lease.id}, attempt ${lease.job.edgetune.attempts})`);

  const stop = new AbortController();
  const state: { stopped: RunnerJobOutcome["status"] | null } = { stopped: null };
  const onOuterAbort = () => stop.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  // heartbeats: a 409 or 404 means the job is no longer ours to run
  const ttl = lease.ttl_seconds;
  const heartbeat = setInterval(
    () => {
      api.heartbeat(lease.id, ttl).catch((err: unknown) => {
        if (!(err instanceof ApiError) || (err.status !== 409 && err.status !== 404)) {
          log(`heartbeat failed (will retry): ${(err as Error).message}`);
          return;
        }
        const slug = String(err.problem?.type ?? "");
        state.stopped = slug.endsWith("/job-cancelled") ? "cancelled" : "lease-lost";
        log(`stopping ${jobId}: ${err.message}`);
        stop.abort(new Error(`job ${state.stopped}`));
      });
    },
    Math.max(1000, (ttl * 1000) / 3),
  );

  // events go up in batches, one request at a time, in order
  let buffer: RunnerEvent[] = [];
  let sending: Promise<void> = Promise.resolve();
  const flush = () => {
    if (buffer.length === 0) return sending;
    const batch = buffer;
    buffer = [];
    sending = sending.then(() =>
      api.leaseEvents(lease.id, batch).then(
        () => {},
        (err: unknown) => log(`could not send ${batch.length} events: ${(err as Error).message}`),
      ),
    );
    return sending;
  };
  const flusher = setInterval(flush, options.flushMs ?? 1000);

  try {
    const data: Record<string, unknown> = { ...lease.trainer_job.data };
    const trainPath = join(dir, "data", "train.jsonl");
    writeFileSync(trainPath, await api.fileContent(lease.files.training.id));
    data.train = trainPath;
    if (lease.files.validation) {
      const validationPath = join(dir, "data", "validation.jsonl");
      writeFileSync(validationPath, await api.fileContent(lease.files.validation.id));
      data.validation = validationPath;
    }
    const run = await runTrainer({
      job: { ...lease.trainer_job, data },
      outDir: join(dir, "out"),
      signal: stop.signal,
      ...(options.python ? { python: options.python } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      onEvent: (event) => {
        options.onEvent?.(jobId, event);
        buffer.push(toRunnerEvent(event));
        if (buffer.length >= BATCH) void flush();
      },
    });
    await flush();

    const { model, version } = lease.output;
    let published = true;
    try {
      await api.manifest(model, version); // a retried job may have published before it was lost
    } catch (err) {
      if (!(err instanceof ApiError) || err.status !== 404) throw err;
      published = false;
    }
    if (!published) {
      for (const file of CHECKPOINT_FILES) {
        const bytes = readFileSync(file === "onnx/model.onnx" ? run.onnxPath : join(run.modelDir, file));
        await api.uploadFile(model, version, file, bytes);
      }
      await api.publish(model, version);
      log(`published ${model}@${version}`);
    }
    const metrics = Object.fromEntries(
      Object.entries(run.metrics).filter((e): e is [string, number] => Number.isFinite(e[1])),
    );
    const job = await api.completeLease(lease.id, { model_name: model, version, metrics });
    log(`${jobId} succeeded: ${job.fine_tuned_model}`);
    return { id: jobId, status: "succeeded", fineTunedModel: job.fine_tuned_model ?? `${model}@${version}` };
  } catch (err) {
    await flush();
    if (err instanceof ApiError && String(err.problem?.type ?? "").endsWith("/job-cancelled")) {
      state.stopped = "cancelled";
    }
    if (state.stopped) return { id: jobId, status: state.stopped };
    const message = (err as Error).message;
    if (options.signal?.aborted) return { id: jobId, status: "lease-lost", error: message };
    log(`${jobId} failed: ${message}`);
    try {
      await api.failLease(lease.id, { message, code: "trainer_error" });
    } catch (failErr) {
      log(`could not report the failure: ${(failErr as Error).message}`);
    }
    return { id: jobId, status: "failed", error: message };
  } finally {
    clearInterval(heartbeat);
    clearInterval(flusher);
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
