// `GET /v1/openapi.json`: the API's contract, public like /v1/health.
import { Hono } from "hono";
import type { AppEnv } from "../env.ts";
import { openApiDocument } from "../openapi.ts";

export const openapi = new Hono<AppEnv>().get("/v1/openapi.json", (c) =>
  c.json(openApiDocument(c.env.EDGETUNE_VERSION, new URL(c.req.url).origin)),
);
