// `GET /v1/models/{name}/manifest[?version=]`: a published version's edgetune.json (the latest
// version by default), with ETag = its sha256 so clients revalidate cheaply.
import { Hono } from "hono";
import { readableModel, versionNotFound } from "../auth/access.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { getVersion } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { Manifest } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { etagMatches } from "../storage/range.ts";

export const manifest = new Hono<AppEnv>().get("/v1/models/:name/manifest", async (c) => {
  const name = parseParam(ModelName, "name", c.req.param("name"));
  const query = c.req.query("version");
  const requested = query === undefined ? undefined : parseParam(VersionName, "version", query);
  const model = await readableModel(c, name);
  const version = await getVersion(c.env.REGISTRY, name, requested);
  if (!version) throw versionNotFound(name, requested);
  const etag = `"${version.manifestSha256}"`;
  const visibility = model.public ? "public" : "private";
  c.header("etag", etag);
  c.header(
    "cache-control",
    requested ? `${visibility}, max-age=31536000, immutable` : `${visibility}, no-cache`,
  );
  c.header("x-edgetune-version", version.version);
  if (etagMatches(c.req.header("if-none-match"), etag)) return c.body(null, 304);
  const object = await c.env.ARTIFACTS.get(blobKey(version.manifestSha256));
  if (!object)
    throw new Error(`manifest blob ${version.manifestSha256} of ${name}@${version.version} is missing`);
  return c.json(conform(Manifest, await object.json()));
});
