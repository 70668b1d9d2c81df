// A job's artifacts (the runner's output folder: job.json, the checkpoint with safetensors, config,
// tokenizer, onnx/, interval snapshots, the events log) go to an S3-compatible bucket through the
// AWS SDK (client-s3, and lib-storage's Upload, which switches to multipart for large files), under
// `<prefix>/<job id>/<path>`, each with its SHA-256 in the object's metadata. Path-style addressing and
// checksums only where S3 requires them: S3-compatible servers (MinIO, s3rver, R2) store a streamed
// body with its aws-chunked framing otherwise (see the platform notes).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { pipeline } from "node:stream/promises";
import { HeadBucketCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { z } from "zod";

export const s3ArtifactOptionsSchema = z.strictObject({
  /** The S3 API's base URL (e.g. http://127.0.0.1:9000); unset: AWS's own endpoint for the region. */
  endpoint: z.url({ protocol: /^https?$/, error: "the S3 endpoint must be an http(s) URL" }).optional(),
  bucket: z
    .string()
    .regex(
      /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
      "an S3 bucket name is 3–63 lowercase letters, digits, '.' or '-'",
    ),
  /** Keys start with `<prefix>/`; leading and trailing slashes are dropped. */
  prefix: z
    .string()
    .default("")
    .transform((p) => p.replace(/^\/+|\/+$/g, "")),
  region: z.string().min(1).default("us-east-1"),
  /** Credentials; unset: the SDK's default chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles …). */
  accessKeyId: z.string().min(1).optional(),
  secretAccessKey: z.string().min(1).optional(),
});
export type S3ArtifactOptions = z.input<typeof s3ArtifactOptionsSchema>;

export interface UploadedArtifact {
  /** Relative to the uploaded folder, with forward slashes. */
  path: string;
  /** `s3://<bucket>/<key>` */
  uri: string;
  key: string;
  sha256: string;
  size: number;
}

/** The artifact store could not be used (bucket missing, credentials refused, unreachable). */
export class ArtifactStoreError extends Error {
  override name = "ArtifactStoreError";
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

/** Every file under `dir`, relative paths with '/', sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join("/"))
    .sort();
}

export class S3ArtifactStore {
  readonly options: z.output<typeof s3ArtifactOptionsSchema>;
  readonly client: S3Client;

  constructor(options: S3ArtifactOptions) {
    const parsed = s3ArtifactOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArtifactStoreError(`S3 options: ${issue?.path.join(".") || "options"}: ${issue?.message}`);
    }
    this.options = parsed.data;
    const { endpoint, region, accessKeyId, secretAccessKey } = parsed.data;
    if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
      throw new ArtifactStoreError(
        "S3 options: give both the access key id and the secret access key, or neither",
      );
    }
    this.client = new S3Client({
      region,
      forcePathStyle: true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      maxAttempts: 3,
      ...(endpoint ? { endpoint } : {}),
      ...(accessKeyId && secretAccessKey ? { credentials: { accessKeyId, secretAccessKey } } : {}),
    });
  }

  /** Where `path` of job `jobId` lands. */
  key(jobId: string, path: string): string {
    return [this.options.prefix, jobId, path].filter((p) => p !== "").join("/");
  }

  uri(key: string): string {
    return `s3://${this.options.bucket}/${key}`;
  }

  #describe(err: unknown): ArtifactStoreError {
    const where = `S3 bucket "${this.options.bucket}"${this.options.endpoint ? ` at ${this.options.endpoint}` : ""}`;
    if (err instanceof S3ServiceException) {
      const status = err.$metadata.httpStatusCode;
      const reason =
        status === 404 || err.name === "NoSuchBucket" || err.name === "NotFound"
          ? "the bucket does not exist"
          : status === 403 || status === 401
            ? `access denied (${err.name === "Forbidden" || err.name === "403" ? "check the credentials" : err.name})`
            : `${err.name}${err.message && err.message !== err.name ? `: ${err.message}` : ""}`;
      return new ArtifactStoreError(`${where}: ${reason}${status ? ` (HTTP ${status})` : ""}`, {
        cause: err,
      });
    }
    const code =
      (err as { code?: string; cause?: { code?: string } }).code ??
      (err as { cause?: { code?: string } }).cause?.code;
    return new ArtifactStoreError(`${where}: ${code ?? (err as Error).message}`, { cause: err });
  }

  /** Checks that the bucket exists and these credentials may use it, before any work depends on it. */
  async check(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.options.bucket }));
    } catch (err) {
      throw this.#describe(err);
    }
  }

  /** Uploads one file to `key` with its SHA-256 in the metadata (`x-amz-meta-sha256`). */
  async uploadFile(path: string, key: string): Promise<{ sha256: string; size: number }> {
    const [sha256, { size }] = await Promise.all([sha256OfFile(path), stat(path)]);
    try {
      await new Upload({
        client: this.client,
        params: {
          Bucket: this.options.bucket,
          Key: key,
          Body: createReadStream(path),
          ContentLength: size,
          Metadata: { sha256 },
        },
        // multipart above 16 MiB: an ONNX export or a snapshot of a larger model
        partSize: 16 * 1024 * 1024,
        queueSize: 2,
        leavePartsOnError: false,
      }).done();
    } catch (err) {
      throw this.#describe(err);
    }
    return { sha256, size };
  }

  /**
   * Uploads every file under `dir` (only those under its subfolder `under`, when given) to
   * `<prefix>/<jobId>/<its path relative to dir>`, one at a time. A path already in `done` is not
   * uploaded again (its record is returned); each new upload is added to it.
   */
  async uploadFolder(
    jobId: string,
    dir: string,
    options: { under?: string; done?: Map<string, UploadedArtifact> } = {},
  ): Promise<UploadedArtifact[]> {
    const { under, done } = options;
    const paths = under
      ? (await filesUnder(join(dir, ...under.split("/")))).map((p) => `${under}/${p}`)
      : await filesUnder(dir);
    const uploaded: UploadedArtifact[] = [];
    for (const path of paths) {
      const known = done?.get(path);
      if (known) {
        uploaded.push(known);
        continue;
      }
      const key = this.key(jobId, path);
      const { sha256, size } = await this.uploadFile(join(dir, path), key);
      const artifact = { path, uri: this.uri(key), key, sha256, size };
      done?.set(path, artifact);
      uploaded.push(artifact);
    }
    return uploaded;
  }

  destroy(): void {
    this.client.destroy();
  }
}
