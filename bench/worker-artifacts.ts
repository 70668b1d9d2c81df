// Artifact path through the edge API in local workerd (functions/local.ts): upload throughput with a
// known length (one streamed put) and chunked (multipart), publish latency (validation + manifest +
// commit) and download throughput (full and ranged). Timings of one machine, reported, never asserted.
// Writes bench/results/worker-artifacts.json.
//
//   node --import tsx bench/worker-artifacts.ts        (EDGETUNE_BENCH_MB sets the file size, default 32)
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { startLocalWorker } from "../functions/local.ts";
import { writeResult } from "./report.ts";

const MB = Number(process.env.EDGETUNE_BENCH_MB ?? 32);
const token = "bench-token";
const auth = { authorization: `Bearer ${token}` };
const stateDir = mkdtempSync(join(tmpdir(), "edgetune-bench-"));

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

function chunked(bytes: Uint8Array, chunk = 1 << 20): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.subarray(offset, offset + chunk));
      offset += chunk;
    },
  });
}

const worker = await startLocalWorker({ stateDir, devToken: token });
try {
  const base = `${worker.url}/v1/models/bench/versions/1/files`;
  const data = new Uint8Array(MB * 1024 * 1024).map((_, i) => (i * 2654435761) >>> 24);
  const put = (path: string, body: RequestInit["body"], extra: RequestInit = {}) =>
    fetch(`${base}/${path}`, { method: "PUT", body, headers: auth, ...extra }).then(async (r) => {
      if (r.status !== 201) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return r.json();
    });

  const known = await timed(() => put("weights.bin", data));
  const stream = await timed(() =>
    put("weights-chunked.bin", chunked(data.map((b) => b ^ 1)), { duplex: "half" } as RequestInit),
  );
  await put("config.json", '{"model_type":"bert"}');
  await put("onnx/model.onnx", new Uint8Array(readFileSync("compression/fixtures/int4-matmul/model.onnx")));
  const publish = await timed(() =>
    fetch(`${worker.url}/v1/models/bench/versions/1/publish`, { method: "POST", headers: auth }).then(
      (r) => r.status,
    ),
  );
  const download = await timed(() =>
    fetch(`${worker.url}/bench/resolve/1/weights.bin`, { headers: auth }).then((r) => r.arrayBuffer()),
  );
  const ranged = await timed(() =>
    fetch(`${worker.url}/bench/resolve/1/weights.bin`, {
      headers: { ...auth, range: "bytes=0-1048575" },
    }).then((r) => r.arrayBuffer()),
  );
  const mbps = (ms: number) => Math.round((MB / (ms / 1000)) * 10) / 10;
  const result = {
    fileMiB: MB,
    uploadKnownLength: { ms: Math.round(known.ms), MiBps: mbps(known.ms) },
    uploadChunked: { ms: Math.round(stream.ms), MiBps: mbps(stream.ms) },
    publish: { status: publish.value, ms: Math.round(publish.ms) },
    download: { bytes: download.value.byteLength, ms: Math.round(download.ms), MiBps: mbps(download.ms) },
    range1MiB: { bytes: ranged.value.byteLength, ms: Math.round(ranged.ms) },
  };
  writeResult("worker-artifacts", result);
  console.log(JSON.stringify(result, null, 2));
} finally {
  await worker.stop();
  rmSync(stateDir, { recursive: true, force: true });
}
