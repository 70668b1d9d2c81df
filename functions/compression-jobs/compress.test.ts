import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { decodeModel, encodeModel, modelSummary, preset, runRecipe } from "../../compression/index.ts";
import { api, problemOf, publish, sha256Hex, stage } from "../../test/workers/api.ts";
import config from "../inference/fixtures/tiny-spam/config.json";
import expected from "../inference/fixtures/tiny-spam/expected.json";
import modelBytes from "../inference/fixtures/tiny-spam/model.onnx";
import tokenizerJson from "../inference/fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "../inference/fixtures/tiny-spam/tokenizer_config.json";
import { InferResponse } from "../inference/schemas.ts";
import { Job, JobEventList } from "../jobs/schemas.ts";
import { Manifest } from "../schemas.ts";
import type { CompressionLease } from "./schemas.ts";

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

describe("compression jobs too large for the Worker", () => {
  const leaseOf = (res: Response) => res.json() as Promise<CompressionLease>;

  it("leaves a model above the limit queued for a runner, which leases it and adds its variants", async () => {
    await stage("spam-large", "1.0.0", files);
    expect((await publish("spam-large", "1.0.0")).status).toBe(201);
    const limit = modelBytes.byteLength - 1; // the fixture is one byte over: a "large" model here
    const previous = env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES;
    env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = String(limit);
    let queued: Job;
    try {
      const res = await api("/v1/models/spam-large/versions/1.0.0/compress", {
        method: "POST",
        token: "write",
        ...json({ recipes: ["q4"] }),
      });
      expect(res.status).toBe(202);
      queued = Job.parse(await res.json());
    } finally {
      env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = previous;
    }

    // the Queue consumer never starts it: it waits, queued, for a runner
    await new Promise((r) => setTimeout(r, 1500));
    const waiting = Job.parse(await (await api(`/v1/jobs/${queued.id}`, { token: "read" })).json());
    expect(waiting.status).toBe("queued");
    const before = JobEventList.parse(
      await (await api(`/v1/jobs/${queued.id}/events`, { token: "read" })).json(),
    );
    expect(before.data.map((e) => [e.type, e.data])).toEqual([
      ["queued.runner", { size: modelBytes.byteLength, limit }],
    ]);

    // a read token cannot lease; a write token leases it, with the source to download
    await problemOf(await api("/v1/runner/compression-leases", { method: "POST", token: "read" }), 403);
    const leased = await api("/v1/runner/compression-leases", {
      method: "POST",
      token: "write",
      ...json({ ttl_seconds: 60 }),
    });
    expect(leased.status).toBe(201);
    const lease = await leaseOf(leased);
    expect(lease.job.id).toBe(queued.id);
    expect(lease.job.status).toBe("running");
    expect(lease.request.recipes).toEqual(["q4"]);
    expect(lease.files.map((f) => [f.path, f.size])).toEqual([["onnx/model.onnx", modelBytes.byteLength]]);
    const source = await api(new URL(lease.files[0]?.url ?? "").pathname, { token: "write" });
    expect(new Uint8Array(await source.arrayBuffer())).toEqual(new Uint8Array(modelBytes));
    // nothing else waits
    expect((await api("/v1/runner/compression-leases", { method: "POST", token: "write" })).status).toBe(204);

    // the runner's variant: the same passes the Worker runs (q4: no other test made these bytes)
    const { model } = await runRecipe(decodeModel(new Uint8Array(modelBytes)), preset("q4"));
    const bytes = encodeModel(model);
    const sha256 = await sha256Hex(bytes);
    const summary = modelSummary(model);
    const entry = {
      file: { path: "onnx/model_q4.onnx", sha256, size: bytes.byteLength },
      variant: {
        dtype: "q4",
        path: "onnx/model_q4.onnx",
        sha256,
        size: bytes.byteLength,
        irVersion: summary.irVersion,
        opsets: summary.opsets,
        inputs: summary.inputs,
        outputs: summary.outputs,
      },
    };
    const base = `/v1/runner/compression-leases/${lease.id}`;
    // completing before the bytes are uploaded is refused, and changes nothing
    const early = await api(`${base}/complete`, {
      method: "POST",
      token: "write",
      ...json({ variants: [entry] }),
    });
    expect((await problemOf(early, 409)).detail).toMatch(/was not uploaded/);
    const put = await api(`${base}/files/onnx/model_q4.onnx`, {
      method: "PUT",
      token: "write",
      body: bytes,
    });
    expect(put.status).toBe(201);
    expect(await put.json()).toEqual({ path: "onnx/model_q4.onnx", sha256, size: bytes.byteLength });
    const events = await api(`${base}/events`, {
      method: "POST",
      token: "write",
      ...json({ events: [{ type: "variant.done", data: { name: "q4", size: bytes.byteLength } }] }),
    });
    expect(events.status).toBe(201);
    const done = await api(`${base}/complete`, {
      method: "POST",
      token: "write",
      ...json({ variants: [entry] }),
    });
    expect(done.status).toBe(200);
    expect(Job.parse(await done.json())).toMatchObject({ status: "succeeded", error: null });

    const manifest = Manifest.parse(
      await (await api("/v1/models/spam-large/manifest", { token: "read" })).json(),
    );
    expect(manifest.variants.find((v) => v.dtype === "q4")?.sha256).toBe(sha256);
    const download = await api("/spam-large/resolve/1.0.0/onnx/model_q4.onnx", { token: "read" });
    expect(await sha256Hex(new Uint8Array(await download.arrayBuffer()))).toBe(sha256);
    // the lease is spent: a heartbeat hears the job is finished
    const late = await api(`${base}/heartbeat`, { method: "POST", token: "write" });
    expect((await problemOf(late, 409)).type).toMatch(/job-finished$/);
    await problemOf(
      await api("/v1/runner/compression-leases/clease-nope/heartbeat", { method: "POST", token: "write" }),
      404,
    );
  }, 120_000);

  it("a runner's failure fails the job and adds nothing", async () => {
    await stage("spam-large-fail", "1.0.0", files);
    expect((await publish("spam-large-fail", "1.0.0")).status).toBe(201);
    const previous = env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES;
    env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = "1";
    try {
      const res = await api("/v1/models/spam-large-fail/versions/1.0.0/compress", {
        method: "POST",
        token: "write",
        ...json({ recipes: ["q8"] }),
      });
      expect(res.status).toBe(202);
    } finally {
      env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = previous;
    }
    const lease = await leaseOf(
      await api("/v1/runner/compression-leases", { method: "POST", token: "write" }),
    );
    const failed = await api(`/v1/runner/compression-leases/${lease.id}/fail`, {
      method: "POST",
      token: "write",
      ...json({ error: "onnxruntime refused the q8 variant" }),
    });
    expect(Job.parse(await failed.json())).toMatchObject({
      status: "failed",
      error: "onnxruntime refused the q8 variant",
    });
    const manifest = Manifest.parse(
      await (await api("/v1/models/spam-large-fail/manifest", { token: "read" })).json(),
    );
    expect(manifest.variants.map((v) => v.dtype)).toEqual(["fp32"]);
  });
});
