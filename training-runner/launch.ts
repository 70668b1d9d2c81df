// Runs the Python trainer (`python -m trainer`) on a job, streaming its JSON-lines events.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { z } from "zod";
import { type DoneMetrics, parseEventLine, type TrainerEvent } from "./events.ts";
import { type Job, type JobInput, loadJobFile, parseJob, resolveJobPaths } from "./job.ts";
import { pythonEnvironment, repoRoot } from "./python-env.ts";

export interface RunTrainerOptions {
  /** A job object, validated against the zod job schema at run time (JobInput is its shape; relative
   * dataset paths resolve against `cwd`), or the path of a job file (relative dataset paths resolve against
   * the file's folder). */
  job: JobInput | Record<string, unknown> | string;
  /** Output folder: job.json, model/ (checkpoint) and model/onnx/model.onnx land here. Created if needed. */
  outDir: string;
  /** Called with every event, in order, as it arrives. If it throws, the run is stopped and rejects. */
  onEvent?: (event: TrainerEvent) => void;
  /** Aborting kills the trainer (SIGTERM, then SIGKILL after 5 s) and rejects with the signal's reason. */
  signal?: AbortSignal;
  /** Compute threads for the trainer (default: the cores this process may use). */
  threads?: number;
  /** The Python interpreter (default: pythonEnvironment()). */
  python?: string;
  /** Folder that a job object's relative paths are relative to (default: process.cwd()). */
  cwd?: string;
  /** Data-parallel processes (default 1): above 1 the trainer runs under torchrun (PyTorch DDP; gloo on CPU,
   * one GPU per process on CUDA), each process on its slice of every batch; the threads are shared out. */
  nproc?: number;
}

export interface TrainerRun {
  /** The `done` event's metrics. */
  metrics: DoneMetrics;
  job: Job;
  outDir: string;
  /** The job as the trainer read it (defaults filled in, absolute dataset paths). */
  jobPath: string;
  /** The transformers checkpoint folder (config.json, model.safetensors, tokenizer.json, tokenizer_config.json). */
  modelDir: string;
  /** The verified ONNX export. */
  onnxPath: string;
  events: TrainerEvent[];
}

/** The trainer failed: its exit code (2: bad job or dataset), and the last lines it wrote to stderr. */
export class TrainerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderrTail: string[],
  ) {
    super(message);
    this.name = "TrainerError";
  }
}

const STDERR_LINES_KEPT = 40;

export const nprocSchema = z.int().min(1).max(1024);

/** PyTorch's own launcher (torchrun) in front of the trainer for data-parallel runs; only rank 0 writes events,
 * so stdout carries one stream either way. */
function torchrun(nproc: number): string[] {
  return nproc > 1 ? ["-m", "torch.distributed.run", "--standalone", `--nproc_per_node=${nproc}`] : [];
}
const KILL_GRACE_MS = 5000;

export async function runTrainer(options: RunTrainerOptions): Promise<TrainerRun> {
  options.signal?.throwIfAborted();
  const nproc = nprocSchema.parse(options.nproc ?? 1);
  const job =
    typeof options.job === "string"
      ? loadJobFile(options.job)
      : resolveJobPaths(parseJob(options.job), options.cwd ?? process.cwd());
  const outDir = resolve(options.outDir);
  mkdirSync(outDir, { recursive: true });
  const jobPath = join(outDir, "job.json");
  writeFileSync(jobPath, `${JSON.stringify(job, null, 2)}\n`);

  const threads = String(Math.max(1, Math.floor((options.threads ?? availableParallelism()) / nproc)));
  const trainerPath = join(repoRoot, "training-runner");
  const child = spawn(
    options.python ?? pythonEnvironment(),
    [...torchrun(nproc), "-m", "trainer", "--job", jobPath, "--out", outDir],
    {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        PYTHONPATH: [trainerPath, process.env.PYTHONPATH].filter(Boolean).join(delimiter),
        PYTHONUNBUFFERED: "1",
        PYTHONIOENCODING: "utf-8",
        // one compute thread per core and no nested BLAS threads: oversubscription slows training several times
        OMP_NUM_THREADS: threads,
        MKL_NUM_THREADS: threads,
        RAYON_NUM_THREADS: threads,
        OPENBLAS_NUM_THREADS: "1",
      },
    },
  );

  return new Promise<TrainerRun>((resolvePromise, reject) => {
    const events: TrainerEvent[] = [];
    const stderrTail: string[] = [];
    // under torchrun the launcher's report (40-odd lines) follows the trainer's own one-line message, and the
    // launcher exits 1 whatever the trainer's code was: keep both from the stream
    let trainerMessage: string | undefined;
    let workerExitCode: number | undefined;
    let failure: Error | undefined;
    let killTimer: NodeJS.Timeout | undefined;

    const stop = (error: Error) => {
      failure ??= error;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        killTimer = setTimeout(() => child.kill("SIGKILL"), KILL_GRACE_MS);
        killTimer.unref();
      }
    };
    const onAbort = () => stop(abortReason(options.signal));
    options.signal?.addEventListener("abort", onAbort, { once: true });

    createInterface({ input: child.stdout }).on("line", (line) => {
      if (failure) return;
      try {
        const event = parseEventLine(line);
        events.push(event);
        options.onEvent?.(event);
      } catch (error) {
        stop(error as Error);
      }
    });
    createInterface({ input: child.stderr }).on("line", (line) => {
      const text = line.slice(line.lastIndexOf("\r") + 1).trimEnd(); // progress bars redraw with \r
      if (text === "") return;
      stderrTail.push(text);
      if (stderrTail.length > STDERR_LINES_KEPT) stderrTail.shift();
      if (text.startsWith("trainer: ")) trainerMessage = text;
      const exit = nproc > 1 ? /^\s*exitcode\s*:\s*(\d+)/.exec(text) : null;
      if (exit) workerExitCode = Number(exit[1]); // the last one is the root cause's
    });

    child.on("error", (error) =>
      stop(new TrainerError(`cannot start the trainer: ${error.message}`, null, [])),
    );
    child.on("close", (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener("abort", onAbort);
      if (failure) return reject(failure);
      const last = trainerMessage ?? stderrTail[stderrTail.length - 1] ?? "(no output on stderr)";
      if (code !== 0) {
        const exitCode = code !== null && workerExitCode !== undefined ? workerExitCode : code;
        const how = signal ? `was killed by ${signal}` : `exited with code ${exitCode}`;
        return reject(new TrainerError(`trainer ${how}: ${last}`, exitCode, stderrTail));
      }
      const done = events.find((e) => e.type === "done");
      const checkpoint = events.find((e) => e.type === "checkpoint");
      const exported = events.find((e) => e.type === "export");
      if (!done || !checkpoint || !exported) {
        return reject(
          new TrainerError(
            `trainer exited without its checkpoint, export and done events: ${last}`,
            code,
            stderrTail,
          ),
        );
      }
      resolvePromise({
        metrics: done.metrics,
        job,
        outDir,
        jobPath,
        modelDir: checkpoint.path,
        onnxPath: exported.path,
        events,
      });
    });
  });
}

function abortReason(signal: AbortSignal | undefined): Error {
  const reason: unknown = signal?.reason;
  return reason instanceof Error ? reason : new DOMException("the training run was aborted", "AbortError");
}
