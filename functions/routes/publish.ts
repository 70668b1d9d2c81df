// `POST /v1/models/{name}/versions/{version}/publish`: validates the staged files, stores the
// manifest (edgetune.json) as a content-addressed blob, then makes the version visible with one D1
// transaction (registry/db.ts). Before that commit nothing of the version is visible; a loser of
// two concurrent publishes gets 409 and leaves nothing behind but an unreferenced manifest blob.
import { Hono } from "hono";
import { requireScope } from "../auth/require.ts";
import { bytesToHex } from "../auth/tokens.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { commitVersion, getModel, PublishConflict, readStaging } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { validateVersion } from "../registry/validate.ts";
import { Manifest, PublishRequest, PublishResponse } from "../schemas.ts";
import { blobKey } from "../storage/blobs.ts";
import { alreadyPublished } from "./upload.ts";

export const publish = new Hono<AppEnv>().post(
  "/v1/models/:name/versions/:version/publish",
  requireScope("write", "to publish a version"),
  async (c) => {
    const name = parseParam(ModelName, "name", c.req.param("name"));
    const version = parseParam(VersionName, "version", c.req.param("version"));
    const request = await jsonBody(c.req.raw, PublishRequest, { optional: true });

    const staging = await readStaging(c.env.REGISTRY, name, version);
    if (staging.published) throw alreadyPublished(name, version);
    if (staging.files.length === 0) {
      throw new Problem({
        status: 404,
        slug: "nothing-staged",
        title: "Not Found",
        detail: `No files were uploaded for ${name}@${version}; upload with PUT .../files/{path} first`,
        extra: { model: name, version },
      });
    }
    const { files, variants } = await validateVersion(c.env.ARTIFACTS, staging.files, request.files ?? []);

    const publishedAt = new Date().toISOString();
    const manifest = conform(Manifest, {
      format: "edgetune.manifest/1",
      name,
      version,
      publishedAt,
      files,
      variants,
    });
    const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2));
    const manifestSha256 = bytesToHex(await crypto.subtle.digest("SHA-256", bytes));
    await c.env.ARTIFACTS.put(blobKey(manifestSha256), bytes, {
      sha256: manifestSha256,
      httpMetadata: { contentType: "application/json" },
    });
    try {
      await commitVersion(c.env.REGISTRY, {
        model: name,
        version,
        files,
        variants,
        manifestSha256,
        manifestSize: bytes.byteLength,
        publishedAt,
        ...(request.public === undefined ? {} : { public: request.public }),
      });
    } catch (err) {
      if (!(err instanceof PublishConflict)) throw err;
      throw new Problem({
        status: 409,
        slug: "publish-conflict",
        title: "Conflict",
        detail: `${name}@${version} was published, or its uploads changed, while this publish ran; nothing was written`,
        extra: { model: name, version },
      });
    }
    const model = await getModel(c.env.REGISTRY, name);
    return c.json(
      conform(PublishResponse, { name, version, public: model?.public ?? false, manifestSha256, manifest }),
      201,
    );
  },
);
