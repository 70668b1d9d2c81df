// `POST /v1/models/{name}/versions/{version}/compress`: validates the recipes at once (a bad one is a
// 400 naming it, before any work), records a job and queues it; 202 with the job and its Location.
import { Hono } from "hono";
import { RecipeError } from "../../compression/index.ts";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Job } from "../jobs/schemas.ts";
import { createJob } from "../jobs/store.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { getVersion } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { recipesOf } from "./run-job.ts";
import { CompressRequest } from "./schemas.ts";

export const compress = new Hono<AppEnv>().post(
  "/v1/models/:name/versions/:version/compress",
  requireScope("write", "to compress a version"),
  async (c) => {
    const name = parseParam(ModelName, "name", c.req.param("name"));
    const version = parseParam(VersionName, "version", c.req.param("version"));
    const request = await jsonBody(c.req.raw, CompressRequest);
    try {
      recipesOf(request);
    } catch (err) {
      if (!(err instanceof RecipeError)) throw err;
      throw new Problem({ status: 400, slug: "invalid-recipe", title: "Bad Request", detail: err.message });
    }
    if (!(await getVersion(c.env.REGISTRY, name, version))) {
      throw new Problem({
        status: 404,
        slug: "version-not-found",
        title: "Not Found",
        detail: `${name} has no published version ${version}; publish it before compressing`,
      });
    }
    const job = await createJob(c.env.REGISTRY, { kind: "compression", model: name, version, request });
    await c.env.COMPRESSION_QUEUE.send({ jobId: job.id });
    c.header("location", `/v1/jobs/${job.id}`);
    return c.json(conform(Job, job), 202);
  },
);
