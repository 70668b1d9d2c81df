// `GET /{name}/resolve/{version}/{path}`: file downloads laid out like a Hugging Face repository, so
// transformers.js loads a model with `env.remoteHost` pointed at the Worker. Files are immutable by
// hash: ETag = sha256, If-None-Match → 304, Range → 206/416, one-year immutable caching. The
// revision "main" is the latest version (revalidated, not immutable). Private models need a read
// token or a signed URL (?expires=&signature=).
import { Hono } from "hono";
import { readableModel } from "../auth/access.ts";
import { verifySignedPath } from "../auth/signed-url.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { type FileRow, getFile, getVersion } from "../registry/db.ts";
import { FilePath, MANIFEST_PATH, ModelName, parseParam, VersionName } from "../registry/names.ts";
import { blobKey } from "../storage/blobs.ts";
import { etagMatches, parseRange } from "../storage/range.ts";

const LATEST = "main";

function contentType(path: string): string {
  if (path.endsWith(".json")) return "application/json; charset=utf-8";
  if (path.endsWith(".txt")) return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

/** RFC 9530 Repr-Digest value for a SHA-256 given in hex. */
export function reprDigest(sha256: string): string {
  const bytes = sha256.match(/../g)?.map((h) => Number.parseInt(h, 16)) ?? [];
  return `sha-256=:${btoa(String.fromCharCode(...bytes))}:`;
}

function fileNotFound(name: string, version: string, path: string): Problem {
  return new Problem({
    status: 404,
    slug: "file-not-found",
    title: "Not Found",
    detail: `${name}@${version} has no file ${path}`,
    extra: { model: name, version, path },
  });
}

export const resolve = new Hono<AppEnv>().get("/:name/resolve/:version/:path{.+}", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  const revision = c.req.param("version");
  const requested = revision === LATEST ? undefined : parseParam(VersionName, "version", revision);
  const path = parseParam(FilePath, "path", c.req.param("path"));

  const signed = c.req.query("signature") !== undefined || c.req.query("expires") !== undefined;
  if (signed) {
    await verifySignedPath(
      c.env.EDGETUNE_SIGNING_KEY,
      `/${name}/resolve/${revision}/${path}`,
      c.req.query("expires"),
      c.req.query("signature"),
    );
  }
  const model = await readableModel(c, name, signed);
  const version = await getVersion(c.env.REGISTRY, name, requested);
  if (!version) {
    throw new Problem({
      status: 404,
      slug: "version-not-found",
      title: "Not Found",
      detail: requested
        ? `${name} has no published version ${requested}`
        : `${name} has no published version`,
      extra: { model: name, version: revision },
    });
  }
  const file: FileRow | null =
    path === MANIFEST_PATH
      ? { sha256: version.manifestSha256, size: version.manifestSize }
      : await getFile(c.env.REGISTRY, name, version.version, path);
  if (!file) throw fileNotFound(name, version.version, path);

  const etag = `"${file.sha256}"`;
  const visibility = model.public ? "public" : "private";
  const headers = new Headers({
    etag,
    "cache-control": requested ? `${visibility}, max-age=31536000, immutable` : `${visibility}, no-cache`,
    "accept-ranges": "bytes",
    "repr-digest": reprDigest(file.sha256),
    "x-edgetune-version": version.version,
  });
  if (etagMatches(c.req.header("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  const ifRange = c.req.header("if-range");
  const range =
    ifRange === undefined || ifRange === etag
      ? parseRange(c.req.header("range"), file.size)
      : { kind: "none" as const };
  if (range.kind === "unsatisfiable") {
    throw new Problem({
      status: 416,
      slug: "range-not-satisfiable",
      title: "Range Not Satisfiable",
      detail: `The range ${c.req.header("range")} lies outside ${path}, which has ${file.size} bytes`,
      extra: { size: file.size },
      headers: { "content-range": `bytes */${file.size}` },
    });
  }
  const object = await c.env.ARTIFACTS.get(
    blobKey(file.sha256),
    range.kind === "range" ? { range: { offset: range.offset, length: range.length } } : {},
  );
  if (!object) throw new Error(`blob ${file.sha256} (${name}@${version.version}/${path}) is missing from R2`);
  headers.set("content-type", contentType(path));
  if (range.kind === "range") {
    headers.set("content-range", `bytes ${range.offset}-${range.offset + range.length - 1}/${file.size}`);
    headers.set("content-length", String(range.length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("content-length", String(file.size));
  return new Response(object.body, { status: 200, headers });
});
