import { exports } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { allowKnownMethods } from "./method-not-allowed.ts";
import { notFound, onError, type ProblemDetails } from "./problem.ts";

describe("405 for a known path with the wrong method", () => {
  it("the Worker answers POST /v1/health with 405 problem+json and an Allow header", async () => {
    const res = await exports.default.fetch("http://edgetune.test/v1/health", { method: "POST", body: "{}" });
    expect(res.status).toBe(405);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("allow")).toBe("GET, HEAD");
    const body = (await res.json()) as ProblemDetails;
    expect(body).toEqual({
      type: "https://edgetune.dev/problems/method-not-allowed",
      title: "Method Not Allowed",
      status: 405,
      detail: "POST is not allowed on /v1/health; allowed: GET, HEAD",
      instance: "/v1/health",
      allow: ["GET", "HEAD"],
    });
  });

  it("matches parameterized paths, lists every method, and leaves the served methods alone", async () => {
    const app = new Hono();
    app.get("/items/:id", (c) => c.text(`got ${c.req.param("id")}`));
    app.put("/items/:id", (c) => c.text(`put ${c.req.param("id")}`));
    app.notFound(notFound);
    app.onError(onError);
    allowKnownMethods(app);

    expect(await (await app.request("/items/7")).text()).toBe("got 7");
    expect(await (await app.request("/items/7", { method: "PUT" })).text()).toBe("put 7");
    const res = await app.request("/items/7", { method: "DELETE" });
    expect(res.status).toBe(405);
    expect(res.headers.get("allow")).toBe("GET, HEAD, PUT");
    expect((await app.request("/items", { method: "DELETE" })).status).toBe(404);
  });
});
