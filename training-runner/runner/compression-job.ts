// A compression job too large for the Worker, run on a runner: download the version's source ONNX
// (and its external data), run each recipe's passes (the same compression modules the Worker and
// `edgetune compress` run), verify every variant in onnxruntime-node against the source on sample
// inputs, upload it under the lease, then complete the job with the variants' manifest entries (the
// API adds them to the version in one step). Any failure fails the job and adds nothing.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  ApiError,
  type CompressedVariant,
  type CompressionLease,
  type EdgetuneApi,
} from "../../client/api-client.ts";
import {
  encodeModel,
  modelSummary,
  parseRecipe,
  preset,
  type Recipe,
  readModelFile,
  runRecipe,
} from "../../compression/node.ts";
import { sampleFeeds, verifyVariant } from "../../compression/verify/index.ts";
import { EventSender } from "./event-sender.ts";

export interface CompressionJobOptions {
  /** The job's files go to `<workDir>/<job id>/`. */
  workDir: string;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface CompressionJobOutcome {
  id: string;
  kind: "compression";
  status: "succeeded" | "failed" | "lease-lost";
  variants?: string[];
  error?: string;
}

/** Runs one leased compression job to its end; reports its own failure to the API instead of throwing. */
export async function runCompressionLease(
  api: EdgetuneApi,
  lease: CompressionLease,
  options: CompressionJobOptions,
): Promise<CompressionJobOutcome> {
  const log = options.log ?? (() => {});
  const jobId = lease.job.id;
  const dir = join(options.workDir, jobId);
  rmSync(dir, { recursive: true, force: true });
  log(`leased compression ${jobId} of ${lease.model}@${lease.version} (lease ${lease.id})`);
  const state = { lost: null as string | null };
  const heartbeat = setInterval(
    () => {
      api.compressionHeartbeat(lease.id, lease.ttl_seconds).catch((err: unknown) => {
        if (err instanceof ApiError && (err.status === 409 || err.status === 404)) state.lost = err.message;
        else log(`heartbeat failed (will retry): ${(err as Error).message}`);
      });
    },
    Math.max(1000, (lease.ttl_seconds * 1000) / 3),
  );
  // progress events are numbered under the lease and resent when an answer is lost (event-sender.ts)
  const events = new EventSender({
    send: (batch) => api.compressionEvents(lease.id, batch),
    maxBatch: 100,
    log,
  });
  const checkLive = () => {
    options.signal?.throwIfAborted();
    if (state.lost) throw new Error(`lease lost: ${state.lost}`);
  };
  try {
    const recipes: Recipe[] = lease.request.recipes.map((r) =>
      typeof r === "string" ? preset(r) : parseRecipe(r),
    );
    for (const file of lease.files) {
      const target = join(dir, "source", ...file.path.split("/"));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, await api.download(lease.model, lease.version, file.path));
    }
    const sourcePath = join(dir, "source", ...(lease.files[0]?.path ?? lease.request.source).split("/"));
    const model = await readModelFile(sourcePath);
    const original = encodeModel(model);
    const feeds = sampleFeeds(model);
    const variants: CompressedVariant[] = [];
    for (const recipe of recipes) {
      checkLive();
      events.push({ type: "variant.started", data: { name: recipe.name } });
      await events.flush();
      const result = await runRecipe(model, recipe);
      const bytes = encodeModel(result.model);
      // onnxruntime-node must load the variant and run it on the same inputs as the source
      const report = await verifyVariant({
        variant: recipe.name,
        original,
        compressed: bytes,
        model: result.model,
        feeds,
        latencyRuns: 0,
      });
      checkLive();
      const path = `onnx/${recipe.output}`;
      const stored = await api.uploadCompressionFile(lease.id, path, bytes);
      const summary = modelSummary(result.model);
      variants.push({
        file: { path, sha256: stored.sha256, size: stored.size },
        variant: {
          dtype: recipe.name,
          path,
          sha256: stored.sha256,
          size: stored.size,
          irVersion: summary.irVersion,
          opsets: summary.opsets,
          inputs: summary.inputs,
          outputs: summary.outputs,
        },
      });
      const maxAbsDiff = Math.max(0, ...Object.values(report.outputs).map((o) => o.maxAbsDiff));
      events.push({
        type: "variant.done",
        data: {
          name: recipe.name,
          path,
          sha256: stored.sha256,
          size: stored.size,
          sizeRatio: stored.size / original.byteLength,
          parameters: summary.parameterCount,
          top1Agreement: report.top1Agreement,
          maxAbsDiff,
          verifiedWith: "onnxruntime-node",
        },
      });
      await events.flush();
      log(
        `${jobId}: ${recipe.name} ${stored.size} bytes, top-1 agreement ${(100 * report.top1Agreement).toFixed(1)} %`,
      );
    }
    checkLive();
    await api.completeCompression(lease.id, variants);
    log(`${jobId} succeeded: ${variants.map((v) => v.variant.dtype).join(", ")}`);
    return {
      id: jobId,
      kind: "compression",
      status: "succeeded",
      variants: variants.map((v) => v.variant.dtype),
    };
  } catch (err) {
    const message = (err as Error).message;
    if (state.lost || options.signal?.aborted)
      return { id: jobId, kind: "compression", status: "lease-lost", error: message };
    log(`${jobId} failed: ${message}`);
    try {
      await api.failCompression(lease.id, message);
    } catch (failErr) {
      log(`could not report the failure: ${(failErr as Error).message}`);
    }
    return { id: jobId, kind: "compression", status: "failed", error: message };
  } finally {
    clearInterval(heartbeat);
  }
}
