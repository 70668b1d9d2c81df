// `PUT /v1/models/{name}/versions/{version}/files/{path}`: one file of a version, streamed as the raw
// request body into content-addressed storage and recorded in staging. Nothing is visible to readers
// until publish; a published version is immutable (409).
import { Hono } from "hono";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { isPublished, stageFile } from "../registry/db.ts";
import { FilePath, MANIFEST_PATH, ModelName, parseParam, VersionName } from "../registry/names.ts";
import { UploadResponse } from "../schemas.ts";
import { storeBlob } from "../storage/blobs.ts";

export function alreadyPublished(name: string, version: string): Problem {
  return new Problem({
    status: 409,
    slug: "version-published",
    title: "Conflict",
    detail: `${name}@${version} is already published; versions are immutable, publish a new version`,
    extra: { model: name, version },
  });
}

function declaredLength(header: string | undefined): number | null {
  if (header === undefined) return null;
  if (!/^\d+$/.test(header)) {
    throw new Problem({
      status: 400,
      slug: "invalid-content-length",
      title: "Bad Request",
      detail: `Content-Length ${JSON.stringify(header)} is not a byte count`,
    });
  }
  return Number(header);
}

export const upload = new Hono<AppEnv>().put(
  "/v1/models/:name/versions/:version/files/:path{.+}",
  requireScope("write", "to upload files"),
  async (c) => {
    const name = parseParam(ModelName, "name", c.req.param("name"));
    const version = parseParam(VersionName, "version", c.req.param("version"));
    const path = parseParam(FilePath, "path", c.req.param("path"));
    if (path === MANIFEST_PATH) {
      throw new Problem({
        status: 400,
        slug: "invalid-path",
        title: "Bad Request",
        detail: `${MANIFEST_PATH} is written by publish and cannot be uploaded`,
        extra: { path },
      });
    }
    // Checked first so a late upload does not stream a file only to be refused.
    if (await isPublished(c.env.REGISTRY, name, version)) throw alreadyPublished(name, version);

    const limit = Number(c.env.EDGETUNE_MAX_UPLOAD_BYTES);
    const body = c.req.raw.body ?? new Response(new Uint8Array(0)).body;
    if (!body) throw new Error("no request body stream");
    const blob = await storeBlob(
      c.env.ARTIFACTS,
      body,
      declaredLength(c.req.header("content-length")),
      limit,
    );
    const file = { path, ...blob };
    if (!(await stageFile(c.env.REGISTRY, name, version, file))) throw alreadyPublished(name, version);
    return c.json(conform(UploadResponse, file), 201);
  },
);
