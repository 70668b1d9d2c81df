import { Hono } from "hono";
import { conform } from "../conform.ts";
import type { AppEnv } from "../env.ts";
import { HealthResponse } from "../schemas.ts";

/** `GET /v1/health` → `{ status: "ok", version }`. */
export const health = new Hono<AppEnv>().get("/v1/health", (c) =>
  c.json(conform(HealthResponse, { status: "ok", version: c.env.EDGETUNE_VERSION })),
);
