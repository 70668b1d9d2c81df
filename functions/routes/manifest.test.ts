import { beforeAll, describe, expect, it } from "vitest";
import { api, problemOf, stageAndPublish } from "../../test/workers/api.ts";
import { Manifest } from "../schemas.ts";

let v1: { manifestSha256: string };
let v2: { manifestSha256: string };

beforeAll(async () => {
  v1 = await stageAndPublish("mf-public", "1.0.0", { public: true });
  v2 = await stageAndPublish("mf-public", "1.1.0");
  await stageAndPublish("mf-private", "0.1.0");
});

describe("GET /v1/models/{name}/manifest", () => {
  it("returns the latest published version by default, with ETag = the manifest's sha256", async () => {
    const res = await api("/v1/models/mf-public/manifest");
    expect(res.status).toBe(200);
    const manifest = Manifest.parse(await res.json());
    expect(manifest.version).toBe("1.1.0");
    expect(res.headers.get("etag")).toBe(`"${v2.manifestSha256}"`);
    expect(res.headers.get("cache-control")).toBe("public, no-cache");
  });

  it("?version= picks a version (immutable); If-None-Match → 304", async () => {
    const res = await api("/v1/models/mf-public/manifest?version=1.0.0");
    expect(Manifest.parse(await res.json()).version).toBe("1.0.0");
    expect(res.headers.get("etag")).toBe(`"${v1.manifestSha256}"`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    const cached = await api("/v1/models/mf-public/manifest?version=1.0.0", {
      headers: { "if-none-match": `"${v1.manifestSha256}"` },
    });
    expect(cached.status).toBe(304);
  });

  it("unknown version → 404, invalid version → 400, private model → 401/403 without a read token", async () => {
    expect((await problemOf(await api("/v1/models/mf-public/manifest?version=2.0.0"), 404)).detail).toBe(
      "mf-public has no published version 2.0.0",
    );
    await problemOf(await api("/v1/models/mf-public/manifest?version=..%2Fx"), 400);
    await problemOf(await api("/v1/models/mf-private/manifest"), 401);
    const unpublished = await api("/v1/models/never-published/manifest", { token: "read" });
    expect((await problemOf(unpublished, 404)).detail).toBe('No model named "never-published"');
    const res = await api("/v1/models/mf-private/manifest", { token: "read" });
    expect(Manifest.parse(await res.json()).name).toBe("mf-private");
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
  });
});
