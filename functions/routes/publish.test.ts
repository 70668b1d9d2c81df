import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import {
  checkpointFiles,
  fromBase64,
  onnxBytes,
  problemOf,
  publish,
  sha256Hex,
  stage,
  upload,
} from "../../test/workers/api.ts";
import { Manifest, PublishResponse } from "../schemas.ts";

async function rows(table: string, model: string) {
  const { results } = await env.REGISTRY.prepare(`SELECT * FROM ${table} WHERE model = ?1`).bind(model).all();
  return results;
}

/** What a failed publish must leave: no version, no files or variants, staging as it was. */
async function expectNothingPublished(model: string, stagedCount: number) {
  expect(await rows("versions", model)).toEqual([]);
  expect(await rows("files", model)).toEqual([]);
  expect(await rows("variants", model)).toEqual([]);
  expect(await rows("staged_files", model)).toHaveLength(stagedCount);
}

describe("POST /v1/models/{name}/versions/{version}/publish", () => {
  it("validates the staged checkpoint and writes the manifest: files, sha256, sizes, variants", async () => {
    await stage("pub-ok", "1.0.0");
    await upload("pub-ok", "1.0.0", "onnx/model_q4.onnx", onnxBytes());
    const res = await publish("pub-ok", "1.0.0", { public: true });
    expect(res.status).toBe(201);
    const body = PublishResponse.parse(await res.json());
    expect(body.public).toBe(true);

    const files = checkpointFiles();
    const expectedFiles = await Promise.all(
      [...Object.entries(files), ["onnx/model_q4.onnx", onnxBytes()] as const].map(
        async ([path, content]) => ({
          path,
          sha256: await sha256Hex(content),
          size: typeof content === "string" ? new TextEncoder().encode(content).length : content.length,
        }),
      ),
    );
    expect(body.manifest.files).toEqual(expectedFiles.sort((a, b) => (a.path < b.path ? -1 : 1)));
    expect(body.manifest.variants.map((v) => [v.path, v.dtype])).toEqual([
      ["onnx/model.onnx", "fp32"],
      ["onnx/model_q4.onnx", "q4"],
    ]);
    // What compression's decoder found in the fixture (int4 weights need opset 21).
    const fp32 = body.manifest.variants[0];
    expect(fp32?.opsets[""]).toBe(21);
    expect(fp32?.inputs.map((i) => i.name)).toEqual(["x"]);
    expect(fp32?.outputs.length).toBe(1);

    // The manifest blob is content-addressed, and it is exactly what the response returned.
    const blob = await env.ARTIFACTS.get(`blobs/sha256/${body.manifestSha256}`);
    const text = (await blob?.text()) ?? "";
    expect(await sha256Hex(text)).toBe(body.manifestSha256);
    expect(Manifest.parse(JSON.parse(text))).toEqual(body.manifest);

    expect(await rows("files", "pub-ok")).toHaveLength(5);
    expect(await rows("variants", "pub-ok")).toHaveLength(2);
    expect(await rows("staged_files", "pub-ok")).toEqual([]);
  });

  it("a missing file named by the publisher → 422 naming it; nothing is published", async () => {
    const { "tokenizer.json": _, ...withoutTokenizer } = checkpointFiles();
    await stage("pub-missing", "1", withoutTokenizer);
    const res = await publish("pub-missing", "1", {
      files: ["config.json", "tokenizer.json", "onnx/model.onnx", "onnx/model_fp16.onnx"],
    });
    const problem = await problemOf(res, 422);
    expect(problem.type).toBe("https://edgetune.dev/problems/missing-files");
    expect(problem.missing).toEqual(["onnx/model_fp16.onnx", "tokenizer.json"]);
    expect(problem.detail).toContain("missing file(s): onnx/model_fp16.onnx, tokenizer.json");
    await expectNothingPublished("pub-missing", 3);
  });

  it("config.json and an ONNX model are always required", async () => {
    await stage("pub-noconfig", "1", { "tokenizer.json": "{}" });
    const problem = await problemOf(await publish("pub-noconfig", "1"), 422);
    expect(problem.detail).toBe(
      "Cannot publish: missing file(s): config.json; no ONNX model (e.g. onnx/model.onnx). Upload with PUT .../files/{path} first",
    );
    await expectNothingPublished("pub-noconfig", 1);
  });

  it("malformed and truncated ONNX, and unparsable JSON → 422 naming each file; nothing is published", async () => {
    const onnx = onnxBytes();
    await stage("pub-bad", "1", {
      ...checkpointFiles(),
      "onnx/model.onnx": new TextEncoder().encode("this is not a protobuf at all"),
      "onnx/model_fp16.onnx": onnx.subarray(0, Math.floor(onnx.length / 2)),
      "tokenizer.json": '{"version": "1.0", ',
    });
    const problem = await problemOf(await publish("pub-bad", "1"), 422);
    expect(problem.type).toBe("https://edgetune.dev/problems/invalid-files");
    const errors = problem.errors as { path: string; error: string }[];
    expect(errors.map((e) => e.path)).toEqual(["onnx/model.onnx", "onnx/model_fp16.onnx", "tokenizer.json"]);
    expect(errors[0]?.error).toMatch(/protobuf|ONNX/i);
    expect(errors[1]?.error).toMatch(/protobuf|truncat|ONNX/i);
    expect(errors[2]?.error).toMatch(/^not valid JSON/);
    for (const e of errors) expect(problem.detail).toContain(`${e.path}: ${e.error}`);
    await expectNothingPublished("pub-bad", 5);
  });

  it("two concurrent publishes of one version: one wins (201), the other gets 409, nothing half-written", async () => {
    // Several rounds, so the two requests interleave at different points.
    for (const version of ["1", "2", "3"]) {
      await stage("pub-race", version);
      const [a, b] = await Promise.all([
        publish("pub-race", version, { public: version !== "2" }),
        publish("pub-race", version, { public: version === "2" }),
      ]);
      expect([a.status, b.status].sort()).toEqual([201, 409]);
      const [winner, loser] = a.status === 201 ? [a, b] : [b, a];
      const won = PublishResponse.parse(await winner.json());
      const lost = await problemOf(loser, 409);
      expect(lost.detail).toMatch(/already published|while this publish ran/);

      const versions = (await rows("versions", "pub-race")) as { version: string; manifest_sha256: string }[];
      expect(versions.filter((v) => v.version === version).map((v) => v.manifest_sha256)).toEqual([
        won.manifestSha256,
      ]);
      const files = (await rows("files", "pub-race")) as { version: string }[];
      expect(files.filter((f) => f.version === version)).toHaveLength(4);
      const model = await env.REGISTRY.prepare("SELECT public FROM models WHERE name = 'pub-race'").first<{
        public: number;
      }>();
      expect(model?.public).toBe(won.public ? 1 : 0);
    }
    expect(await rows("staged_files", "pub-race")).toEqual([]);
  });

  it("a published version is immutable: publishing or uploading again → 409", async () => {
    await stage("pub-twice", "1");
    expect((await publish("pub-twice", "1")).status).toBe(201);
    const again = await problemOf(await publish("pub-twice", "1"), 409);
    expect(again.detail).toBe(
      "pub-twice@1 is already published; versions are immutable, publish a new version",
    );
    await problemOf(await upload("pub-twice", "1", "config.json", '{"changed":true}'), 409);
    expect(await rows("staged_files", "pub-twice")).toEqual([]);
  });

  it("publishing a version with no uploads → 404; a malformed body → 400", async () => {
    const none = await problemOf(await publish("pub-none", "1"), 404);
    expect(none.detail).toContain("No files were uploaded for pub-none@1");
    await stage("pub-body", "1");
    const bad = await problemOf(await publish("pub-body", "1", { files: ["../x"] }), 400);
    expect(bad.type).toBe("https://edgetune.dev/problems/validation-failed");
    const unknown = await problemOf(await publish("pub-body", "1", { visibility: "public" }), 400);
    expect(JSON.stringify(unknown.issues)).toContain("visibility");
    await expectNothingPublished("pub-body", 4);
  });

  it("an ONNX model's external data must be uploaded beside it, and long enough", async () => {
    const model = fromBase64(env.TEST_BERT_ONNX_B64);
    const data = fromBase64(env.TEST_BERT_DATA_B64);
    await stage("pub-ext", "1", { ...checkpointFiles(), "onnx/model.onnx": model });
    const missing = await problemOf(await publish("pub-ext", "1"), 422);
    expect(missing.detail).toContain(
      "onnx/model.onnx: its external data file onnx/model.onnx.data was not uploaded",
    );

    await upload("pub-ext", "1", "onnx/model.onnx.data", data.subarray(0, 1000));
    const short = await problemOf(await publish("pub-ext", "1"), 422);
    expect(short.detail).toMatch(/onnx\/model\.onnx: tensor .* of onnx\/model\.onnx\.data, which has 1000/);
    await expectNothingPublished("pub-ext", 5);

    await upload("pub-ext", "1", "onnx/model.onnx.data", data);
    const res = await publish("pub-ext", "1");
    expect(res.status).toBe(201);
    const { manifest } = PublishResponse.parse(await res.json());
    expect(manifest.variants.map((v) => v.inputs.map((i) => i.name))).toEqual([
      ["input_ids", "attention_mask"],
    ]);
  });
});
