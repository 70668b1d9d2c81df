// Which compression jobs the Worker runs and which wait for a runner. A Worker holds the source
// model, every variant and the protobuf decoding of each in one isolate's 128 MiB; above a size
// limit (EDGETUNE_WORKER_COMPRESSION_MAX_BYTES, default 32 MiB) the job is left queued for a runner
// (edgetune runner), which leases it through compression-jobs/leases.ts and runs the same passes.
import type { Env } from "../env.ts";

export const DEFAULT_WORKER_COMPRESSION_MAX_BYTES = 32 * 1024 * 1024;

/** The largest source model (with its external data) the Worker compresses itself, in bytes. */
export function workerCompressionLimit(env: Pick<Env, "EDGETUNE_WORKER_COMPRESSION_MAX_BYTES">): number {
  const raw = env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES;
  if (raw === undefined || raw === "") return DEFAULT_WORKER_COMPRESSION_MAX_BYTES;
  const limit = Number(raw);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new Error(`EDGETUNE_WORKER_COMPRESSION_MAX_BYTES must be a byte count, not ${JSON.stringify(raw)}`);
  }
  return limit;
}

export interface SourceFile {
  path: string;
  sha256: string;
  size: number;
}

/**
 * The source ONNX file of a published version and its external data files (ONNX names them by
 * location beside the model; the exporters write `<model>.onnx.data` or `<model>.onnx_data`).
 * The source comes first; null when the version has no such file.
 */
export async function sourceFiles(
  db: D1Database,
  model: string,
  version: string,
  source: string,
): Promise<SourceFile[] | null> {
  const { results } = await db
    .prepare(
      `SELECT path, sha256, size FROM files WHERE model = ?1 AND version = ?2
       AND (path = ?3 OR path = ?3 || '.data' OR path = ?3 || '_data') ORDER BY path = ?3 DESC, path`,
    )
    .bind(model, version, source)
    .all<SourceFile>();
  return results[0]?.path === source ? results : null;
}
