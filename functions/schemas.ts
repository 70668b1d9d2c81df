// Every request and response body of the API, as zod schemas: routes validate with them, conform()
// checks responses against them, and openapi.ts publishes them as JSON Schema.
import { z } from "zod";
import { FilePath, ModelName, VersionName } from "./registry/names.ts";

/** `GET /v1/health` response body. */
export const HealthResponse = z.object({
  status: z.literal("ok"),
  version: z.string().min(1),
});
export type HealthResponse = z.infer<typeof HealthResponse>;

export const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, "a lowercase SHA-256 hex digest");

/** `PUT /v1/models/{name}/versions/{version}/files/{path}` response body. */
export const UploadResponse = z.object({
  path: FilePath,
  sha256: Sha256,
  size: z.number().int().nonnegative(),
});
export type UploadResponse = z.infer<typeof UploadResponse>;

/** `POST /v1/models/{name}/versions/{version}/publish` request body (optional). */
export const PublishRequest = z.strictObject({
  files: z
    .array(FilePath)
    .max(1000)
    .optional()
    .describe("Files the version must contain; publishing fails naming every one that was not uploaded"),
  public: z.boolean().optional().describe("Marks the model public: its files download without a token"),
});
export type PublishRequest = z.infer<typeof PublishRequest>;

export const ManifestFile = z.object({
  path: FilePath,
  sha256: Sha256,
  size: z.number().int().nonnegative(),
});
export type ManifestFile = z.infer<typeof ManifestFile>;

export const ValueInfo = z.object({
  name: z.string(),
  kind: z.string(),
  elemType: z.string().nullable(),
  shape: z.array(z.union([z.number(), z.string(), z.null()])).nullable(),
});

/** One ONNX file of a version, with what the decoder found in it. */
export const ManifestVariant = z.object({
  dtype: z
    .string()
    .min(1)
    .describe("transformers.js dtype (fp32, fp16, q8, int8, uint8, q4, q4f16, bnb4) or edgetune's own"),
  path: FilePath,
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  irVersion: z.number().int(),
  opsets: z.record(z.string(), z.number().int()),
  inputs: z.array(ValueInfo),
  outputs: z.array(ValueInfo),
});
export type ManifestVariant = z.infer<typeof ManifestVariant>;

/** edgetune.json: what one published version holds. */
export const Manifest = z.object({
  format: z.literal("edgetune.manifest/1"),
  name: ModelName,
  version: VersionName,
  publishedAt: z.iso.datetime(),
  files: z.array(ManifestFile),
  variants: z.array(ManifestVariant),
});
export type Manifest = z.infer<typeof Manifest>;

/** `POST .../publish` response body. */
export const PublishResponse = z.object({
  name: ModelName,
  version: VersionName,
  public: z.boolean(),
  manifestSha256: Sha256,
  manifest: Manifest,
});
export type PublishResponse = z.infer<typeof PublishResponse>;

/** `POST /v1/models/{name}/signed-urls` request body. */
export const SignedUrlRequest = z.strictObject({
  path: FilePath,
  version: VersionName.optional().describe("Defaults to the latest published version"),
  expiresIn: z
    .number()
    .int()
    .min(1)
    .max(7 * 24 * 3600)
    .default(3600)
    .describe("Seconds the URL stays valid"),
});
export type SignedUrlRequest = z.infer<typeof SignedUrlRequest>;

export const SignedUrlResponse = z.object({
  url: z.url(),
  version: VersionName,
  expiresAt: z.iso.datetime(),
});
export type SignedUrlResponse = z.infer<typeof SignedUrlResponse>;

/** RFC 9457 problem details (every error response). */
export const ProblemSchema = z.looseObject({
  type: z.url(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  instance: z.string().optional(),
});
