// A compression job too large for the Worker, end to end: the edge API in workerd with a tiny limit
// (EDGETUNE_WORKER_COMPRESSION_MAX_BYTES) leaves the job queued; the runner leases it, downloads the
// version's ONNX, makes the variants with the compression modules, verifies them in onnxruntime-node,
// uploads them under its lease and completes the job; the variants join the version, download with the
// runner's bytes, and classify through the Worker like fp32.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgetuneApi } from "../../client/api-client.ts";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import { runRunner } from "../../training-runner/runner/index.ts";

const TOKEN = "et_runner_compression_test_5e1b";
const FIXTURE = "functions/inference/fixtures/tiny-spam";
const LIMIT = 64 * 1024; // the fixture's model (~700 KiB) counts as large here
const dir = mkdtempSync(join(tmpdir(), "edgetune-runner-compress-"));
let worker: LocalWorker;
let api: EdgetuneApi;

beforeAll(async () => {
  worker = await startLocalWorker({
    port: 0,
    stateDir: join(dir, "state"),
    devToken: TOKEN,
    vars: { EDGETUNE_WORKER_COMPRESSION_MAX_BYTES: String(LIMIT) },
  });
  api = new EdgetuneApi(worker.url, TOKEN);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("runner compression jobs", () => {
  it("completes a large model's compression job that the Worker left queued", async () => {
    for (const file of ["config.json", "tokenizer.json", "tokenizer_config.json", "model.onnx"]) {
      const bytes = new Uint8Array(readFileSync(join(FIXTURE, file)));
      await api.uploadFile("spam-big", "1.0.0", file === "model.onnx" ? "onnx/model.onnx" : file, bytes);
    }
    await api.publish("spam-big", "1.0.0");
    const queued = await api.compress("spam-big", "1.0.0", ["q8", "fp16"]);
    // the Worker does not run it
    await new Promise((r) => setTimeout(r, 1000));
    expect((await api.job(queued.id)).status).toBe("queued");
    const waiting = await api.jobEvents(queued.id);
    expect(waiting.map((e) => e.type)).toEqual(["queued.runner"]);

    // a runner taking only fine-tuning jobs leaves it alone
    expect(await runRunner({ api, workDir: join(dir, "work"), once: true, compression: false })).toEqual([]);
    const outcomes = await runRunner({ api, workDir: join(dir, "work"), once: true });
    expect(outcomes).toEqual([
      { id: queued.id, kind: "compression", status: "succeeded", variants: ["q8", "fp16"] },
    ]);

    const job = await api.job(queued.id);
    expect(job.status).toBe("succeeded");
    const events = await api.jobEvents(queued.id);
    const done = events.filter((e) => e.type === "variant.done").map((e) => e.data);
    expect(done.map((d) => d.name)).toEqual(["q8", "fp16"]);
    for (const d of done) {
      expect(d.verifiedWith).toBe("onnxruntime-node");
      expect(d.sizeRatio as number).toBeLessThan(0.6);
      expect(d.top1Agreement as number).toBeGreaterThanOrEqual(0.9);
    }
    expect(events.at(-1)?.type).toBe("succeeded");

    // the version lists them; each downloads as the runner made it and is smaller than fp32
    const manifest = await api.manifest("spam-big", "1.0.0");
    const byDtype = Object.fromEntries(manifest.variants.map((v) => [v.dtype, v]));
    expect(Object.keys(byDtype).sort()).toEqual(["fp16", "fp32", "q8"]);
    for (const d of done) {
      const variant = byDtype[d.name as string];
      expect(variant?.sha256).toBe(d.sha256);
      const bytes = await api.download("spam-big", "1.0.0", variant?.path ?? "");
      expect(bytes.byteLength).toBe(variant?.size);
      expect(bytes.byteLength).toBeLessThan((byDtype.fp32?.size ?? 0) * 0.6);
    }

    // and they classify through the Worker like fp32 does
    const expected = JSON.parse(readFileSync(join(FIXTURE, "expected.json"), "utf8")) as {
      samples: string[];
      predictions: { label: string }[];
    };
    for (const variant of ["q8", "fp16"]) {
      const answer = await api.infer("spam-big", { texts: expected.samples, variant, truncation: true });
      const agree = answer.predictions.filter((p, i) => p.label === expected.predictions[i]?.label).length;
      expect(agree / expected.samples.length).toBeGreaterThanOrEqual(15 / 16);
    }
  }, 300_000);
});
