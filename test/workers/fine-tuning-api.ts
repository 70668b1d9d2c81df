// Requests the fine-tuning workerd suites share: a JSONL training file, OpenAI-shaped jobs, and the
// runner lease that takes them.
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { api, type TokenScope } from "./api.ts";

export const JSONL = `${[
  { text: "win a free prize now", label: "spam" },
  { text: "lunch at noon?", label: "ham" },
  { text: "cheap pills online", label: "spam" },
  { text: "minutes of the meeting", label: "ham" },
]
  .map((l) => JSON.stringify(l))
  .join("\n")}\n`;

/** A POST with a JSON body (none when `body` is undefined), as `token` (none when null). */
export function post(path: string, body: unknown, token: TokenScope | null = "write") {
  return api(path, {
    method: "POST",
    ...(token ? { token } : {}),
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

export async function uploadFile(
  text = JSONL,
  filename = "train.jsonl",
): Promise<{ id: string; bytes: number }> {
  const res = await api(`/v1/files?filename=${filename}`, { method: "POST", body: text, token: "write" });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<{ id: string; bytes: number }>;
}

export interface FtJob {
  id: string;
  object: string;
  status: string;
  model: string;
  fine_tuned_model: string | null;
  training_file: string;
  hyperparameters: { steps: number; batch_size: number; learning_rate: number; n_epochs: number | "auto" };
  error: { message: string } | null;
  edgetune: { output: { model: string; version: string }; attempts: number };
}

export const TASK = { labels: ["ham", "spam"] };

/** A queued job on a fresh upload of JSONL; `extra` adds or replaces request fields. */
export async function createJob(extra: Record<string, unknown> = {}): Promise<FtJob> {
  const file = await uploadFile();
  const res = await post("/v1/fine_tuning/jobs", {
    model: "tiny-bert",
    training_file: file.id,
    hyperparameters: { steps: 30 },
    edgetune: { task: TASK, schedule: { max_seq_length: 64 } },
    ...extra,
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<FtJob>;
}

export interface LeaseBody {
  id: string;
  object: string;
  expires_at: number;
  job: FtJob;
  trainer_job: { data: { train: string }; schedule: { steps: number; max_seq_length: number } };
  files: { training: { id: string; url: string } };
  output: { model: string; version: string };
}

/** Leases the oldest queued job. */
export async function lease(ttl = 60): Promise<LeaseBody> {
  const res = await post("/v1/runner/leases", { ttl_seconds: ttl });
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<LeaseBody>;
}

export interface Leased {
  lease: string;
  job: string;
  attempt: number;
  output: { model: string; version: string };
}

/** Leases the oldest queued job, in short. */
export async function leaseNext(): Promise<Leased> {
  const body = await lease();
  return { lease: body.id, job: body.job.id, attempt: body.job.edgetune.attempts, output: body.output };
}

/** A new job, leased (with the queue emptied first, emptyQueue, the lease takes this one). */
export async function leasedJob(): Promise<Leased> {
  const job = await createJob();
  const leased = await leaseNext();
  expect(leased.job).toBe(job.id);
  return leased;
}

/** Cancels every queued or running job: leasing takes the oldest queued one, so tests start from none. */
export async function emptyQueue(): Promise<void> {
  await env.REGISTRY.prepare(
    "UPDATE fine_tuning_jobs SET status = 'cancelled' WHERE status IN ('queued', 'running')",
  ).run();
}
