// `POST .../compress` body: which variants to make, as preset names or full recipes.
import { z } from "zod";
import { HeartbeatRequest, LeaseRequest } from "../fine-tuning/schemas.ts";
import { Job } from "../jobs/schemas.ts";
import { checkBatchSeqs, RunnerSeq } from "../runner-event-seq.ts";
import { ManifestFile, ManifestVariant } from "../schemas.ts";

export const CompressRequest = z.strictObject({
  recipes: z
    .array(z.union([z.string().min(1), z.record(z.string(), z.unknown())]))
    .min(1)
    .max(16)
    .describe("preset names (fp16, q8, int8, uint8, q4, q4f16) or recipe objects {name, output, steps}"),
  source: z.string().default("onnx/model.onnx").describe("the ONNX file of the version to compress"),
});
export type CompressRequest = z.infer<typeof CompressRequest>;

export const CompressAccepted = Job;

/** What a queue message carries: only the job id; everything else is read from D1. */
export const CompressionMessage = z.object({ jobId: z.string() });

// ---- runner leases on compression jobs too large for the Worker (leases.ts) ----

export const CompressionLeaseId = z
  .string()
  .regex(/^clease-[0-9a-f]{32}$/, "a compression lease id looks like clease-<32 hex digits>");

// taking and extending a lease reads as for fine-tuning jobs: one TTL contract for every runner
export const CompressionLeaseRequest = LeaseRequest;
export const CompressionHeartbeatRequest = HeartbeatRequest;

const LeaseFile = z.object({ path: z.string(), sha256: z.string(), size: z.int(), url: z.string() });

export const CompressionLease = z.object({
  object: z.literal("runner.compression_lease"),
  id: z.string(),
  expires_at: z.int().describe("unix seconds"),
  ttl_seconds: z.int(),
  job: Job,
  model: z.string(),
  version: z.string(),
  request: CompressRequest,
  /** The source ONNX file first, then its external data; each downloadable from `url`. */
  files: z.array(LeaseFile).min(1),
});
export type CompressionLease = z.infer<typeof CompressionLease>;

export const CompressionLeaseEvents = z
  .strictObject({
    events: z
      .array(
        z.strictObject({
          type: z.string().regex(/^[a-z][a-z0-9_.-]{0,39}$/, "an event type is a short lowercase word"),
          data: z.record(z.string(), z.unknown()).default({}),
          seq: RunnerSeq.optional(),
        }),
      )
      .min(1)
      .max(100),
  })
  .superRefine((body, ctx) => checkBatchSeqs(body.events, ctx));

export const CompressionComplete = z.strictObject({
  /** Each variant's file was uploaded under the lease first (PUT .../files/{path}). */
  variants: z
    .array(z.strictObject({ file: ManifestFile, variant: ManifestVariant }))
    .min(1)
    .max(16),
});

export const CompressionFail = z.strictObject({ error: z.string().min(1).max(4000) });
