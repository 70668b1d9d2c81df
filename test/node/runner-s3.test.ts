// The runner's S3 artifact store against a real S3 server (s3rver on 127.0.0.1) and the real edge API
// in workerd: a job trains, and every file of its output (checkpoint safetensors, config, tokenizer,
// ONNX, an interval snapshot, the events log) lands in the bucket under <prefix>/<job id>/ with its
// sha256 in the object's metadata and the bytes the trainer wrote; the job's result_files list the
// s3:// URIs, and its checkpoints list the snapshot at its s3:// folder. A bucket that does not exist,
// or refused credentials, fail the job before it trains.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgetuneApi } from "../../client/api-client.ts";
import { type LocalWorker, startLocalWorker } from "../../functions/local.ts";
import { runRunner, S3ArtifactStore } from "../../training-runner/runner/index.ts";

const TOKEN = "et_runner_s3_test_token_91c0";
const BUCKET = "edgetune-artifacts";
const dir = mkdtempSync(join(tmpdir(), "edgetune-runner-s3-"));
let worker: LocalWorker;
let api: EdgetuneApi;
let s3server: S3rver;
let endpoint: string;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  const port = await freePort();
  s3server = new S3rver({
    address: "127.0.0.1",
    port,
    silent: true,
    directory: join(dir, "s3"),
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  await s3server.run();
  endpoint = `http://127.0.0.1:${port}`;
  worker = await startLocalWorker({ port: 0, stateDir: join(dir, "state"), devToken: TOKEN });
  api = new EdgetuneApi(worker.url, TOKEN);
}, 120_000);
afterAll(async () => {
  await worker?.stop();
  await s3server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

function jsonl(count: number): string {
  const words = { spam: ["free", "cash", "prize", "click"], ham: ["meeting", "notes", "lunch", "draft"] };
  return `${Array.from({ length: count }, (_, i) => {
    const label = i % 2 === 0 ? "spam" : "ham";
    const own = words[label];
    return JSON.stringify({ text: `${own[i % 4]} the ${own[(i + 1) % 4]} now`, label });
  }).join("\n")}\n`;
}

async function createJob(steps: number) {
  const training = await api.uploadTrainingFile(jsonl(64));
  return api.createFineTuningJob({
    model: "tiny-bert",
    training_file: training.id,
    hyperparameters: { steps, batch_size: 8 },
    edgetune: {
      task: { labels: ["ham", "spam"] },
      tokenizer: { vocab_size: 100, min_frequency: 1 },
      schedule: { max_seq_length: 16, log_interval: 1, eval_interval: steps, checkpoint_interval: 2 },
    },
  });
}

describe("runner artifacts in S3", () => {
  it("uploads every artifact of a job with its sha256 and reports the s3:// URIs", async () => {
    const created = await createJob(4);
    const store = new S3ArtifactStore({
      endpoint,
      bucket: BUCKET,
      prefix: "/runs/ci/",
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    const [outcome] = await runRunner({ api, workDir: join(dir, "work"), once: true, s3: store });
    if (outcome?.status !== "succeeded" || "kind" in outcome)
      throw new Error(`job did not succeed: ${outcome?.error}`);
    const artifacts = outcome.artifacts ?? [];
    const paths = artifacts.map((a) => a.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "events.jsonl",
        "job.json",
        "model/config.json",
        "model/model.safetensors",
        "model/tokenizer.json",
        "model/tokenizer_config.json",
        "model/onnx/model.onnx",
      ]),
    );
    expect(paths.some((p) => p.startsWith("checkpoints/step-000002/"))).toBe(true);

    // what the bucket holds is what the trainer wrote, key by key, with matching sha256 and size
    const listed = await store.client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `runs/ci/${created.id}/` }),
    );
    expect((listed.Contents ?? []).map((o) => o.Key).sort()).toEqual(
      paths.map((p) => `runs/ci/${created.id}/${p}`).sort(),
    );
    const out = join(dir, "work", created.id, "out");
    for (const a of artifacts) {
      const local = new Uint8Array(readFileSync(join(out, ...a.path.split("/"))));
      const object = await store.client.send(new GetObjectCommand({ Bucket: BUCKET, Key: a.key }));
      const body = await object.Body?.transformToByteArray();
      if (!body) throw new Error(`no body for ${a.key}`);
      expect({ path: a.path, size: body.byteLength, sha256: sha256(body) }).toEqual({
        path: a.path,
        size: local.byteLength,
        sha256: sha256(local),
      });
      expect(object.Metadata?.sha256).toBe(a.sha256);
      expect(a.sha256).toBe(sha256(local));
      expect(a.uri).toBe(`s3://${BUCKET}/runs/ci/${created.id}/${a.path}`);
    }
    // the events log holds every trainer event, the last one "done"
    const events = readFileSync(join(out, "events.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.type === "step")).toHaveLength(4);
    expect(events.at(-1).type).toBe("done");

    const job = await api.fineTuningJob(created.id);
    expect(job.status).toBe("succeeded");
    expect([...job.result_files].sort()).toEqual(artifacts.map((a) => a.uri).sort());
    // the snapshot went up as the trainer reported it: the job's checkpoints list it under the published
    // model, at its s3:// folder, with the training loss the trainer reported at its step
    const folder = `s3://${BUCKET}/runs/ci/${created.id}/checkpoints/step-000002/`;
    const snapshotFiles = artifacts.filter((a) => a.path.startsWith("checkpoints/step-000002/"));
    expect(snapshotFiles.map((a) => a.path)).toContain("checkpoints/step-000002/model.safetensors");
    for (const a of snapshotFiles) expect(a.uri.startsWith(folder)).toBe(true);
    const checkpoints = await api.request<{
      data: { fine_tuned_model_checkpoint: string; step_number: number; metrics: Record<string, number> }[];
      has_more: boolean;
    }>("GET", `/v1/fine_tuning/jobs/${created.id}/checkpoints`);
    const stepTwo = events.find((e) => e.type === "step" && e.step === 2);
    expect(checkpoints).toMatchObject({
      data: [
        { fine_tuned_model_checkpoint: job.fine_tuned_model, step_number: 4 },
        {
          fine_tuned_model_checkpoint: folder,
          step_number: 2,
          metrics: { step: 2, train_loss: stepTwo.loss },
        },
      ],
      has_more: false,
    });
    expect(checkpoints.data).toHaveLength(2);

    // the version is still published through the API, as without S3
    const manifest = await api.manifest(job.edgetune.output.model, job.edgetune.output.version);
    const onnx = artifacts.find((a) => a.path === "model/onnx/model.onnx");
    expect(manifest.files.find((f) => f.path === "onnx/model.onnx")?.sha256).toBe(onnx?.sha256);
    store.destroy();
  }, 300_000);

  it("uploads a file above the multipart threshold (16 MiB) whole, with its sha256", async () => {
    const store = new S3ArtifactStore({
      endpoint,
      bucket: BUCKET,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    const path = join(dir, "large.bin");
    const bytes = randomBytes(17 * 1024 * 1024 + 3);
    writeFileSync(path, bytes);
    const stored = await store.uploadFile(path, "large/model.safetensors");
    expect(stored).toEqual({ sha256: sha256(bytes), size: bytes.byteLength });
    const object = await store.client.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: "large/model.safetensors" }),
    );
    const body = await object.Body?.transformToByteArray();
    expect(body && sha256(body)).toBe(sha256(bytes));
    expect(object.Metadata?.sha256).toBe(sha256(bytes));
    store.destroy();
  }, 120_000);

  it("fails the job with a clear error when the bucket does not exist or the credentials are refused", async () => {
    const missing = await createJob(2);
    const [noBucket] = await runRunner({
      api,
      workDir: join(dir, "work"),
      once: true,
      s3: { endpoint, bucket: "no-such-bucket", accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
    });
    expect(noBucket).toMatchObject({ id: missing.id, status: "failed" });
    expect(noBucket?.error).toBe(
      `S3 bucket "no-such-bucket" at ${endpoint}: the bucket does not exist (HTTP 404)`,
    );
    const failed = await api.fineTuningJob(missing.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toEqual({ code: "artifact_store_error", message: noBucket?.error, param: null });

    const refused = await createJob(2);
    const [badKey] = await runRunner({
      api,
      workDir: join(dir, "work"),
      once: true,
      s3: { endpoint, bucket: BUCKET, accessKeyId: "WRONG", secretAccessKey: "WRONG" },
    });
    expect(badKey).toMatchObject({ id: refused.id, status: "failed" });
    expect(badKey?.error).toMatch(
      new RegExp(`^S3 bucket "${BUCKET}" at ${endpoint}: access denied .*\\(HTTP 403\\)$`),
    );
    expect((await api.fineTuningJob(refused.id)).status).toBe("failed");
    // nothing of either job reached the bucket
    const store = new S3ArtifactStore({
      endpoint,
      bucket: BUCKET,
      accessKeyId: "S3RVER",
      secretAccessKey: "S3RVER",
    });
    for (const id of [missing.id, refused.id]) {
      const listed = await store.client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: id }));
      expect(listed.KeyCount ?? 0).toBe(0);
    }
    store.destroy();
  }, 120_000);

  it("edgetune runner: --s3-* flags with credentials from the environment; bad options are one line, exit 2", async () => {
    const bin = join(import.meta.dirname, "..", "..", "bin", "edgetune.js");
    // spawned asynchronously: s3rver answers from this process, so it must not be blocked meanwhile
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          [bin, "runner", "--api", worker.url, "--token", TOKEN, "--once", ...args],
          { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] },
        );
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
        });
        child.stderr.on("data", (chunk: Buffer) => {
          stderr += chunk.toString();
        });
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      });
    const created = await createJob(2);
    const badName = await cli(["--s3-bucket", "Not_A_Bucket"]);
    expect({ status: badName.status, stderr: badName.stderr }).toEqual({
      status: 2,
      stderr:
        "edgetune: S3 options: bucket: an S3 bucket name is 3–63 lowercase letters, digits, '.' or '-'\n",
    });
    const noBucket = await cli(["--s3-endpoint", endpoint]);
    expect({ status: noBucket.status, stderr: noBucket.stderr }).toEqual({
      status: 2,
      stderr: "edgetune: --s3-endpoint needs --s3-bucket\n",
    });
    // the credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY: refused ones fail the leased job
    const refused = await cli(
      ["--s3-endpoint", endpoint, "--s3-bucket", BUCKET, "--work-dir", join(dir, "cli")],
      {
        AWS_ACCESS_KEY_ID: "NOT-S3RVER",
        AWS_SECRET_ACCESS_KEY: "NOT-S3RVER",
      },
    );
    expect(refused.status, `${refused.stdout}${refused.stderr}`).toBe(1);
    expect(refused.stdout).toMatch(
      new RegExp(
        `^${created.id} failed: S3 bucket "${BUCKET}" at ${endpoint}: access denied .*\\(HTTP 403\\)\\n$`,
      ),
    );
    expect((await api.fineTuningJob(created.id)).error?.code).toBe("artifact_store_error");
  }, 120_000);
});
