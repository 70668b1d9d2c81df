import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { ProblemDetails } from "../../functions/problem.ts";

// The Worker as deployed: wrangler.toml's main module, vars and bindings, in workerd.
describe("edgetune Worker", () => {
  it("an unknown route is a 404 problem+json with every required member", async () => {
    const res = await exports.default.fetch("http://edgetune.test/v1/nothing-here");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const body = (await res.json()) as ProblemDetails;
    expect(body.type).toBe("https://edgetune.dev/problems/not-found");
    expect(body.title).toBe("Not Found");
    expect(body.status).toBe(404);
    expect(body.detail).toBe("No route for GET /v1/nothing-here");
    expect(body.instance).toBe("/v1/nothing-here");
  });

  it("has the R2 bucket ARTIFACTS and the D1 database REGISTRY from wrangler.toml", async () => {
    await env.ARTIFACTS.put("probe/hello.txt", new TextEncoder().encode("hello"));
    const object = await env.ARTIFACTS.get("probe/hello.txt");
    expect(await object?.text()).toBe("hello");

    const row = await env.REGISTRY.prepare("SELECT ?1 + 1 AS answer").bind(41).first<{ answer: number }>();
    expect(row?.answer).toBe(42);
  });
});
