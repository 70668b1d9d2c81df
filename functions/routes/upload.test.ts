import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { api, problemOf, r2Keys, sha256Hex, upload } from "../../test/workers/api.ts";
import { TEST_MAX_UPLOAD_BYTES } from "../../test/workers/tokens.ts";
import { UploadResponse } from "../schemas.ts";

async function stagedRows(model: string) {
  const { results } = await env.REGISTRY.prepare(
    "SELECT path, sha256, size FROM staged_files WHERE model = ?1 ORDER BY path",
  )
    .bind(model)
    .all();
  return results;
}

/** A body of unknown length (Transfer-Encoding: chunked), in `chunks` pieces of `size` bytes. */
function chunkedBody(chunks: number, size: number, fill = 7): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent++ === chunks) controller.close();
      else controller.enqueue(new Uint8Array(size).fill(fill));
    },
  });
}

describe("PUT /v1/models/{name}/versions/{version}/files/{path}", () => {
  it("stores the raw body content-addressed and returns its sha256 and size", async () => {
    const bytes = new Uint8Array(300_000).map((_, i) => (i * 31) % 251);
    const res = await upload("up-ok", "1.0.0", "onnx/model.onnx", bytes);
    expect(res.status).toBe(201);
    const body = UploadResponse.parse(await res.json());
    const sha256 = await sha256Hex(bytes);
    expect(body).toEqual({ path: "onnx/model.onnx", sha256, size: 300_000 });

    const blob = await env.ARTIFACTS.get(`blobs/sha256/${sha256}`);
    expect(new Uint8Array((await blob?.arrayBuffer()) ?? new ArrayBuffer(0))).toEqual(bytes);
    expect(await stagedRows("up-ok")).toEqual([{ path: "onnx/model.onnx", sha256, size: 300_000 }]);
    expect(await r2Keys("uploads/")).toEqual([]);
  });

  it("streams a body of unknown length (chunked) in parts, hashing it on the way", async () => {
    const res = await upload("up-chunked", "1", "data.bin", chunkedBody(10, 50_000), "admin");
    expect(res.status).toBe(201);
    const expected = new Uint8Array(500_000).fill(7);
    expect(await res.json()).toEqual({ path: "data.bin", sha256: await sha256Hex(expected), size: 500_000 });
    expect(await r2Keys("uploads/")).toEqual([]);
  });

  it("stores identical content once, and a re-upload replaces the staged file", async () => {
    const a = await (await upload("up-dedup", "1", "a.json", '{"x":1}')).json();
    const b = await (await upload("up-dedup", "1", "b.json", '{"x":1}')).json();
    expect((a as UploadResponse).sha256).toBe((b as UploadResponse).sha256);
    expect(await r2Keys(`blobs/sha256/${(a as UploadResponse).sha256}`)).toHaveLength(1);
    await upload("up-dedup", "1", "a.json", '{"x":2}');
    const rows = (await stagedRows("up-dedup")) as { path: string; sha256: string }[];
    expect(rows.map((r) => [r.path, r.sha256])).toEqual([
      ["a.json", await sha256Hex('{"x":2}')],
      ["b.json", await sha256Hex('{"x":1}')],
    ]);
  });

  it("refuses an oversized file by its Content-Length before reading it: 413, nothing stored", async () => {
    const res = await upload("up-big", "1", "onnx/model.onnx", new Uint8Array(TEST_MAX_UPLOAD_BYTES + 1));
    const problem = await problemOf(res, 413);
    expect(problem.detail).toBe(
      `The file is ${TEST_MAX_UPLOAD_BYTES + 1} bytes; the limit is ${TEST_MAX_UPLOAD_BYTES} bytes`,
    );
    expect(problem.limit).toBe(TEST_MAX_UPLOAD_BYTES);
    expect(await stagedRows("up-big")).toEqual([]);
    expect(await r2Keys("uploads/")).toEqual([]);
  });

  it("stops a chunked upload once it passes the limit: 413, the partial upload is removed", async () => {
    const before = await r2Keys("blobs/");
    const res = await upload("up-big-stream", "1", "onnx/model.onnx", chunkedBody(40, 64 * 1024));
    const problem = await problemOf(res, 413);
    expect(problem.detail).toBe(`The file is larger than the limit of ${TEST_MAX_UPLOAD_BYTES} bytes`);
    expect(await stagedRows("up-big-stream")).toEqual([]);
    expect(await r2Keys("uploads/")).toEqual([]);
    expect(await r2Keys("blobs/")).toEqual(before);
  });

  it.each([
    ["..%2F..%2Fetc%2Fpasswd", "'.' or '..' segments"],
    ["onnx/..%2F..%2Fsecret", "'.' or '..' segments"],
    ["onnx/%2E.%2Fx", "'.' or '..' segments"],
    ["onnx%2F..%2F..%2Fx", "'.' or '..' segments"],
    ["a//b", 'invalid path segment ""'],
    ["%2Fetc%2Fpasswd", 'invalid path segment ""'],
    ["onnx%5C..%5Cx", "invalid path segment"],
    [".env", 'invalid path segment ".env"'],
    ["a%00b", "invalid path segment"],
  ])("refuses the path %s with 400 naming the problem (path traversal)", async (path, message) => {
    const res = await upload("up-traversal", "1", path, "x");
    const problem = await problemOf(res, 400);
    expect(problem.type).toBe("https://edgetune.dev/problems/invalid-path");
    expect(problem.detail).toContain(message);
    expect(await stagedRows("up-traversal")).toEqual([]);
  });

  it("refuses invalid model names and versions, and the reserved manifest path, with 400", async () => {
    const badName = await problemOf(await upload("-bad", "1", "config.json", "{}"), 400);
    expect(badName.type).toBe("https://edgetune.dev/problems/invalid-name");
    expect(badName.detail).toContain('Invalid name "-bad"');
    const reserved = await problemOf(await upload("v1", "1", "config.json", "{}"), 400);
    expect(reserved.detail).toContain("reserved");
    const badVersion = await problemOf(await upload("ok", "1..2", "config.json", "{}"), 400);
    expect(badVersion.type).toBe("https://edgetune.dev/problems/invalid-version");
    const main = await problemOf(await upload("ok", "main", "config.json", "{}"), 400);
    expect(main.detail).toContain("'main' is reserved");
    const manifest = await problemOf(await upload("ok", "1", "edgetune.json", "{}"), 400);
    expect(manifest.detail).toBe("edgetune.json is written by publish and cannot be uploaded");
    expect(await stagedRows("ok")).toEqual([]);
  });

  it("answers 405 for GET on the upload path", async () => {
    const res = await api("/v1/models/m/versions/1/files/config.json", { token: "write" });
    expect(res.status).toBe(405);
  });
});
