/** The Worker's bindings, as configured in wrangler.toml (vars and bindings) and as secrets. */
export interface Env {
  /** Release version reported by `GET /v1/health`. */
  EDGETUNE_VERSION: string;
  /** Largest file one upload may carry, in bytes (a decimal string; wrangler.toml sets it). */
  EDGETUNE_MAX_UPLOAD_BYTES: string;
  /**
   * Largest source model (with its external data, in bytes, a decimal string) that the Worker's Queue
   * consumer compresses; larger ones wait for a runner. Unset: 32 MiB (compression-jobs/runner-handoff.ts).
   */
  EDGETUNE_WORKER_COMPRESSION_MAX_BYTES?: string;
  /**
   * How long (ms, a decimal string) an isolate reuses the registry's answer to which manifest a
   * model's version has, on the inference and evaluation paths; "0" asks D1 on every request.
   * Unset: 1000 (registry/model-version-cache.ts).
   */
  EDGETUNE_REGISTRY_CACHE_MS?: string;
  /**
   * Secret: the API tokens, as JSON `{ "<sha256 hex of token>": ["read" | "write" | "admin", ...] }`.
   * Only hashes are configured, so the secret never holds a usable token. Unset: no token is valid.
   */
  EDGETUNE_TOKENS?: string;
  /** Secret: the HMAC key for signed download URLs of private models. Unset: signing is unavailable. */
  EDGETUNE_SIGNING_KEY?: string;
  /** Content-addressed model artifacts (blobs/sha256/<hex>, uploads in flight under uploads/). */
  ARTIFACTS: R2Bucket;
  /** Model registry: models, staged files, versions, files, variants (functions/migrations). */
  REGISTRY: D1Database;
  /** Compression jobs, consumed by this Worker's queue handler (functions/compression-jobs). */
  COMPRESSION_QUEUE: Queue<{ jobId: string }>;
}

/** Hono generics for this app: `new Hono<AppEnv>()`, `Context<AppEnv>`. */
export interface AppEnv {
  Bindings: Env;
}
