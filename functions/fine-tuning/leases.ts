// The runner lease API: a runner leases the oldest queued job for ttl_seconds, heartbeats to keep it,
// appends events, then completes (idempotently) or fails it. A lease that runs out puts its job back
// in the queue on the next lease call; a cancelled job answers its runner's heartbeat with 409. Each
// "snapshot" event becomes one of the job's checkpoints (checkpoints.ts), with the batch's events. A
// runner numbers its events (seq): a batch it sends again stores only the events not stored yet.
import { Hono } from "hono";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { leaseConflict } from "../lease-conflict.ts";
import { Problem } from "../problem.ts";
import { getVersion } from "../registry/db.ts";
import { acceptedEvents } from "../runner-event-seq.ts";
import { upsertSnapshotCheckpoint } from "./checkpoints.ts";
import {
  CompleteRequest,
  EventsRequest,
  FailRequest,
  FineTuningJob,
  HeartbeatRequest,
  Lease,
  LeaseId,
  LeaseRequest,
  SnapshotEventData,
} from "./schemas.ts";
import {
  addEvent,
  addEvents,
  claimOldest,
  extendLease,
  finishJob,
  type JobResult,
  type JobRow,
  jobByLease,
  newId,
  requeueExpired,
  toJob,
} from "./store.ts";

const WRITE = "to run fine-tuning jobs";

function leaseNotFound(lease: string): Problem {
  return new Problem({
    status: 404,
    slug: "lease-not-found",
    title: "Not Found",
    detail: `No job holds lease ${JSON.stringify(lease)}: it expired and its job was re-queued, or it never existed`,
  });
}

/** The job that holds `lease`, or 404. */
async function leasedJob(db: D1Database, lease: string): Promise<JobRow> {
  const row = LeaseId.safeParse(lease).success ? await jobByLease(db, lease) : null;
  if (!row) throw leaseNotFound(lease);
  return row;
}

/** Why the job holding a lease cannot go on (409); a cancelled job's runner is told to stop training. */
function notLive(row: JobRow, now: number): Problem | null {
  return leaseConflict(row, now, `Job ${row.id} was cancelled; stop training it`);
}

function leaseBody(row: JobRow, ttlSeconds: number, origin: string) {
  const content = (id: string) => ({ id, url: `${origin}/v1/files/${id}/content` });
  return conform(Lease, {
    object: "runner.lease",
    id: row.lease_id as string,
    expires_at: Math.floor((row.lease_expires_at as number) / 1000),
    ttl_seconds: ttlSeconds,
    job: toJob(row),
    trainer_job: JSON.parse(row.trainer_job),
    files: {
      training: content(row.training_file),
      validation: row.validation_file === null ? null : content(row.validation_file),
    },
    output: { model: row.output_model, version: row.output_version },
  });
}

/** A snapshot event's data, or 400 naming the event: nothing of the batch is stored then. */
function snapshotOf(data: unknown, index: number): SnapshotEventData {
  const parsed = SnapshotEventData.safeParse(data);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    path: ["events", index, "data", ...i.path].map(String).join("."),
    code: i.code,
    message: i.message,
  }));
  throw new Problem({
    status: 400,
    slug: "invalid-snapshot-event",
    title: "Bad Request",
    detail: `A snapshot event is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    extra: { issues },
  });
}

function describe(e: { type: string; data: Record<string, unknown> }): string {
  const d = e.data;
  const num = (v: unknown) => (typeof v === "number" ? Number(v.toPrecision(4)) : v);
  if (e.type === "step") return `Step ${d.step}: training loss=${num(d.loss)}`;
  if (e.type === "eval") return `Step ${d.step}: validation loss=${num(d.loss)}, accuracy=${num(d.accuracy)}`;
  if (e.type === "snapshot") return `Step ${d.step}: checkpoint saved${d.uri ? ` to ${d.uri}` : ""}`;
  return e.type;
}

export const runnerLeases = new Hono<AppEnv>()
  .post("/v1/runner/leases", requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const { ttl_seconds } = await jsonBody(c.req.raw, LeaseRequest, { optional: true });
    const now = Date.now();
    for (const id of await requeueExpired(db, now)) {
      await addEvents(db, id, [
        { level: "warn", kind: "message", message: "The runner's lease expired; job re-queued", data: {} },
      ]);
    }
    const row = await claimOldest(db, newId("lease"), now + ttl_seconds * 1000);
    if (!row) return c.body(null, 204);
    await addEvent(db, row.id, `Job leased by a runner (attempt ${row.attempts})`, {
      attempt: row.attempts,
    });
    return c.json(leaseBody(row, ttl_seconds, new URL(c.req.url).origin), 201);
  })
  .post("/v1/runner/leases/:lease/heartbeat", requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await leasedJob(db, lease);
    const body = await jsonBody(c.req.raw, HeartbeatRequest, { optional: true });
    const now = Date.now();
    const problem = notLive(row, now);
    if (problem) throw problem;
    const previousTtl = Math.max(5, Math.round(((row.lease_expires_at as number) - row.updated_at) / 1000));
    const ttl = body.ttl_seconds ?? previousTtl;
    const extended = await extendLease(db, lease, now + ttl * 1000, now);
    if (!extended) throw notLive((await jobByLease(db, lease)) ?? row, now) ?? leaseNotFound(lease);
    return c.json(leaseBody(extended, ttl, new URL(c.req.url).origin));
  })
  .post("/v1/runner/leases/:lease/events", requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const row = await leasedJob(db, c.req.param("lease"));
    const { events } = await jsonBody(c.req.raw, EventsRequest);
    const snapshots = events.flatMap((e, i) => (e.type === "snapshot" ? [snapshotOf(e.data, i)] : []));
    const now = Date.now();
    const problem = notLive(row, now);
    if (problem) throw problem;
    const lease = row.lease_id as string;
    const stored = await addEvents(
      db,
      row.id,
      events.map((e) => ({
        level: e.level,
        kind: e.type,
        message: e.message ?? describe(e),
        data: e.data,
        ...(e.seq === undefined ? {} : { runner: { lease, seq: e.seq } }),
      })),
      snapshots.map((s) => upsertSnapshotCheckpoint(db, row.id, s, now)),
      now,
    );
    return c.json(acceptedEvents(events.length, stored), 201);
  })
  .post("/v1/runner/leases/:lease/complete", requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await leasedJob(db, lease);
    const req = await jsonBody(c.req.raw, CompleteRequest);
    const fineTunedModel = `${req.model_name}@${req.version}`;
    if (row.status === "succeeded") {
      if (row.fine_tuned_model === fineTunedModel) return c.json(conform(FineTuningJob, toJob(row)));
      throw new Problem({
        status: 409,
        slug: "job-finished",
        title: "Conflict",
        detail: `Job ${row.id} already succeeded with ${row.fine_tuned_model}`,
        extra: { job: row.id, status: row.status },
      });
    }
    if (row.status !== "running") throw notLive(row, Date.now()) as Problem;
    if (!(await getVersion(db, req.model_name, req.version))) {
      throw new Problem({
        status: 409,
        slug: "version-not-published",
        title: "Conflict",
        detail: `${fineTunedModel} is not published; upload and publish it before completing the job`,
        extra: { model: req.model_name, version: req.version },
      });
    }
    const result: JobResult = { model_name: req.model_name, version: req.version };
    if (req.metrics) result.metrics = req.metrics;
    if (req.trained_tokens !== undefined) result.trained_tokens = req.trained_tokens;
    if (req.artifacts !== undefined) result.artifacts = req.artifacts;
    const done = await finishJob(db, lease, { status: "succeeded", fineTunedModel, result });
    if (!done) throw notLive((await jobByLease(db, lease)) ?? row, Date.now()) ?? leaseNotFound(lease);
    await addEvent(db, row.id, `Fine-tuning job succeeded: ${fineTunedModel}`, {
      model: req.model_name,
      version: req.version,
    });
    return c.json(conform(FineTuningJob, toJob(done)));
  })
  .post("/v1/runner/leases/:lease/fail", requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await leasedJob(db, lease);
    const req = await jsonBody(c.req.raw, FailRequest);
    const error =
      typeof req.error === "string"
        ? { code: "runner_error", message: req.error, param: null }
        : { code: req.error.code ?? "runner_error", message: req.error.message, param: null };
    if (row.status === "failed") return c.json(conform(FineTuningJob, toJob(row)));
    if (row.status !== "running") throw notLive(row, Date.now()) as Problem;
    const done = await finishJob(db, lease, { status: "failed", error });
    if (!done) throw notLive((await jobByLease(db, lease)) ?? row, Date.now()) ?? leaseNotFound(lease);
    await addEvents(db, row.id, [
      { level: "error", kind: "message", message: `Fine-tuning job failed: ${error.message}`, data: {} },
    ]);
    return c.json(conform(FineTuningJob, toJob(done)));
  });
