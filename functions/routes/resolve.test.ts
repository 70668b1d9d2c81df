import { beforeAll, describe, expect, it } from "vitest";
import {
  api,
  checkpointFiles,
  onnxBytes,
  problemOf,
  sha256Hex,
  stageAndPublish,
} from "../../test/workers/api.ts";
import { SIGNING_KEY } from "../../test/workers/tokens.ts";
import { signPath } from "../auth/signed-url.ts";
import { SignedUrlResponse } from "../schemas.ts";

const onnx = onnxBytes();
let onnxSha: string;

beforeAll(async () => {
  onnxSha = await sha256Hex(onnx);
  await stageAndPublish("dl-public", "1.0.0", { public: true });
  await stageAndPublish("dl-private", "1.0.0");
});

describe("GET /{name}/resolve/{version}/{path}", () => {
  it("serves a public file without a token, with ETag = sha256, immutable caching, integrity and CORS", async () => {
    const res = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { origin: "https://app.example" },
    });
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(onnx);
    expect(res.headers.get("etag")).toBe(`"${onnxSha}"`);
    expect(res.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(res.headers.get("content-length")).toBe(String(onnx.length));
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    const digest = await crypto.subtle.digest("SHA-256", onnx);
    expect(res.headers.get("repr-digest")).toBe(
      `sha-256=:${btoa(String.fromCharCode(...new Uint8Array(digest)))}:`,
    );
    expect(res.headers.get("access-control-allow-origin")).toBe("*");
    expect(res.headers.get("access-control-expose-headers")).toContain("ETag");
  });

  it("HEAD gives the headers (size, ETag) without the body", async () => {
    const res = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe(`"${onnxSha}"`);
    expect(res.headers.get("content-length")).toBe(String(onnx.length));
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it("answers a CORS preflight for Range and Authorization", async () => {
    const res = await api("/dl-private/resolve/1.0.0/config.json", {
      method: "OPTIONS",
      headers: {
        origin: "https://app.example",
        "access-control-request-method": "GET",
        "access-control-request-headers": "range, authorization",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("range");
    expect(res.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
  });

  it("Range: 206 with Content-Range (first bytes, suffix, open end); past the end → 416", async () => {
    const first = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", { headers: { range: "bytes=0-15" } });
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe(`bytes 0-15/${onnx.length}`);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(onnx.subarray(0, 16));

    const suffix = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { range: "bytes=-100" },
    });
    expect(suffix.status).toBe(206);
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(onnx.subarray(onnx.length - 100));

    const rest = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", { headers: { range: "bytes=2000-" } });
    expect(rest.headers.get("content-range")).toBe(`bytes 2000-${onnx.length - 1}/${onnx.length}`);
    expect(new Uint8Array(await rest.arrayBuffer())).toEqual(onnx.subarray(2000));

    const past = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { range: `bytes=${onnx.length}-` },
    });
    expect(past.headers.get("content-range")).toBe(`bytes */${onnx.length}`);
    const problem = await problemOf(past, 416);
    expect(problem.detail).toContain(`which has ${onnx.length} bytes`);

    // If-Range with another entity tag: the whole file.
    const stale = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { range: "bytes=0-15", "if-range": '"0000"' },
    });
    expect(stale.status).toBe(200);
  });

  it("If-None-Match with the sha256 → 304 without a body", async () => {
    const res = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { "if-none-match": `"${onnxSha}"` },
    });
    expect(res.status).toBe(304);
    expect(res.headers.get("etag")).toBe(`"${onnxSha}"`);
    expect(await res.text()).toBe("");
    const other = await api("/dl-public/resolve/1.0.0/onnx/model.onnx", {
      headers: { "if-none-match": '"abc"' },
    });
    expect(other.status).toBe(200);
  });

  it("serves the manifest as edgetune.json, and 'main' as the latest version (revalidated, not immutable)", async () => {
    const manifest = await api("/dl-public/resolve/1.0.0/edgetune.json");
    expect(manifest.status).toBe(200);
    const text = await manifest.text();
    expect(manifest.headers.get("etag")).toBe(`"${await sha256Hex(text)}"`);
    expect(JSON.parse(text).version).toBe("1.0.0");

    const main = await api("/dl-public/resolve/main/config.json");
    expect(main.status).toBe(200);
    expect(await main.text()).toBe(checkpointFiles()["config.json"]);
    expect(main.headers.get("x-edgetune-version")).toBe("1.0.0");
    expect(main.headers.get("cache-control")).toBe("public, no-cache");
  });

  it("unknown model, version or file → 404; a traversal path → 400", async () => {
    expect((await problemOf(await api("/dl-public/resolve/9.9.9/config.json"), 404)).detail).toBe(
      "dl-public has no published version 9.9.9",
    );
    expect((await problemOf(await api("/dl-public/resolve/1.0.0/nope.json"), 404)).detail).toBe(
      "dl-public@1.0.0 has no file nope.json",
    );
    await problemOf(await api("/no-such-model/resolve/1.0.0/config.json", { token: "read" }), 404);
    await problemOf(await api("/dl-public/resolve/1.0.0/onnx/..%2F..%2Fconfig.json"), 400);
  });

  it("a private model: 401 without a token (existence not revealed), 200 with a read token", async () => {
    const anon = await api("/dl-private/resolve/1.0.0/config.json");
    expect(anon.headers.get("www-authenticate")).toBe('Bearer realm="edgetune"');
    await problemOf(anon, 401);
    await problemOf(await api("/no-such-model/resolve/1.0.0/config.json"), 401);
    const ok = await api("/dl-private/resolve/1.0.0/config.json", { token: "read" });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("private, max-age=31536000, immutable");
  });
});

describe("signed URLs for private models", () => {
  async function sign(body: unknown) {
    return api("/v1/models/dl-private/signed-urls", {
      method: "POST",
      token: "read",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json" },
    });
  }

  it("a read token gets an expiring URL that downloads without a token", async () => {
    const res = await sign({ path: "onnx/model.onnx", expiresIn: 600 });
    expect(res.status).toBe(201);
    const signed = SignedUrlResponse.parse(await res.json());
    expect(signed.version).toBe("1.0.0");
    const url = new URL(signed.url);
    expect(url.pathname).toBe("/dl-private/resolve/1.0.0/onnx/model.onnx");
    const download = await api(`${url.pathname}${url.search}`);
    expect(download.status).toBe(200);
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(onnx);
  });

  it("a signature moved to another file, tampered with, or past its expiry → 403", async () => {
    const signed = SignedUrlResponse.parse(await (await sign({ path: "config.json" })).json());
    const search = new URL(signed.url).search;
    const moved = await api(`/dl-private/resolve/1.0.0/onnx/model.onnx${search}`);
    expect((await problemOf(moved, 403)).type).toBe("https://edgetune.dev/problems/invalid-signature");

    const params = new URLSearchParams(search);
    params.set("expires", String(Number(params.get("expires")) + 1));
    await problemOf(await api(`/dl-private/resolve/1.0.0/config.json?${params}`), 403);

    // Signed with the server's key, but for a moment already past.
    const expires = Math.floor(Date.now() / 1000) - 5;
    const signature = await signPath(SIGNING_KEY, "/dl-private/resolve/1.0.0/config.json", expires);
    const expired = await api(
      `/dl-private/resolve/1.0.0/config.json?expires=${expires}&signature=${signature}`,
    );
    expect((await problemOf(expired, 403)).type).toBe("https://edgetune.dev/problems/signature-expired");
  });

  it("signing needs a read token and an existing file", async () => {
    const anon = await api("/v1/models/dl-private/signed-urls", {
      method: "POST",
      body: '{"path":"config.json"}',
    });
    await problemOf(anon, 401);
    await problemOf(await sign({ path: "missing.json" }), 404);
    await problemOf(await sign({ path: "../config.json" }), 400);
    await problemOf(await sign({ path: "config.json", expiresIn: 0 }), 400);
  });
});
