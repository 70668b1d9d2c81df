// The Worker: wrangler.toml's `main`. Other code imports the pieces it needs from their own modules
// (app.ts, problem.ts, schemas.ts); Node code starts this Worker locally with local.ts.
import { createApp } from "./app.ts";
import { runCompressionJob } from "./compression-jobs/run-job.ts";
import { CompressionMessage } from "./compression-jobs/schemas.ts";
import type { Env } from "./env.ts";

export type { App } from "./app.ts";
export type { AppEnv, Env } from "./env.ts";
export type { ProblemDetails } from "./problem.ts";
export type { HealthResponse } from "./schemas.ts";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
  // compression jobs run one message at a time: each holds a model and its variants in memory
  async queue(batch, env) {
    for (const message of batch.messages) {
      const parsed = CompressionMessage.safeParse(message.body);
      if (parsed.success) await runCompressionJob(env, parsed.data.jobId);
      message.ack();
    }
  },
} satisfies ExportedHandler<Env, unknown>;
