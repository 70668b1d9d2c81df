// Fine-tuning in workerd: JSONL files, OpenAI-shaped jobs, and the runner lease API, with the bad inputs
// (a bad JSONL line, unknown files, wrong scopes, expired leases, double completes, cancellation).
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { api, problemOf, stageAndPublish } from "./api.ts";
import {
  createJob,
  emptyQueue,
  type FtJob,
  JSONL,
  type LeaseBody,
  lease,
  post,
  TASK,
  uploadFile,
} from "./fine-tuning-api.ts";

async function getJob(id: string): Promise<FtJob> {
  const res = await api(`/v1/fine_tuning/jobs/${id}`, { token: "read" });
  expect(res.status).toBe(200);
  return res.json() as Promise<FtJob>;
}

async function eventsOf(
  id: string,
): Promise<{ message: string; type: string; data: Record<string, unknown> }[]> {
  const res = await api(`/v1/fine_tuning/jobs/${id}/events?limit=1000`, { token: "read" });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { message: string; type: string; data: Record<string, unknown> }[] })
    .data;
}

beforeEach(emptyQueue);

describe("POST /v1/files", () => {
  it("stores a JSONL file and streams it back", async () => {
    const file = await uploadFile();
    expect(file).toMatchObject({
      object: "file",
      bytes: new TextEncoder().encode(JSONL).byteLength,
      filename: "train.jsonl",
      purpose: "fine-tune",
      lines: 4,
    });
    expect(file.id).toMatch(/^file-[0-9a-f]{32}$/);
    const content = await api(`/v1/files/${file.id}/content`, { token: "read" });
    expect(content.status).toBe(200);
    expect(await content.text()).toBe(JSONL);
    const meta = await api(`/v1/files/${file.id}`, { token: "read" });
    expect(await meta.json()).toMatchObject({ id: file.id, lines: 4 });
  });

  it("names the first line that is not a JSON object, and records nothing", async () => {
    const bad = `${JSONL}{"text": "ok", "label": "ham"}\n{"text": oops}\n[1, 2]\n`;
    const res = await api("/v1/files", { method: "POST", body: bad, token: "write" });
    const problem = await problemOf(res, 400);
    expect(problem.line).toBe(6);
    expect(problem.detail).toMatch(/^Line 6 is not JSON/);
    const array = await api("/v1/files", { method: "POST", body: '{"a":1}\n[1]', token: "write" });
    expect((await problemOf(array, 400)).detail).toMatch(/^Line 2 is not a JSON object/);
    const empty = await api("/v1/files", { method: "POST", body: "\n\n", token: "write" });
    expect((await problemOf(empty, 400)).detail).toMatch(/no JSON lines/);
    const { results } = await env.REGISTRY.prepare("SELECT id FROM fine_tuning_files WHERE lines > 4").all();
    expect(results).toEqual([]);
  });

  it("refuses files over the limit, wrong scopes and unknown ids", async () => {
    const big = `${JSON.stringify({ text: "x".repeat(1024 * 1024) })}\n`;
    await problemOf(await api("/v1/files", { method: "POST", body: big, token: "write" }), 413);
    await problemOf(await api("/v1/files", { method: "POST", body: JSONL, token: "read" }), 403);
    await problemOf(await api("/v1/files", { method: "POST", body: JSONL }), 401);
    await problemOf(await api(`/v1/files/file-${"0".repeat(32)}/content`, { token: "read" }), 404);
    await problemOf(await api("/v1/files/../../etc/content", { token: "read" }), 404);
  });
});

describe("fine-tuning jobs", () => {
  it("creates an OpenAI-shaped job from the trainer's job fields, lists and gets it", async () => {
    const earlier = await createJob();
    const job = await createJob({ suffix: "spam", hyperparameters: { steps: 30, learning_rate: 0.002 } });
    expect(job).toMatchObject({
      object: "fine_tuning.job",
      model: "tiny-bert",
      status: "queued",
      fine_tuned_model: null,
      user_provided_suffix: "spam",
      hyperparameters: { steps: 30, batch_size: 32, learning_rate: 0.002, n_epochs: "auto" },
      edgetune: { output: { model: "tiny-bert-spam" }, attempts: 0 },
    });
    expect(job.id).toMatch(/^ftjob-[0-9a-f]{32}$/);
    expect(await getJob(job.id)).toEqual(job);
    const list = await api("/v1/fine_tuning/jobs?limit=1", { token: "read" });
    const body = (await list.json()) as { object: string; data: FtJob[]; has_more: boolean };
    expect(body).toMatchObject({ object: "list", has_more: true });
    expect(body.data.map((j) => j.id)).toEqual([job.id]);
    const older = await api(`/v1/fine_tuning/jobs?after=${job.id}&limit=1000`, { token: "read" });
    expect(((await older.json()) as { data: FtJob[] }).data.map((j) => j.id)).toEqual([earlier.id]);
    const events = await eventsOf(job.id);
    expect(events.map((e) => e.message)).toEqual([`Created fine-tuning job: ${job.id}`]);
  });

  it("turns n_epochs into steps from the file's line count", async () => {
    const file = await uploadFile();
    const validation = await uploadFile(JSONL, "validation.jsonl");
    const res = await post("/v1/fine_tuning/jobs", {
      model: "tiny-bert",
      training_file: file.id,
      validation_file: validation.id,
      hyperparameters: { n_epochs: 4, batch_size: 2 },
      edgetune: { task: TASK },
    });
    expect(res.status).toBe(201);
    expect(((await res.json()) as FtJob).hyperparameters).toMatchObject({
      n_epochs: 4,
      steps: 8,
      batch_size: 2,
    });
  });

  it("refuses unknown files, invalid trainer fields and the read scope", async () => {
    const file = await uploadFile();
    const base = { model: "tiny-bert", training_file: file.id, edgetune: { task: TASK } };
    const unknown = await post("/v1/fine_tuning/jobs", { ...base, training_file: `file-${"a".repeat(32)}` });
    expect((await problemOf(unknown, 400)).param).toBe("training_file");
    const noValidation = await post("/v1/fine_tuning/jobs", {
      ...base,
      validation_file: `file-${"b".repeat(32)}`,
    });
    expect((await problemOf(noValidation, 400)).param).toBe("validation_file");
    const badModel = await problemOf(await post("/v1/fine_tuning/jobs", { ...base, model: "gpt-4o" }), 400);
    expect(badModel.detail).toMatch(/^The job is invalid: model:/);
    const noLabels = await problemOf(await post("/v1/fine_tuning/jobs", { ...base, edgetune: {} }), 400);
    expect(noLabels.detail).toMatch(/edgetune\.task/);
    const badSteps = await problemOf(
      await post("/v1/fine_tuning/jobs", { ...base, hyperparameters: { steps: 10, n_epochs: 2 } }),
      400,
    );
    expect(badSteps.slug ?? badSteps.type).toMatch(/validation-failed/);
    const warmup = await problemOf(
      await post("/v1/fine_tuning/jobs", {
        ...base,
        hyperparameters: { steps: 10 },
        edgetune: { task: TASK, schedule: { warmup_steps: 20 } },
      }),
      400,
    );
    expect(warmup.detail).toMatch(/warmup_steps must not exceed steps/);
    const technique = await problemOf(
      await post("/v1/fine_tuning/jobs", {
        ...base,
        edgetune: { task: TASK, techniques: [{ name: "magic" }] },
      }),
      400,
    );
    expect(technique.detail).toMatch(/edgetune\.techniques/);
    await problemOf(await post("/v1/fine_tuning/jobs", base, "read"), 403);
    await problemOf(await api(`/v1/fine_tuning/jobs/ftjob-${"0".repeat(32)}`, { token: "read" }), 404);
    await problemOf(await api("/v1/fine_tuning/jobs", { token: undefined }), 401);
  });

  it("cancels a queued job once; a finished job cannot be cancelled", async () => {
    const job = await createJob();
    const res = await post(`/v1/fine_tuning/jobs/${job.id}/cancel`, undefined);
    expect(res.status).toBe(200);
    expect(((await res.json()) as FtJob).status).toBe("cancelled");
    const again = await post(`/v1/fine_tuning/jobs/${job.id}/cancel`, undefined);
    expect(((await again.json()) as FtJob).status).toBe("cancelled");
    expect((await post("/v1/runner/leases", { ttl_seconds: 60 })).status).toBe(204);
  });
});

describe("the runner lease API", () => {
  it("leases the oldest queued job, takes events, completes idempotently", async () => {
    const first = await createJob();
    const second = await createJob();
    const l = await lease();
    expect(l.object).toBe("runner.lease");
    expect(l.id).toMatch(/^lease-[0-9a-f]{32}$/);
    expect(l.job).toMatchObject({ id: first.id, status: "running", edgetune: { attempts: 1 } });
    expect(l.trainer_job.data.train).toBe(first.training_file);
    expect(l.trainer_job.schedule).toMatchObject({ steps: 30, max_seq_length: 64 });
    expect(l.files.training.url).toMatch(new RegExp(`/v1/files/${first.training_file}/content$`));
    expect(l.output).toEqual(first.edgetune.output);

    const hb = await post(`/v1/runner/leases/${l.id}/heartbeat`, { ttl_seconds: 120 });
    expect(hb.status).toBe(200);
    expect(((await hb.json()) as LeaseBody).expires_at).toBeGreaterThanOrEqual(l.expires_at);

    const events = await post(`/v1/runner/leases/${l.id}/events`, {
      events: [
        { type: "step", data: { step: 10, loss: 0.69 } },
        { type: "eval", data: { step: 30, loss: 0.5, accuracy: 0.75 } },
      ],
    });
    expect(events.status).toBe(201);
    const badEvents = await post(`/v1/runner/leases/${l.id}/events`, { events: [] });
    await problemOf(badEvents, 400);

    // completing names a published version
    const { model, version } = l.output;
    const early = await post(`/v1/runner/leases/${l.id}/complete`, { model_name: model, version });
    expect((await problemOf(early, 409)).detail).toMatch(/is not published/);
    await stageAndPublish(model, version);
    const complete = { model_name: model, version, metrics: { steps: 30, eval_accuracy: 0.75 } };
    const done = await post(`/v1/runner/leases/${l.id}/complete`, complete);
    expect(done.status).toBe(200);
    const job = (await done.json()) as FtJob;
    expect(job).toMatchObject({ status: "succeeded", fine_tuned_model: `${model}@${version}` });
    const twice = await post(`/v1/runner/leases/${l.id}/complete`, complete);
    expect(twice.status).toBe(200);
    expect(await twice.json()).toEqual(job);
    const other = await post(`/v1/runner/leases/${l.id}/complete`, { ...complete, version: "other" });
    await problemOf(other, 409);
    await problemOf(await post(`/v1/runner/leases/${l.id}/heartbeat`, {}), 409);

    const checkpoints = await api(`/v1/fine_tuning/jobs/${first.id}/checkpoints`, { token: "read" });
    expect(await checkpoints.json()).toMatchObject({
      object: "list",
      data: [
        {
          object: "fine_tuning.job.checkpoint",
          fine_tuned_model_checkpoint: `${model}@${version}`,
          fine_tuning_job_id: first.id,
          step_number: 30,
          metrics: { eval_accuracy: 0.75 },
        },
      ],
    });
    const messages = await eventsOf(first.id);
    expect(messages.map((e) => e.message)).toEqual([
      `Fine-tuning job succeeded: ${model}@${version}`,
      "Step 30: validation loss=0.5, accuracy=0.75",
      "Step 10: training loss=0.69",
      "Job leased by a runner (attempt 1)",
      `Created fine-tuning job: ${first.id}`,
    ]);
    expect(messages[1]).toMatchObject({ type: "metrics", data: { event: "eval", accuracy: 0.75 } });

    // the next lease takes the second job
    expect((await lease()).job.id).toBe(second.id);
    expect((await post("/v1/runner/leases", {})).status).toBe(204);
  });

  it("re-queues a job whose lease expired; the old lease is gone", async () => {
    const job = await createJob();
    const l = await lease(30);
    // the lease runs out (its expiry moved into the past rather than waiting for it)
    await env.REGISTRY.prepare("UPDATE fine_tuning_jobs SET lease_expires_at = ?1 WHERE id = ?2")
      .bind(Date.now() - 1000, job.id)
      .run();
    expect((await problemOf(await post(`/v1/runner/leases/${l.id}/heartbeat`, {}), 409)).detail).toMatch(
      /expired/,
    );
    const again = await lease();
    expect(again.job).toMatchObject({ id: job.id, status: "running", edgetune: { attempts: 2 } });
    expect(again.id).not.toBe(l.id);
    await problemOf(await post(`/v1/runner/leases/${l.id}/heartbeat`, {}), 404);
    await problemOf(await post(`/v1/runner/leases/${l.id}/events`, { events: [{ type: "step" }] }), 404);
    const messages = (await eventsOf(job.id)).map((e) => e.message);
    expect(messages).toContain("The runner's lease expired; job re-queued");
    expect(messages).toContain("Job leased by a runner (attempt 2)");
  });

  it("answers a cancelled job's heartbeat with 409, and fails jobs with the runner's error", async () => {
    const job = await createJob();
    const l = await lease();
    const cancel = await post(`/v1/fine_tuning/jobs/${job.id}/cancel`, undefined);
    expect(cancel.status).toBe(200);
    const hb = await problemOf(await post(`/v1/runner/leases/${l.id}/heartbeat`, {}), 409);
    expect(hb.detail).toMatch(/was cancelled/);
    await problemOf(await post(`/v1/runner/leases/${l.id}/events`, { events: [{ type: "step" }] }), 409);
    await problemOf(await post(`/v1/runner/leases/${l.id}/fail`, { error: "stopped" }), 409);
    expect((await getJob(job.id)).status).toBe("cancelled");

    const failing = await createJob();
    const l2 = await lease();
    const fail = await post(`/v1/runner/leases/${l2.id}/fail`, { error: { message: "CUDA out of memory" } });
    expect(fail.status).toBe(200);
    expect(await fail.json()).toMatchObject({
      id: failing.id,
      status: "failed",
      error: { code: "runner_error", message: "CUDA out of memory" },
    });
    expect((await post(`/v1/runner/leases/${l2.id}/fail`, { error: "again" })).status).toBe(200);
    await problemOf(await post(`/v1/fine_tuning/jobs/${failing.id}/cancel`, undefined), 409);
  });

  it("needs the write scope, a known lease and valid bodies", async () => {
    await problemOf(await post("/v1/runner/leases", {}, "read"), 403);
    await problemOf(await post("/v1/runner/leases", {}, null), 401);
    await problemOf(await post("/v1/runner/leases", { ttl_seconds: 0 }), 400);
    await problemOf(await post(`/v1/runner/leases/lease-${"0".repeat(32)}/heartbeat`, {}), 404);
    await problemOf(
      await post("/v1/runner/leases/nonsense/complete", { model_name: "a", version: "1" }),
      404,
    );
    await createJob();
    const l = await lease();
    await problemOf(
      await post(`/v1/runner/leases/${l.id}/complete`, { model_name: "../x", version: "1" }),
      400,
    );
    await problemOf(await post(`/v1/runner/leases/${l.id}/heartbeat`, {}, "read"), 403);
  });
});
