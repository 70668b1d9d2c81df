// `POST /v1/models/{name}/versions/{version}/compress`: validates the recipes at once (a bad one is a
// 400 naming it, before any work), records a job and queues it; 202 with the job and its Location.
// A source model above the Worker's limit (runner-handoff.ts) is not sent to the Queue consumer: the
// job stays queued for a runner, which leases it through the routes in leases.ts (mounted here).
import { Hono } from "hono";
import { RecipeError } from "../../compression/index.ts";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Job } from "../jobs/schemas.ts";
import { addJobEvent, createJob } from "../jobs/store.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { getVersion } from "../registry/db.ts";
import { ModelName, parseParam, VersionName } from "../registry/names.ts";
import { markForRunner } from "./lease-store.ts";
import { compressionLeases } from "./leases.ts";
import { recipesOf } from "./run-job.ts";
import { sourceFiles, workerCompressionLimit } from "./runner-handoff.ts";
import { CompressRequest } from "./schemas.ts";

export const compress = new Hono<AppEnv>()
  .post(
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
      const files = await sourceFiles(c.env.REGISTRY, name, version, request.source);
      if (!files) {
        throw new Problem({
          status: 400,
          slug: "invalid-source",
          title: "Bad Request",
          detail: `${name}@${version} has no file ${JSON.stringify(request.source)} to compress`,
        });
      }
      const size = files.reduce((sum, f) => sum + f.size, 0);
      const limit = workerCompressionLimit(c.env);
      const job = await createJob(c.env.REGISTRY, { kind: "compression", model: name, version, request });
      if (size > limit) {
        await markForRunner(c.env.REGISTRY, job.id);
        await addJobEvent(c.env.REGISTRY, job.id, "queued.runner", { size, limit });
      } else {
        await c.env.COMPRESSION_QUEUE.send({ jobId: job.id });
      }
      c.header("location", `/v1/jobs/${job.id}`);
      return c.json(conform(Job, job), 202);
    },
  )
  .route("/", compressionLeases);
