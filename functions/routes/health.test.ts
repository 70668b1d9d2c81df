import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { HealthResponse } from "../schemas.ts";

// Through the Worker's own default export, with the bindings from wrangler.toml.
describe("GET /v1/health", () => {
  it("answers 200 JSON with the version from wrangler.toml", async () => {
    const res = await exports.default.fetch("http://edgetune.test/v1/health");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body).toEqual({ status: "ok", version: "0.1.0" });
    expect(HealthResponse.parse(body)).toEqual(body);
  });

  it("answers HEAD without a body", async () => {
    const res = await exports.default.fetch("http://edgetune.test/v1/health", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("");
  });
});
