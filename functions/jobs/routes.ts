// `GET /v1/jobs/{id}` and `GET /v1/jobs/{id}/events[?after=seq]`: a job's status and what it did.
import { Hono } from "hono";
import { z } from "zod";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { Job, JobEventList } from "./schemas.ts";
import { getJob, listJobEvents } from "./store.ts";

const JobId = z.string().regex(/^job_[0-9a-f]{32}$/, "a job id looks like job_<32 hex digits>");

async function existingJob(db: D1Database, raw: string) {
  const id = JobId.safeParse(raw);
  const job = id.success ? await getJob(db, id.data) : null;
  if (!job) {
    throw new Problem({
      status: 404,
      slug: "job-not-found",
      title: "Not Found",
      detail: `No job ${JSON.stringify(raw)}`,
    });
  }
  return job;
}

export const jobs = new Hono<AppEnv>()
  .get("/v1/jobs/:id", requireScope("read", "to read jobs"), async (c) =>
    c.json(conform(Job, await existingJob(c.env.REGISTRY, c.req.param("id")))),
  )
  .get("/v1/jobs/:id/events", requireScope("read", "to read jobs"), async (c) => {
    const job = await existingJob(c.env.REGISTRY, c.req.param("id"));
    const after = z.coerce
      .number()
      .int()
      .min(0)
      .default(0)
      .parse(c.req.query("after") ?? 0);
    return c.json(
      conform(JobEventList, { object: "list", data: await listJobEvents(c.env.REGISTRY, job.id, after) }),
    );
  });
