// Runner event batches in workerd are idempotent (migration 0008): events a runner numbers (seq, per
// lease) are stored once however often their batch is sent, a batch overlapping an earlier one stores
// only its new events, a re-leased job's second attempt counts from 0 again without being taken for
// the first, and runners that send no seq are stored as before. Compression-job leases alike.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { latest } from "../../functions/fine-tuning/checkpoints.ts";
import { Job, JobEventList } from "../../functions/jobs/schemas.ts";
import { api, problemOf, stageAndPublish } from "./api.ts";
import { emptyQueue, leasedJob, leaseNext, post } from "./fine-tuning-api.ts";

interface Sent {
  type: string;
  data: Record<string, unknown>;
  seq?: number;
}
interface Accepted {
  object: string;
  accepted: number;
  stored: number;
  duplicates: number;
}
interface ListedEvent {
  message: string;
  data: Record<string, unknown>;
}

async function send(leaseId: string, events: Sent[]): Promise<Accepted> {
  const res = await post(`/v1/runner/leases/${leaseId}/events`, { events });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<Accepted>;
}

/** The runner's step events of a job, oldest first, as [attempt tag, step, loss]. */
async function steps(job: string): Promise<[unknown, unknown, unknown][]> {
  const res = await api(`/v1/fine_tuning/jobs/${job}/events?limit=100`, { token: "read" });
  expect(res.status).toBe(200);
  const { data } = (await res.json()) as { data: ListedEvent[] };
  return data
    .filter((e) => e.data.event === "step")
    .reverse()
    .map((e) => [e.data.run, e.data.step, e.data.loss]);
}

const step = (seq: number | undefined, n: number, loss: number, run = "a"): Sent => ({
  type: "step",
  data: { step: n, loss, run },
  ...(seq === undefined ? {} : { seq }),
});

beforeEach(emptyQueue);

describe("fine-tuning runner event batches", () => {
  it("stores each event of a batch sent twice once, and says how many were new", async () => {
    const l = await leasedJob();
    const batch = [step(0, 1, 0.9), step(1, 2, 0.8), step(2, 3, 0.7)];
    expect(await send(l.lease, batch)).toEqual({ object: "list", accepted: 3, stored: 3, duplicates: 0 });
    // the answer was lost; the runner sends the same batch again
    expect(await send(l.lease, batch)).toEqual({ object: "list", accepted: 3, stored: 0, duplicates: 3 });
    expect(await steps(l.job)).toEqual([
      ["a", 1, 0.9],
      ["a", 2, 0.8],
      ["a", 3, 0.7],
    ]);
    // the job's own event ids stay gapless (n, …, 1 newest first): the duplicates took no number
    const res = await api(`/v1/fine_tuning/jobs/${l.job}/events?limit=100`, { token: "read" });
    const ids = ((await res.json()) as { data: { id: string }[] }).data.map((e) =>
      Number(e.id.split("-").at(-1)),
    );
    expect(ids).toEqual(ids.map((_, i) => ids.length - i));
  });

  it("stores only the new events of a batch that overlaps an earlier one", async () => {
    const l = await leasedJob();
    await send(l.lease, [step(0, 1, 0.9), step(1, 2, 0.8)]);
    // a lost answer, then more events: the runner resends its unacknowledged events with the new ones
    expect(await send(l.lease, [step(1, 2, 0.8), step(2, 3, 0.7), step(3, 4, 0.6)])).toMatchObject({
      accepted: 3,
      stored: 2,
      duplicates: 1,
    });
    expect(await steps(l.job)).toEqual([
      ["a", 1, 0.9],
      ["a", 2, 0.8],
      ["a", 3, 0.7],
      ["a", 4, 0.6],
    ]);
  });

  it("keeps a re-leased job's second attempt apart from its first, though both count from 0", async () => {
    const first = await leasedJob();
    await send(first.lease, [step(0, 1, 0.9, "first"), step(1, 2, 0.8, "first")]);
    await env.REGISTRY.prepare("UPDATE fine_tuning_jobs SET lease_expires_at = 0 WHERE id = ?1")
      .bind(first.job)
      .run();
    const second = await leaseNext();
    expect(second).toMatchObject({ job: first.job, attempt: 2 });
    const batch = [step(0, 1, 1.1, "second"), step(1, 2, 0.5, "second")];
    expect(await send(second.lease, batch)).toMatchObject({ stored: 2, duplicates: 0 });
    expect(await send(second.lease, batch)).toMatchObject({ stored: 0, duplicates: 2 });
    expect(await steps(first.job)).toEqual([
      ["first", 1, 0.9],
      ["first", 2, 0.8],
      ["second", 1, 1.1],
      ["second", 2, 0.5],
    ]);
    // the first attempt's runner lost its lease: it cannot add (or resend) anything now
    await problemOf(
      await post(`/v1/runner/leases/${first.lease}/events`, { events: [step(2, 3, 0.7)] }),
      404,
    );
  });

  it("stores the batches of a runner that sends no seq as before, duplicates included", async () => {
    const l = await leasedJob();
    const batch = [step(undefined, 1, 0.9)];
    expect(await send(l.lease, batch)).toEqual({ object: "list", accepted: 1, stored: 1, duplicates: 0 });
    expect(await send(l.lease, batch)).toEqual({ object: "list", accepted: 1, stored: 1, duplicates: 0 });
    expect(await steps(l.job)).toEqual([
      ["a", 1, 0.9],
      ["a", 1, 0.9],
    ]);
  });

  it("refuses a batch whose seqs are partial, out of order or negative, storing none of it", async () => {
    const l = await leasedJob();
    for (const [events, path] of [
      [[step(0, 1, 0.9), step(undefined, 2, 0.8)], "events"],
      [[step(1, 1, 0.9), step(1, 2, 0.8)], "events.1.seq"],
      [[step(2, 1, 0.9), step(1, 2, 0.8)], "events.1.seq"],
      [[step(-1, 1, 0.9)], "events.0.seq"],
    ] as const) {
      const problem = await problemOf(await post(`/v1/runner/leases/${l.lease}/events`, { events }), 400);
      const issues = (problem as { issues?: { path: string }[] }).issues ?? [];
      expect(issues.map((i) => i.path)).toContain(path);
    }
    expect(await steps(l.job)).toEqual([]);
  });
});

describe("compression runner event batches", () => {
  it("stores each numbered event once per lease however often its batch is sent", async () => {
    await stageAndPublish("seq-large", "1.0.0");
    const previous = env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES;
    env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = "1"; // every model is too large for the Worker now
    let job: Job;
    try {
      const res = await post("/v1/models/seq-large/versions/1.0.0/compress", { recipes: ["q8"] });
      expect(res.status, await res.clone().text()).toBe(202);
      job = Job.parse(await res.json());
    } finally {
      env.EDGETUNE_WORKER_COMPRESSION_MAX_BYTES = previous;
    }
    const leased = await post("/v1/runner/compression-leases", { ttl_seconds: 60 });
    expect(leased.status).toBe(201);
    const { id: leaseId } = (await leased.json()) as { id: string };
    const events = (list: Sent[]) =>
      post(`/v1/runner/compression-leases/${leaseId}/events`, { events: list });

    const batch = [
      { type: "variant.started", data: { name: "q8" }, seq: 0 },
      { type: "variant.done", data: { name: "q8" }, seq: 1 },
    ];
    const first = await events(batch);
    expect(first.status).toBe(201);
    expect(await first.json()).toEqual({ object: "list", accepted: 2, stored: 2, duplicates: 0 });
    expect(await (await events(batch)).json()).toMatchObject({ stored: 0, duplicates: 2 });
    expect(
      await (await events([batch[1] as Sent, { type: "uploaded", data: {}, seq: 2 }])).json(),
    ).toMatchObject({ stored: 1, duplicates: 1 });
    // unnumbered events (older runners) are stored each time, as before
    await events([{ type: "note", data: {} }]);
    await events([{ type: "note", data: {} }]);
    await problemOf(
      await events([
        { type: "note", data: {}, seq: 3 },
        { type: "note", data: {} },
      ]),
      400,
    );

    const listed = JobEventList.parse(
      await (await api(`/v1/jobs/${job.id}/events`, { token: "read" })).json(),
    );
    const runnerTypes = listed.data
      .map((e) => e.type)
      .filter((t) => !["queued.runner", "leased"].includes(t));
    expect(runnerTypes).toEqual(["variant.started", "variant.done", "uploaded", "note", "note"]);
    expect(listed.data.map((e) => e.seq)).toEqual(listed.data.map((_, i) => i + 1));
  });
});

describe("the events index (migration 0008)", () => {
  it("serves a snapshot's loss lookup from the job's events of that kind, not a scan of all its events", async () => {
    const { results } = await env.REGISTRY.prepare(`EXPLAIN QUERY PLAN SELECT ${latest("step", "loss")}`)
      .bind("ftjob-x", -1, 10)
      .all<{ detail: string }>();
    expect(results.map((r) => r.detail)).toContain(
      "SEARCH fine_tuning_events USING INDEX fine_tuning_events_by_kind (job_id=? AND kind=?)",
    );
  });
});
