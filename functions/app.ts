import { Hono } from "hono";
import { cors } from "hono/cors";
import { compress } from "./compression-jobs/route.ts";
import type { AppEnv } from "./env.ts";
import { evaluate } from "./evaluate/route.ts";
import { wordnetUpload } from "./evaluate/wordnet.ts";
import { files, fineTuningJobs, runnerLeases } from "./fine-tuning/index.ts";
import { humanEval } from "./human-eval/routes.ts";
import { infer } from "./inference/route.ts";
import { jobs } from "./jobs/routes.ts";
import { allowKnownMethods } from "./method-not-allowed.ts";
import { notFound, onError } from "./problem.ts";
import { health } from "./routes/health.ts";
import { manifest } from "./routes/manifest.ts";
import { openapi } from "./routes/openapi.ts";
import { publish } from "./routes/publish.ts";
import { resolve } from "./routes/resolve.ts";
import { signedUrls } from "./routes/signed-urls.ts";
import { upload } from "./routes/upload.ts";

/** Browsers (transformers.js, the client SDK) call the API and download files cross-origin. */
const corsPolicy = cors({
  origin: "*",
  allowMethods: ["GET", "HEAD", "PUT", "POST", "OPTIONS"],
  allowHeaders: ["Authorization", "Content-Type", "Range", "If-None-Match", "If-Range"],
  exposeHeaders: [
    "ETag",
    "Content-Range",
    "Content-Length",
    "Accept-Ranges",
    "Repr-Digest",
    "X-Edgetune-Version",
  ],
  maxAge: 86400,
});

/** The edge API: every route, with CORS, and problem+json for 404, 405 and errors. */
export function createApp() {
  const app = new Hono<AppEnv>()
    .use("*", corsPolicy)
    .route("/", health)
    .route("/", openapi)
    .route("/", upload)
    .route("/", publish)
    .route("/", manifest)
    .route("/", signedUrls)
    .route("/", infer)
    .route("/", evaluate)
    .route("/", humanEval)
    .route("/", wordnetUpload)
    .route("/", compress)
    .route("/", jobs)
    .route("/", files)
    .route("/", fineTuningJobs)
    .route("/", runnerLeases)
    .route("/", resolve);
  app.notFound(notFound);
  app.onError(onError);
  allowKnownMethods(app);
  return app;
}

export type App = ReturnType<typeof createApp>;
