import { Hono } from "hono";
import type { AppEnv } from "./env.ts";
import { allowKnownMethods } from "./method-not-allowed.ts";
import { notFound, onError } from "./problem.ts";
import { health } from "./routes/health.ts";

/** The edge API: every route, with problem+json for 404, 405 and errors. */
export function createApp() {
  const app = new Hono<AppEnv>().route("/", health);
  app.notFound(notFound);
  app.onError(onError);
  allowKnownMethods(app);
  return app;
}

export type App = ReturnType<typeof createApp>;
