import { describe, expect, it } from "vitest";
import { api, problemOf, publish, stage } from "../../test/workers/api.ts";
import config from "./fixtures/tiny-spam/config.json";
import expected from "./fixtures/tiny-spam/expected.json";
import modelBytes from "./fixtures/tiny-spam/model.onnx";
import tokenizerJson from "./fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "./fixtures/tiny-spam/tokenizer_config.json";
import { InferResponse } from "./schemas.ts";

const files = {
  "config.json": JSON.stringify(config),
  "tokenizer.json": JSON.stringify(tokenizerJson),
  "tokenizer_config.json": JSON.stringify(tokenizerConfig),
  "onnx/model.onnx": new Uint8Array(modelBytes),
};

async function publishSpamModel(name: string) {
  await stage(name, "1.0.0", files);
  expect((await publish(name, "1.0.0")).status).toBe(201);
}

function infer(name: string, body: unknown, token: "read" | null = "read") {
  return api(`/v1/models/${name}/infer`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    ...(token ? { token } : {}),
  });
}

describe("POST /v1/models/{name}/infer", () => {
  it("classifies a published model's texts as native onnxruntime does", async () => {
    await publishSpamModel("spam-infer");
    const res = await infer("spam-infer", { texts: expected.samples, truncation: true });
    expect(res.status).toBe(200);
    const body = InferResponse.parse(await res.json());
    expect(body).toMatchObject({ model: "spam-infer", version: "1.0.0", variant: "fp32" });
    expect(body.predictions.map((p) => p.label)).toEqual(expected.predictions.map((p) => p.label));
    body.predictions.forEach((p, i) => {
      expect(
        Math.abs((p.scores.spam as number) - (expected.predictions[i]?.scores.spam as number)),
      ).toBeLessThan(1e-5);
    });
    const one = InferResponse.parse(
      await (await infer("spam-infer", { text: "hello", version: "1.0.0" })).json(),
    );
    expect(one.predictions).toHaveLength(1);
  });

  it("says where the time went in a well-formed Server-Timing header", async () => {
    // a config.json of its own, so this isolate builds the model for the first request
    await stage("spam-timing", "1.0.0", {
      ...files,
      "config.json": JSON.stringify({ ...config, note: "timing" }),
    });
    expect((await publish("spam-timing", "1.0.0")).status).toBe(201);
    for (let request = 0; request < 2; request++) {
      const res = await infer("spam-timing", { text: expected.samples[0], truncation: true });
      expect(res.status).toBe(200);
      const header = res.headers.get("server-timing") ?? "";
      const phases = header.split(", ").map((entry) => {
        const match = /^([a-z-]+);dur=(\d+\.\d{2})$/.exec(entry);
        expect(match, `entry ${JSON.stringify(entry)} of ${JSON.stringify(header)}`).not.toBeNull();
        return [match?.[1], Number(match?.[2])] as const;
      });
      const dur = Object.fromEntries(phases);
      // load-* are the parts of a model built for this request, inside "load"
      const top = phases.filter(([name]) => !name?.startsWith("load-"));
      expect(top.map(([name]) => name)).toEqual([
        "auth",
        "parse",
        "resolve",
        "load",
        "run",
        "tokenize",
        "total",
      ]);
      const parts = top.filter(([name]) => name !== "total").reduce((sum, [, ms]) => sum + ms, 0);
      expect(parts).toBeLessThanOrEqual((dur.total as number) + 0.1);
      const built = phases.map(([name]) => name).filter((name) => name?.startsWith("load-"));
      expect(built).toEqual(request === 0 ? expect.arrayContaining(["load-read", "load-build"]) : []);
      await res.arrayBuffer();
    }
  });

  it("refuses a text longer than the model reads unless truncation is asked for", async () => {
    await publishSpamModel("spam-long");
    const long = "free money now ".repeat(200);
    const problem = await problemOf(await infer("spam-long", { text: long }), 422);
    expect(problem.detail).toMatch(/reads at most 64/);
    expect((problem as { tokens?: number }).tokens).toBeGreaterThan(64);
    expect((await infer("spam-long", { text: long, truncation: true })).status).toBe(200);
  });

  it("answers bad requests with problem+json", async () => {
    await publishSpamModel("spam-bad");
    await problemOf(await infer("spam-bad", { text: "hi" }, null), 401);
    const forged = await api("/v1/models/spam-bad/infer", {
      method: "POST",
      body: JSON.stringify({ text: "hi" }),
      headers: { authorization: "Bearer et_not_a_token" },
    });
    await problemOf(forged, 401);
    await problemOf(await infer("spam-bad", { text: "hi", texts: ["a"] }), 400);
    await problemOf(await infer("spam-bad", { texts: [] }), 400);
    await problemOf(await infer("spam-bad", { text: 42 }), 400);
    const variant = await problemOf(await infer("spam-bad", { text: "hi", variant: "q4" }), 404);
    expect(variant.detail).toMatch(/no variant "q4"; it has: fp32/);
    await problemOf(await infer("spam-bad", { text: "hi", version: "9.9.9" }), 404);
    await problemOf(await infer("no-such-model", { text: "hi" }), 404);
    const raw = await api("/v1/models/spam-bad/infer", { method: "POST", body: "{not json", token: "read" });
    await problemOf(raw, 400);
  });
});
