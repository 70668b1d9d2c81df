// A fine-tuning job's checkpoints in workerd: the snapshot events a runner streams become checkpoints
// (step, stage, the losses last reported at or before the step, the runner's path and s3:// URI), listed
// newest first under the published model with OpenAI's pagination; a batch sent again, or a re-leased
// job's second attempt, writes each (stage, step) once; bad cursors, limits and snapshot events are 4xx.
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api, problemOf, stageAndPublish } from "./api.ts";
import { emptyQueue, type Leased, leasedJob, post } from "./fine-tuning-api.ts";

interface RunnerEvent {
  type: string;
  data: Record<string, unknown>;
}
interface Checkpoint {
  id: string;
  object: string;
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  step_number: number;
  metrics: Record<string, number>;
  edgetune: Record<string, unknown>;
}
interface CheckpointList {
  object: string;
  data: Checkpoint[];
  has_more: boolean;
}
async function send(lease: string, events: RunnerEvent[]) {
  const res = await post(`/v1/runner/leases/${lease}/events`, { events });
  expect(res.status, await res.clone().text()).toBe(201);
}

async function checkpoints(job: string, query = ""): Promise<CheckpointList> {
  const res = await api(`/v1/fine_tuning/jobs/${job}/checkpoints${query}`, { token: "read" });
  expect(res.status, await res.clone().text()).toBe(200);
  return res.json() as Promise<CheckpointList>;
}

async function complete(l: Leased) {
  await stageAndPublish(l.output.model, l.output.version);
  const res = await post(`/v1/runner/leases/${l.lease}/complete`, {
    model_name: l.output.model,
    version: l.output.version,
    metrics: { steps: 30, train_loss: 0.4, eval_accuracy: 1 },
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

const step = (n: number, loss: number, stage?: number): RunnerEvent => ({
  type: "step",
  data: {
    step: n,
    loss,
    lr: 1e-3,
    grad_norm: 1,
    tokens_per_s: 100,
    ...(stage === undefined ? {} : { stage }),
  },
});
const evaluation = (n: number, loss: number, accuracy: number, stage?: number): RunnerEvent => ({
  type: "eval",
  data: { step: n, loss, accuracy, ...(stage === undefined ? {} : { stage }) },
});
const snapshot = (n: number, extra: Record<string, unknown> = {}): RunnerEvent => ({
  type: "snapshot",
  data: { step: n, path: `/work/out/checkpoints/step-${String(n).padStart(6, "0")}`, ...extra },
});
const hexOf = (job: string) => job.slice("ftjob-".length);

beforeEach(emptyQueue);

describe("fine-tuning checkpoints from snapshot events", () => {
  it("records each snapshot with its step, the losses known at that step and where it lives", async () => {
    const l = await leasedJob();
    const uri = `s3://artifacts/runs/${l.job}/checkpoints/step-000002/`;
    // step 3's loss and eval arrive in the snapshot's batch but after its step: they are not its losses
    await send(l.lease, [
      step(1, 0.9),
      step(2, 0.8),
      snapshot(2, { uri }),
      step(3, 0.7),
      evaluation(3, 0.75, 0.5),
    ]);
    // the eval of step 3 was stored with the previous batch: it is the latest one at step 4
    await send(l.lease, [step(4, 0.6), snapshot(4)]);

    const running = await checkpoints(l.job);
    expect(running.has_more).toBe(false);
    expect(running.data.map(({ created_at, ...c }) => c)).toEqual([
      {
        id: `ftckpt-${hexOf(l.job)}-step-4`,
        object: "fine_tuning.job.checkpoint",
        fine_tuned_model_checkpoint: "/work/out/checkpoints/step-000004",
        fine_tuning_job_id: l.job,
        step_number: 4,
        metrics: { step: 4, train_loss: 0.6, valid_loss: 0.75, valid_accuracy: 0.5 },
        edgetune: { kind: "snapshot", stage: null, path: "/work/out/checkpoints/step-000004", uri: null },
      },
      {
        id: `ftckpt-${hexOf(l.job)}-step-2`,
        object: "fine_tuning.job.checkpoint",
        fine_tuned_model_checkpoint: uri,
        fine_tuning_job_id: l.job,
        step_number: 2,
        metrics: { step: 2, train_loss: 0.8 },
        edgetune: { kind: "snapshot", stage: null, path: "/work/out/checkpoints/step-000002", uri },
      },
    ]);
    const now = Date.now() / 1000;
    for (const c of running.data) expect(Math.abs(c.created_at - now)).toBeLessThan(120);

    // the published model is the last checkpoint, first in the list, with its id as before
    await complete(l);
    const done = await checkpoints(l.job);
    expect(done.data.map((c) => c.id)).toEqual([
      `ftckpt-${hexOf(l.job)}`,
      `ftckpt-${hexOf(l.job)}-step-4`,
      `ftckpt-${hexOf(l.job)}-step-2`,
    ]);
    expect(done.data[0]).toMatchObject({
      fine_tuned_model_checkpoint: `${l.output.model}@${l.output.version}`,
      step_number: 30,
      metrics: { steps: 30, train_loss: 0.4, eval_accuracy: 1 },
      edgetune: { kind: "model", ...l.output },
    });
    // the events list names the snapshot
    const events = await api(`/v1/fine_tuning/jobs/${l.job}/events?limit=100`, { token: "read" });
    const messages = ((await events.json()) as { data: { message: string }[] }).data.map((e) => e.message);
    expect(messages).toContain(`Step 2: checkpoint saved to ${uri}`);
    expect(messages).toContain("Step 4: checkpoint saved");
  });

  it("writes each (stage, step) once when a batch is sent again; a second attempt's snapshot replaces the first's", async () => {
    const l = await leasedJob();
    const batch = [step(2, 0.8), snapshot(2)];
    await send(l.lease, batch);
    const first = await checkpoints(l.job);
    await send(l.lease, batch);
    await send(l.lease, batch);
    expect(await checkpoints(l.job)).toEqual(first);
    expect(first.data).toHaveLength(1);

    // the lease runs out; the job is leased again and its new run snapshots step 2 with another loss
    await env.REGISTRY.prepare("UPDATE fine_tuning_jobs SET lease_expires_at = 0 WHERE id = ?1")
      .bind(l.job)
      .run();
    const again = await post("/v1/runner/leases", { ttl_seconds: 60 });
    const second = (await again.json()) as {
      id: string;
      job: { id: string; edgetune: { attempts: number } };
    };
    expect(second.job).toMatchObject({ id: l.job, edgetune: { attempts: 2 } });
    await send(second.id, [step(1, 1.1), step(2, 0.5), snapshot(2, { uri: "s3://b/second/step-000002/" })]);
    const replaced = await checkpoints(l.job);
    expect(replaced.data).toHaveLength(1);
    expect(replaced.data[0]).toMatchObject({
      id: first.data[0]?.id,
      created_at: first.data[0]?.created_at,
      fine_tuned_model_checkpoint: "s3://b/second/step-000002/",
      metrics: { step: 2, train_loss: 0.5 },
    });
  });

  it("keeps the stages of a multi-stage job apart: later stage first, losses of its own stage", async () => {
    const l = await leasedJob();
    await send(l.lease, [
      step(2, 0.9, 0),
      evaluation(2, 0.95, 0.25, 0),
      snapshot(2, { stage: 0 }),
      step(1, 0.4, 1),
      step(2, 0.3, 1),
      snapshot(2, { stage: 1 }),
    ]);
    const { data } = await checkpoints(l.job);
    expect(data.map((c) => [c.id, c.edgetune.stage, c.metrics])).toEqual([
      [`ftckpt-${hexOf(l.job)}-stage-1-step-2`, 1, { step: 2, train_loss: 0.3 }],
      [
        `ftckpt-${hexOf(l.job)}-stage-0-step-2`,
        0,
        { step: 2, train_loss: 0.9, valid_loss: 0.95, valid_accuracy: 0.25 },
      ],
    ]);
  });

  it("pages newest first with limit and after (a checkpoint id), 10 by default", async () => {
    const l = await leasedJob();
    await send(
      l.lease,
      Array.from({ length: 11 }, (_, i) => snapshot(i + 1)),
    );
    await complete(l);
    const id = (n: number | null) => `ftckpt-${hexOf(l.job)}${n === null ? "" : `-step-${n}`}`;
    const ids = (page: CheckpointList) => [page.data.map((c) => c.id), page.has_more];

    const all = await checkpoints(l.job);
    expect(ids(all)).toEqual([[id(null), ...[11, 10, 9, 8, 7, 6, 5, 4, 3].map(id)], true]);
    expect(ids(await checkpoints(l.job, "?limit=100"))).toEqual([
      [id(null), ...[11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(id)],
      false,
    ]);
    expect(ids(await checkpoints(l.job, "?limit=2"))).toEqual([[id(null), id(11)], true]);
    expect(ids(await checkpoints(l.job, `?limit=2&after=${id(null)}`))).toEqual([[id(11), id(10)], true]);
    expect(ids(await checkpoints(l.job, `?limit=3&after=${id(4)}`))).toEqual([[id(3), id(2), id(1)], false]);
    expect(ids(await checkpoints(l.job, `?after=${id(1)}`))).toEqual([[], false]);
  });

  it("answers bad limits with 400 and unknown cursors with 404, problem+json", async () => {
    const l = await leasedJob();
    await send(l.lease, [snapshot(2)]);
    const other = await leasedJob();
    await send(other.lease, [snapshot(3)]);
    const get = (job: string, query: string) =>
      api(`/v1/fine_tuning/jobs/${job}/checkpoints${query}`, { token: "read" });

    for (const limit of ["0", "101", "abc", "2.5"]) {
      const bad = await problemOf(await get(l.job, `?limit=${limit}`), 400);
      expect(bad.type).toMatch(/validation-failed$/);
      expect(JSON.stringify(bad.issues)).toContain('"path":"limit"');
    }
    // the final model's id before the job succeeded, another job's checkpoint, and nonsense
    for (const after of [`ftckpt-${hexOf(l.job)}`, `ftckpt-${hexOf(other.job)}-step-3`, "nope"]) {
      const missing = await problemOf(await get(l.job, `?after=${after}`), 404);
      expect(missing.type).toMatch(/checkpoint-not-found$/);
      expect(missing.detail).toBe(`after ${JSON.stringify(after)} is not a checkpoint of job ${l.job}`);
    }
    await problemOf(await get(`ftjob-${"0".repeat(32)}`, ""), 404);
    await problemOf(await api(`/v1/fine_tuning/jobs/${l.job}/checkpoints`), 401);
  });

  it("refuses a batch with an invalid snapshot event whole, naming the field", async () => {
    const l = await leasedJob();
    const before = await env.REGISTRY.prepare(
      "SELECT COUNT(*) AS n FROM fine_tuning_events WHERE job_id = ?1",
    )
      .bind(l.job)
      .first<{ n: number }>();
    for (const [bad, path] of [
      [snapshot(2, { uri: "https://example.com/step-2" }), "events.1.data.uri"],
      [{ type: "snapshot", data: { step: -1, path: "/p" } }, "events.1.data.step"],
      [{ type: "snapshot", data: { step: 2 } }, "events.1.data.path"],
    ] as const) {
      const res = await post(`/v1/runner/leases/${l.lease}/events`, { events: [step(2, 0.5), bad] });
      const problem = await problemOf(res, 400);
      expect(problem.type).toMatch(/invalid-snapshot-event$/);
      expect((problem.issues as { path: string }[]).map((i) => i.path)).toEqual([path]);
    }
    const after = await env.REGISTRY.prepare("SELECT COUNT(*) AS n FROM fine_tuning_events WHERE job_id = ?1")
      .bind(l.job)
      .first<{ n: number }>();
    expect(after?.n).toBe(before?.n);
    expect((await checkpoints(l.job)).data).toEqual([]);
  });
});
