// Runner leases on compression jobs the Worker leaves to runners (runner-handoff.ts): a runner
// leases the oldest such job, downloads the source through /{name}/resolve, runs the passes, uploads
// each variant under its lease (streamed into content-addressed storage, hashed on the way), then
// completes with the variants' manifest entries; they join the version in one step (add-variants.ts).
// Progress events numbered by the runner (seq) are stored once per lease, however often a batch is sent.
// The OpenAI-shaped fine-tuning lease routes stay as they are; these live beside them.
import { Hono } from "hono";
import { requireScope } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { addJobEvent, getJob } from "../jobs/store.ts";
import { jsonBody } from "../json-body.ts";
import { leaseConflict } from "../lease-conflict.ts";
import { Problem } from "../problem.ts";
import { FilePath, parseParam } from "../registry/names.ts";
import { acceptedEvents } from "../runner-event-seq.ts";
import { UploadResponse } from "../schemas.ts";
import { blobKey, storeBlob } from "../storage/blobs.ts";
import { addVariants } from "./add-variants.ts";
import {
  addLeaseEvents,
  claimOldest,
  extendLease,
  finishLeasedJob,
  jobByLease,
  type LeasedJobRow,
  newLeaseId,
  requeueExpired,
} from "./lease-store.ts";
import { sourceFiles } from "./runner-handoff.ts";
import {
  CompressionComplete,
  CompressionFail,
  CompressionHeartbeatRequest,
  CompressionLease,
  CompressionLeaseEvents,
  CompressionLeaseId,
  CompressionLeaseRequest,
  CompressRequest,
} from "./schemas.ts";

const WRITE = "to run compression jobs";
const BASE = "/v1/runner/compression-leases";

function leaseNotFound(lease: string): Problem {
  return new Problem({
    status: 404,
    slug: "lease-not-found",
    title: "Not Found",
    detail: `No compression job holds lease ${JSON.stringify(lease)}: it expired and its job was re-queued, or it never existed`,
  });
}

async function leasedJob(db: D1Database, lease: string): Promise<LeasedJobRow> {
  const row = CompressionLeaseId.safeParse(lease).success ? await jobByLease(db, lease) : null;
  if (!row) throw leaseNotFound(lease);
  return row;
}

async function liveJob(db: D1Database, lease: string): Promise<LeasedJobRow> {
  const row = await leasedJob(db, lease);
  const problem = leaseConflict(row, Date.now());
  if (problem) throw problem;
  return row;
}

async function leaseBody(db: D1Database, row: LeasedJobRow, ttlSeconds: number, origin: string) {
  const job = await getJob(db, row.id);
  const request = CompressRequest.parse(JSON.parse(row.request));
  const files = await sourceFiles(db, row.model, row.version, request.source);
  if (!job || !files) throw new Error(`job ${row.id} lost its job row or its source file`);
  return conform(CompressionLease, {
    object: "runner.compression_lease",
    id: row.lease_id as string,
    expires_at: Math.floor((row.lease_expires_at as number) / 1000),
    ttl_seconds: ttlSeconds,
    job,
    model: row.model,
    version: row.version,
    request,
    files: files.map((f) => ({ ...f, url: `${origin}/${row.model}/resolve/${row.version}/${f.path}` })),
  });
}

export const compressionLeases = new Hono<AppEnv>()
  .post(BASE, requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const { ttl_seconds } = await jsonBody(c.req.raw, CompressionLeaseRequest, { optional: true });
    const now = Date.now();
    for (const id of await requeueExpired(db, now)) {
      await addJobEvent(db, id, "lease.expired", { message: "the runner's lease expired; job re-queued" });
    }
    const row = await claimOldest(db, newLeaseId(), now + ttl_seconds * 1000);
    if (!row) return c.body(null, 204);
    await addJobEvent(db, row.id, "leased", { attempt: row.attempts });
    return c.json(await leaseBody(db, row, ttl_seconds, new URL(c.req.url).origin), 201);
  })
  .post(`${BASE}/:lease/heartbeat`, requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await liveJob(db, lease);
    const body = await jsonBody(c.req.raw, CompressionHeartbeatRequest, { optional: true });
    const now = Date.now();
    const ttl = body.ttl_seconds ?? 300;
    const extended = await extendLease(db, lease, now + ttl * 1000, now);
    if (!extended) throw leaseConflict((await jobByLease(db, lease)) ?? row, now) ?? leaseNotFound(lease);
    return c.json(await leaseBody(db, extended, ttl, new URL(c.req.url).origin));
  })
  .post(`${BASE}/:lease/events`, requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const row = await liveJob(db, c.req.param("lease"));
    const { events } = await jsonBody(c.req.raw, CompressionLeaseEvents);
    const stored = await addLeaseEvents(db, row.id, row.lease_id as string, events);
    return c.json(acceptedEvents(events.length, stored), 201);
  })
  .put(`${BASE}/:lease/files/:path{.+}`, requireScope("write", WRITE), async (c) => {
    await liveJob(c.env.REGISTRY, c.req.param("lease"));
    const path = parseParam(FilePath, "path", c.req.param("path"));
    const body = c.req.raw.body ?? new Response(new Uint8Array(0)).body;
    if (!body) throw new Error("no request body stream");
    const length = c.req.header("content-length");
    const blob = await storeBlob(
      c.env.ARTIFACTS,
      body,
      length !== undefined && /^\d+$/.test(length) ? Number(length) : null,
      Number(c.env.EDGETUNE_MAX_UPLOAD_BYTES),
    );
    return c.json(conform(UploadResponse, { path, ...blob }), 201);
  })
  .post(`${BASE}/:lease/complete`, requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await liveJob(db, lease);
    const { variants } = await jsonBody(c.req.raw, CompressionComplete);
    for (const { file, variant } of variants) {
      if (file.path !== variant.path || file.sha256 !== variant.sha256 || file.size !== variant.size) {
        throw new Problem({
          status: 400,
          slug: "invalid-variant",
          title: "Bad Request",
          detail: `variant ${variant.dtype}: its file entry and variant entry name different bytes`,
        });
      }
      const stored = await c.env.ARTIFACTS.head(blobKey(file.sha256));
      if (!stored || stored.size !== file.size) {
        throw new Problem({
          status: 409,
          slug: "variant-not-uploaded",
          title: "Conflict",
          detail: `${file.path} (sha256 ${file.sha256}, ${file.size} bytes) was not uploaded; PUT it under the lease first`,
          extra: { path: file.path },
        });
      }
    }
    const { manifestSha256 } = await addVariants(c.env, row.model, row.version, variants);
    const result = { manifestSha256, variants: variants.map((v) => v.variant.dtype), executor: "runner" };
    const done = await finishLeasedJob(db, lease, { status: "succeeded", result });
    if (!done) throw leaseConflict((await jobByLease(db, lease)) ?? row, Date.now()) ?? leaseNotFound(lease);
    await addJobEvent(db, row.id, "succeeded", result);
    return c.json(await getJob(db, row.id));
  })
  .post(`${BASE}/:lease/fail`, requireScope("write", WRITE), async (c) => {
    const db = c.env.REGISTRY;
    const lease = c.req.param("lease");
    const row = await liveJob(db, lease);
    const { error } = await jsonBody(c.req.raw, CompressionFail);
    const done = await finishLeasedJob(db, lease, { status: "failed", error });
    if (!done) throw leaseConflict((await jobByLease(db, lease)) ?? row, Date.now()) ?? leaseNotFound(lease);
    await addJobEvent(db, row.id, "failed", { error });
    return c.json(await getJob(db, row.id));
  });
