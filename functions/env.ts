/** The Worker's bindings, as configured in wrangler.toml. */
export interface Env {
  /** Release version reported by `GET /v1/health`. */
  EDGETUNE_VERSION: string;
  /** Content-addressed model artifacts (staging and published files). */
  ARTIFACTS: R2Bucket;
  /** Model registry: models, versions, manifests, jobs. */
  REGISTRY: D1Database;
}

/** Hono generics for this app: `new Hono<AppEnv>()`, `Context<AppEnv>`. */
export interface AppEnv {
  Bindings: Env;
}
