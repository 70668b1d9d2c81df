// `POST /v1/models/{name}/signed-urls`: a holder of a read token gets an expiring download URL for
// one file, to hand to a device or browser that must not hold the token itself.
import { Hono } from "hono";
import { readableModel } from "../auth/access.ts";
import { requireScope } from "../auth/require.ts";
import { signingKeyOf, signPath } from "../auth/signed-url.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { getFile, getVersion } from "../registry/db.ts";
import { MANIFEST_PATH, ModelName, parseParam } from "../registry/names.ts";
import { SignedUrlRequest, SignedUrlResponse } from "../schemas.ts";

export const signedUrls = new Hono<AppEnv>().post(
  "/v1/models/:name/signed-urls",
  requireScope("read", "to sign download URLs"),
  async (c) => {
    const name = parseParam(ModelName, "name", c.req.param("name"));
    const request = SignedUrlRequest.parse(await c.req.json().catch(() => undefined));
    const secret = signingKeyOf(c.env.EDGETUNE_SIGNING_KEY);
    await readableModel(c, name);
    const version = await getVersion(c.env.REGISTRY, name, request.version);
    const exists =
      version !== null &&
      (request.path === MANIFEST_PATH ||
        (await getFile(c.env.REGISTRY, name, version.version, request.path)) !== null);
    if (!version || !exists) {
      throw new Problem({
        status: 404,
        slug: "file-not-found",
        title: "Not Found",
        detail: version
          ? `${name}@${version.version} has no file ${request.path}`
          : `${name} has no published version${request.version ? ` ${request.version}` : ""}`,
        extra: { model: name, path: request.path },
      });
    }
    const expires = Math.floor(Date.now() / 1000) + request.expiresIn;
    const resolvePath = `/${name}/resolve/${version.version}/${request.path}`;
    const url = new URL(resolvePath, c.req.url);
    url.search = new URLSearchParams({
      expires: String(expires),
      signature: await signPath(secret, resolvePath, expires),
    }).toString();
    return c.json(
      conform(SignedUrlResponse, {
        url: url.toString(),
        version: version.version,
        expiresAt: new Date(expires * 1000).toISOString(),
      }),
      201,
    );
  },
);
