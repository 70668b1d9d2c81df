// The per-isolate manifest and model caches must never serve a stale answer: a version published after
// the caches were warm is served at once (labels from its own config.json), an older version pinned by
// the caller still gets its own files, and variants added to a version are found on the next request.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, publish, sha256Hex, stage } from "../../test/workers/api.ts";
import { addVariants } from "../compression-jobs/add-variants.ts";
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import config from "./fixtures/tiny-spam/config.json";
import modelBytes from "./fixtures/tiny-spam/model.onnx";
import tokenizerJson from "./fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "./fixtures/tiny-spam/tokenizer_config.json";
import { InferResponse } from "./schemas.ts";

const text = "WIN a FREE prize now, click here";

function filesWithLabels(labels: [string, string]) {
  return {
    "config.json": JSON.stringify({ ...config, id2label: { 0: labels[0], 1: labels[1] } }),
    "tokenizer.json": JSON.stringify(tokenizerJson),
    "tokenizer_config.json": JSON.stringify(tokenizerConfig),
    "onnx/model.onnx": new Uint8Array(modelBytes),
  };
}

async function infer(name: string, body: Record<string, unknown>) {
  const res = await api(`/v1/models/${name}/infer`, {
    method: "POST",
    body: JSON.stringify({ text, ...body }),
    headers: { "content-type": "application/json" },
    token: "read",
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const labelsOf = (body: Record<string, unknown>) =>
  Object.keys(InferResponse.parse(body).predictions[0]?.scores ?? {}).sort();

describe("inference caches", () => {
  it("serve a version published after they were warm, and still the pinned older one", async () => {
    await stage("fresh-spam", "1", filesWithLabels(["ham", "spam"]));
    expect((await publish("fresh-spam", "1")).status).toBe(201);
    for (let i = 0; i < 2; i++)
      expect(labelsOf((await infer("fresh-spam", {})).body)).toEqual(["ham", "spam"]);

    await stage("fresh-spam", "2", filesWithLabels(["legit", "junk"]));
    expect((await publish("fresh-spam", "2")).status).toBe(201);
    const latest = await infer("fresh-spam", {});
    expect(latest.body).toMatchObject({ version: "2" });
    expect(labelsOf(latest.body)).toEqual(["junk", "legit"]);
    const pinned = await infer("fresh-spam", { version: "1" });
    expect(pinned.body).toMatchObject({ version: "1" });
    expect(labelsOf(pinned.body)).toEqual(["ham", "spam"]);
  });

  it("find a variant added to a version whose manifest was already cached", async () => {
    await stage("fresh-variant", "1", filesWithLabels(["ham", "spam"]));
    expect((await publish("fresh-variant", "1")).status).toBe(201);
    expect((await infer("fresh-variant", { variant: "q8" })).status).toBe(404);
    expect((await infer("fresh-variant", {})).status).toBe(200);

    const manifestRes = await api("/v1/models/fresh-variant/manifest", { token: "read" });
    const manifest = Manifest.parse(await manifestRes.json());
    const fp32 = manifest.variants.find((v) => v.dtype === "fp32");
    if (!fp32) throw new Error("no fp32 variant");
    // the same weights under another dtype's name: what matters is that the new manifest is read
    const bytes = new Uint8Array(modelBytes);
    const sha256 = await sha256Hex(bytes);
    await env.ARTIFACTS.put(blobKey(sha256), bytes);
    const path = "onnx/model_quantized.onnx";
    await addVariants(env, "fresh-variant", "1", [
      { file: { path, sha256, size: bytes.byteLength }, variant: { ...fp32, path, dtype: "q8" } },
    ]);

    const q8 = await infer("fresh-variant", { variant: "q8" });
    expect(q8.status).toBe(200);
    expect(q8.body).toMatchObject({ version: "1", variant: "q8" });
  });
});
