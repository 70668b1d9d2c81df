import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { stage } from "../../test/workers/api.ts";
import { commitVersion, PublishConflict, readStaging } from "./db.ts";

async function count(table: string, model: string): Promise<number> {
  const row = await env.REGISTRY.prepare(`SELECT count(*) AS n FROM ${table} WHERE model = ?1`)
    .bind(model)
    .first<{ n: number }>();
  return row?.n ?? 0;
}

const variant = {
  dtype: "fp32",
  path: "onnx/model.onnx",
  irVersion: 10,
  opsets: { "": 21 },
  inputs: [],
  outputs: [],
};

describe("commitVersion", () => {
  it("refuses, writing nothing, when staging changed after validation (a file re-uploaded meanwhile)", async () => {
    await stage("db-stale", "1");
    const { files } = await readStaging(env.REGISTRY, "db-stale", "1");
    const stale = files.map((f) => (f.path === "config.json" ? { ...f, sha256: "0".repeat(64) } : f));
    const onnx = files.find((f) => f.path === "onnx/model.onnx");
    if (!onnx) throw new Error("fixture has no onnx/model.onnx");
    const publish = {
      model: "db-stale",
      version: "1",
      variants: [{ ...variant, sha256: onnx.sha256, size: onnx.size }],
      manifestSha256: "a".repeat(64),
      manifestSize: 10,
      publishedAt: new Date().toISOString(),
      public: true,
    };
    await expect(commitVersion(env.REGISTRY, { ...publish, files: stale })).rejects.toBeInstanceOf(
      PublishConflict,
    );
    expect(await count("versions", "db-stale")).toBe(0);
    expect(await count("files", "db-stale")).toBe(0);
    expect(await count("variants", "db-stale")).toBe(0);
    expect(await count("staged_files", "db-stale")).toBe(4);
    const model = await env.REGISTRY.prepare("SELECT public FROM models WHERE name = 'db-stale'").first<{
      public: number;
    }>();
    expect(model?.public).toBe(0);

    // With the staging it validated, the same commit goes through.
    await commitVersion(env.REGISTRY, { ...publish, files });
    expect(await count("files", "db-stale")).toBe(4);
    expect(await count("staged_files", "db-stale")).toBe(0);
    // A second commit of the same version is a conflict too, and changes nothing.
    await expect(commitVersion(env.REGISTRY, { ...publish, files })).rejects.toBeInstanceOf(PublishConflict);
    expect(await count("files", "db-stale")).toBe(4);
  });
});
