import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { notFound, onError, PROBLEM_BASE, Problem, type ProblemDetails, problemResponse } from "./problem.ts";

// A small app wired with the same handlers as the real one, with routes that fail on purpose.
function failingApp() {
  const app = new Hono();
  app.get("/boom", () => {
    throw new Error("db password is hunter2 at /srv/secret.ts:12");
  });
  app.get("/conflict", () => {
    throw new Problem({
      status: 409,
      slug: "version-exists",
      title: "Conflict",
      detail: "demo@1.0.0 is already published",
      extra: { model: "demo", version: "1.0.0" },
    });
  });
  app.get("/invalid", (c) => {
    const Query = z.object({ limit: z.coerce.number().int().positive(), name: z.string().min(1) });
    return c.json(Query.parse({ limit: c.req.query("limit"), name: c.req.query("name") ?? "" }));
  });
  app.get("/unauthorized", () => {
    throw new HTTPException(401, {
      message: "token expired",
      res: new Response("x", { headers: { "www-authenticate": 'Bearer realm="edgetune"' } }),
    });
  });
  app.notFound(notFound);
  app.onError(onError);
  return app;
}

async function problemOf(res: Response): Promise<ProblemDetails> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  return (await res.json()) as ProblemDetails;
}

describe("problem+json", () => {
  it("a Problem serializes with the RFC 9457 members, its extras, and its headers", async () => {
    const res = problemResponse(
      new Problem({
        status: 429,
        slug: "rate-limited",
        title: "Too Many Requests",
        detail: "slow down",
        extra: { retryAfter: 3, status: 200 },
        headers: { "retry-after": "3" },
      }),
      "/v1/x",
    );
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("3");
    // an extra member cannot override a standard one
    expect(await problemOf(res)).toEqual({
      type: `${PROBLEM_BASE}rate-limited`,
      title: "Too Many Requests",
      status: 429,
      detail: "slow down",
      instance: "/v1/x",
      retryAfter: 3,
    });
  });

  it("notFound names the method and path", async () => {
    const res = await failingApp().request("/nope/here?x=1", { method: "DELETE" });
    expect(res.status).toBe(404);
    expect(await problemOf(res)).toEqual({
      type: "https://edgetune.dev/problems/not-found",
      title: "Not Found",
      status: 404,
      detail: "No route for DELETE /nope/here",
      instance: "/nope/here",
    });
  });

  it("a thrown Problem keeps its status, type and extension members", async () => {
    const res = await failingApp().request("/conflict");
    expect(res.status).toBe(409);
    const body = await problemOf(res);
    expect(body).toMatchObject({
      type: "https://edgetune.dev/problems/version-exists",
      status: 409,
      detail: "demo@1.0.0 is already published",
      model: "demo",
      version: "1.0.0",
      instance: "/conflict",
    });
  });

  it("a zod error becomes 400 listing every issue with its path", async () => {
    const res = await failingApp().request("/invalid?limit=-2");
    expect(res.status).toBe(400);
    const body = await problemOf(res);
    expect(body.type).toBe("https://edgetune.dev/problems/validation-failed");
    expect(body.status).toBe(400);
    const issues = body.issues as { path: string; code: string; message: string }[];
    expect(issues.map((i) => i.path).sort()).toEqual(["limit", "name"]);
    expect(issues.every((i) => i.code.length > 0 && i.message.length > 0)).toBe(true);
  });

  it("an unexpected error becomes a generic 500 without message or stack (those go to the log)", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const res = await failingApp().request("/boom");
    expect(log).toHaveBeenCalledOnce();
    expect(String(log.mock.calls[0]?.[1])).toContain("hunter2");
    log.mockRestore();
    expect(res.status).toBe(500);
    const text = await res.clone().text();
    expect(text).not.toMatch(/hunter2|secret\.ts|at |Error:/);
    expect(await problemOf(res)).toEqual({
      type: "https://edgetune.dev/problems/internal-error",
      title: "Internal Server Error",
      status: 500,
      detail: "The server failed to handle the request",
      instance: "/boom",
    });
  });

  it("an HTTPException keeps its status and its response's headers", async () => {
    const res = await failingApp().request("/unauthorized");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edgetune"');
    expect(await problemOf(res)).toMatchObject({
      status: 401,
      title: "Unauthorized",
      detail: "token expired",
    });
  });
});
