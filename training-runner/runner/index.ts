// The runner: leases queued fine-tuning jobs from the edge API, downloads their files, runs the trainer,
// streams its events back in batches, heartbeats the lease, uploads the checkpoint (config, tokenizer,
// ONNX) as a model version and publishes it, then completes the job, or fails it with the error. A
// heartbeat answered 409 (the job was cancelled, or the lease was lost) stops the trainer. With an S3
// artifact store, every file of the job's output (checkpoint, ONNX, snapshots, the events log) is
// uploaded there and reported with the completion (the job's result_files); each snapshot goes up as
// soon as the trainer reports it, and its event reaches the API with its s3:// URI (the job's
// checkpoints list it), the events behind it waiting so they keep their order. Events are numbered
// under the lease and a batch whose answer is lost is sent again (event-sender.ts). When no fine-tuning
// job waits, the runner takes a compression job too large for the Worker (compression-job.ts).
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { ApiError, EdgetuneApi, type RunnerEvent, type RunnerLease } from "../../client/api-client.ts";
import type { SnapshotEvent, TrainerEvent } from "../events.ts";
import { runTrainer } from "../launch.ts";
import { type CompressionJobOutcome, runCompressionLease } from "./compression-job.ts";
import { EventSender } from "./event-sender.ts";
import {
  ArtifactStoreError,
  type S3ArtifactOptions,
  S3ArtifactStore,
  type UploadedArtifact,
} from "./s3-artifacts.ts";

export type { CompressionJobOutcome } from "./compression-job.ts";
export {
  ArtifactStoreError,
  type S3ArtifactOptions,
  S3ArtifactStore,
  type UploadedArtifact,
} from "./s3-artifacts.ts";

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
  /** Upload every artifact of a job to this S3 bucket (options, or a store to share). */
  s3?: S3ArtifactOptions | S3ArtifactStore;
  /** Also lease compression jobs too large for the Worker when no fine-tuning job waits (default true). */
  compression?: boolean;
}

export interface RunnerJobOutcome {
  id: string;
  status: "succeeded" | "failed" | "cancelled" | "lease-lost";
  fineTunedModel?: string;
  error?: string;
  /** Where the job's artifacts went, with an S3 store. */
  artifacts?: UploadedArtifact[];
}

export type RunnerOutcome = RunnerJobOutcome | CompressionJobOutcome;

/** The file the runner writes every trainer event of a job to (one JSON object a line), beside the checkpoint. */
export const EVENTS_LOG = "events.jsonl";

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
export async function runRunner(options: RunnerOptions): Promise<RunnerOutcome[]> {
  const api = clientOf(options);
  const ttl = options.ttlSeconds ?? 120;
  const s3 =
    options.s3 === undefined || options.s3 instanceof S3ArtifactStore
      ? options.s3
      : new S3ArtifactStore(options.s3);
  const jobOptions = s3 ? { ...options, s3 } : options;
  const outcomes: RunnerOutcome[] = [];
  try {
    while (!options.signal?.aborted) {
      const lease = await api.lease(ttl);
      const compression = !lease && options.compression !== false ? await api.leaseCompression(ttl) : null;
      if (lease) outcomes.push(await runLeasedJob(api, lease, jobOptions));
      else if (compression) {
        outcomes.push(
          await runCompressionLease(api, compression, {
            workDir: options.workDir,
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.log ? { log: options.log } : {}),
          }),
        );
      }
      if (options.once) break;
      if (!lease && !compression) await sleep(options.pollMs ?? 5000, options.signal);
    }
  } finally {
    if (s3 && s3 !== options.s3) s3.destroy();
  }
  return outcomes;
}

function toRunnerEvent(event: TrainerEvent): RunnerEvent {
  const { type, ...data } = event;
  return { type, data };
}

/**
 * Uploads a snapshot folder of the job's output as the trainer reports it; returns its event with the
 * folder's s3:// URI, or as the trainer wrote it when it lies outside the output folder or the upload
 * failed (the job's final upload then tries again, and fails the job if the store is unusable).
 */
async function uploadSnapshot(
  store: S3ArtifactStore,
  jobId: string,
  outDir: string,
  event: SnapshotEvent,
  done: Map<string, UploadedArtifact>,
  log: (line: string) => void,
): Promise<RunnerEvent> {
  const sent = toRunnerEvent(event);
  const inside = relative(resolve(outDir), resolve(event.path));
  if (inside === "" || inside.startsWith("..") || isAbsolute(inside)) return sent;
  const folder = inside.split(sep).join("/");
  try {
    await store.uploadFolder(jobId, outDir, { under: folder, done });
    return { ...sent, data: { ...sent.data, uri: store.uri(store.key(jobId, `${folder}/`)) } };
  } catch (err) {
    log(
      `could not upload the snapshot of step ${event.step} now (retried with the job's files): ${(err as Error).message}`,
    );
    return sent;
  }
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

  // events go up numbered, in batches, one request at a time, in order; a lost answer resends the batch
  const events = new EventSender({ send: (batch) => api.leaseEvents(lease.id, batch), log });
  const flush = () => events.flush();
  const flusher = setInterval(flush, options.flushMs ?? 1000);

  const outDir = join(dir, "out");
  const eventsLog = join(outDir, EVENTS_LOG);
  let store: S3ArtifactStore | undefined;
  // events wait here behind a snapshot's upload, so they reach the buffer in the trainer's order
  let ordered: Promise<void> = Promise.resolve();
  const uploaded = new Map<string, UploadedArtifact>();
  try {
    store =
      options.s3 === undefined || options.s3 instanceof S3ArtifactStore
        ? options.s3
        : new S3ArtifactStore(options.s3);
    // a store that cannot be written to fails the job now, not after hours of training
    await store?.check();
    mkdirSync(outDir, { recursive: true });
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
      outDir,
      signal: stop.signal,
      ...(options.python ? { python: options.python } : {}),
      ...(options.threads ? { threads: options.threads } : {}),
      onEvent: (event) => {
        options.onEvent?.(jobId, event);
        appendFileSync(eventsLog, `${JSON.stringify(event)}\n`);
        const up = store;
        ordered = ordered.then(async () => {
          const sent =
            event.type === "snapshot" && up
              ? await uploadSnapshot(up, jobId, outDir, event, uploaded, log)
              : toRunnerEvent(event);
          events.push(sent);
          if (events.fresh >= BATCH) void flush();
        });
      },
    });
    await ordered;
    await flush();

    let artifacts: UploadedArtifact[] | undefined;
    if (store) {
      artifacts = await store.uploadFolder(jobId, outDir, { done: uploaded });
      log(`uploaded ${artifacts.length} artifacts to s3://${store.options.bucket}/${store.key(jobId, "")}`);
    }

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
    const job = await api.completeLease(lease.id, {
      model_name: model,
      version,
      metrics,
      ...(artifacts
        ? { artifacts: artifacts.map(({ path, uri, sha256, size }) => ({ path, uri, sha256, size })) }
        : {}),
    });
    log(`${jobId} succeeded: ${job.fine_tuned_model}`);
    return {
      id: jobId,
      status: "succeeded",
      fineTunedModel: job.fine_tuned_model ?? `${model}@${version}`,
      ...(artifacts ? { artifacts } : {}),
    };
  } catch (err) {
    await ordered;
    await flush();
    if (err instanceof ApiError && String(err.problem?.type ?? "").endsWith("/job-cancelled")) {
      state.stopped = "cancelled";
    }
    if (state.stopped) return { id: jobId, status: state.stopped };
    const message = (err as Error).message;
    if (options.signal?.aborted) return { id: jobId, status: "lease-lost", error: message };
    log(`${jobId} failed: ${message}`);
    try {
      const code = err instanceof ArtifactStoreError ? "artifact_store_error" : "trainer_error";
      await api.failLease(lease.id, { message, code });
    } catch (failErr) {
      log(`could not report the failure: ${(failErr as Error).message}`);
    }
    return { id: jobId, status: "failed", error: message };
  } finally {
    clearInterval(heartbeat);
    clearInterval(flusher);
    if (store && store !== options.s3) store.destroy();
    options.signal?.removeEventListener("abort", onOuterAbort);
  }
}
