import { describe, expect, it } from "vitest";
import { api, problemOf, publish, stage } from "../../test/workers/api.ts";
import config from "../inference/fixtures/tiny-spam/config.json";
import expected from "../inference/fixtures/tiny-spam/expected.json";
import modelBytes from "../inference/fixtures/tiny-spam/model.onnx";
import tokenizerJson from "../inference/fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "../inference/fixtures/tiny-spam/tokenizer_config.json";
import { InferResponse } from "../inference/schemas.ts";
import { Job, JobEventList } from "../jobs/schemas.ts";
import { Manifest } from "../schemas.ts";

const files = {
  "config.json": JSON.stringify(config),
  "tokenizer.json": JSON.stringify(tokenizerJson),
  "tokenizer_config.json": JSON.stringify(tokenizerConfig),
  "onnx/model.onnx": new Uint8Array(modelBytes),
};

const json = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
});

async function waitForJob(id: string): Promise<Job> {
  for (let i = 0; i < 600; i++) {
    const job = Job.parse(await (await api(`/v1/jobs/${id}`, { token: "read" })).json());
    if (job.status === "succeeded" || job.status === "failed") return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`job ${id} did not finish`);
}

describe("compression jobs", () => {
  it("queues a job whose consumer adds smaller variants that still classify like fp32", async () => {
    await stage("spam-compress", "1.0.0", files);
    expect((await publish("spam-compress", "1.0.0")).status).toBe(201);

    const res = await api("/v1/models/spam-compress/versions/1.0.0/compress", {
      method: "POST",
      token: "write",
      ...json({ recipes: ["fp16", "q8"] }),
    });
    expect(res.status).toBe(202);
    const queued = Job.parse(await res.json());
    expect(res.headers.get("location")).toBe(`/v1/jobs/${queued.id}`);
    expect(queued.status).toBe("queued");

    const done = await waitForJob(queued.id);
    expect(done.error).toBeNull();
    expect(done.status).toBe("succeeded");
    const events = JobEventList.parse(
      await (await api(`/v1/jobs/${queued.id}/events`, { token: "read" })).json(),
    );
    expect(events.data.map((e) => e.type)).toEqual([
      "started",
      "variant.started",
      "variant.done",
      "variant.started",
      "variant.done",
      "succeeded",
    ]);

    // the version now lists the variants, each smaller than the fp32 file, downloadable by its path
    const manifest = Manifest.parse(
      await (await api("/v1/models/spam-compress/manifest", { token: "read" })).json(),
    );
    const byDtype = Object.fromEntries(manifest.variants.map((v) => [v.dtype, v]));
    expect(Object.keys(byDtype).sort()).toEqual(["fp16", "fp32", "q8"]);
    expect(byDtype.fp16?.path).toBe("onnx/model_fp16.onnx");
    expect(byDtype.q8?.path).toBe("onnx/model_quantized.onnx");
    expect(byDtype.fp16?.size).toBeLessThan((byDtype.fp32?.size ?? 0) * 0.6);
    expect(byDtype.q8?.size).toBeLessThan(byDtype.fp32?.size ?? 0);
    const download = await api("/spam-compress/resolve/1.0.0/onnx/model_quantized.onnx", { token: "read" });
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(byDtype.q8?.size);

    // and each variant answers inference through the Worker, agreeing with fp32 on the samples
    for (const variant of ["fp16", "q8"]) {
      const r = await api("/v1/models/spam-compress/infer", {
        method: "POST",
        token: "read",
        ...json({ texts: expected.samples, variant, truncation: true }),
      });
      const body = InferResponse.parse(await r.json());
      expect(body.variant).toBe(variant);
      const agree = body.predictions.filter((p, i) => p.label === expected.predictions[i]?.label).length;
      expect(agree / expected.samples.length).toBeGreaterThanOrEqual(15 / 16);
    }
  }, 120_000);

  it("refuses bad recipes and unknown versions before queueing anything", async () => {
    const bad = await api("/v1/models/spam-compress/versions/1.0.0/compress", {
      method: "POST",
      token: "write",
      ...json({ recipes: ["q3"] }),
    });
    expect((await problemOf(bad, 400)).detail).toMatch(/unknown preset "q3"/);
    const missing = await api("/v1/models/nope/versions/1.0.0/compress", {
      method: "POST",
      token: "write",
      ...json({ recipes: ["q8"] }),
    });
    await problemOf(missing, 404);
    const unauthorized = await api("/v1/models/nope/versions/1.0.0/compress", {
      method: "POST",
      token: "read",
      ...json({ recipes: ["q8"] }),
    });
    await problemOf(unauthorized, 403);
    await problemOf(await api("/v1/jobs/job_0123", { token: "read" }), 404);
  });
});
