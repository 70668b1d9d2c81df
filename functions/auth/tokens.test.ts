import { describe, expect, it } from "vitest";
import { api, problemOf, upload } from "../../test/workers/api.ts";
import { TOKENS } from "../../test/workers/tokens.ts";
import { grants, parseTokenConfig, scopesOf, sha256Hex } from "./tokens.ts";

describe("token configuration", () => {
  it("matches a token by its sha256 and returns its scopes; anything else matches nothing", async () => {
    const entries = parseTokenConfig(JSON.stringify({ [await sha256Hex("s3cret")]: ["read", "write"] }));
    expect([...((await scopesOf("s3cret", entries)) ?? [])].sort()).toEqual(["read", "write"]);
    expect(await scopesOf("s3cret ", entries)).toBeNull();
    expect(await scopesOf(await sha256Hex("s3cret"), entries)).toBeNull(); // the hash itself is no token
    expect(parseTokenConfig(undefined)).toEqual([]);
  });

  it("refuses a malformed secret rather than accepting every token", () => {
    expect(() => parseTokenConfig('{"not-a-hash": ["read"]}')).toThrow(/sha256/);
    expect(() => parseTokenConfig(JSON.stringify({ ["a".repeat(64)]: ["root"] }))).toThrow();
  });

  it("admin implies every scope and write implies read, not the reverse", () => {
    expect(grants(new Set(["admin"]), "write")).toBe(true);
    expect(grants(new Set(["write"]), "read")).toBe(true);
    expect(grants(new Set(["read"]), "write")).toBe(false);
    expect(grants(new Set(["write"]), "admin")).toBe(false);
  });
});

describe("bearer auth on the Worker", () => {
  it("no token → 401 problem+json with a Bearer challenge", async () => {
    const res = await upload("auth-m", "1", "config.json", "{}", null);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="edgetune"');
    const problem = await problemOf(res, 401);
    expect(problem.detail).toBe("A bearer token with scope 'write' is required to upload files");
  });

  it("an unknown token → 401 invalid_token; a non-Bearer header → 401 invalid_request", async () => {
    const bad = await api("/v1/models/auth-m/versions/1/files/config.json", {
      method: "PUT",
      body: "{}",
      headers: { authorization: `Bearer ${TOKENS.write}x` },
    });
    expect(bad.headers.get("www-authenticate")).toBe('Bearer realm="edgetune", error="invalid_token"');
    expect((await problemOf(bad, 401)).detail).toBe("The bearer token is not valid");

    const basic = await api("/v1/models/auth-m/versions/1/files/config.json", {
      method: "PUT",
      body: "{}",
      headers: { authorization: `Basic ${btoa("user:pass")}` },
    });
    expect(basic.headers.get("www-authenticate")).toBe('Bearer realm="edgetune", error="invalid_request"');
    await problemOf(basic, 401);
  });

  it("a read token where write is needed → 403 insufficient_scope naming the scope", async () => {
    const res = await upload("auth-m", "1", "config.json", "{}", "read");
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="edgetune", error="insufficient_scope", scope="write"',
    );
    const problem = await problemOf(res, 403);
    expect(problem.requiredScope).toBe("write");
    expect(problem.detail).toBe("This token lacks scope 'write', which is required to upload files");
  });

  it("the right scopes pass: write and admin upload; the scheme is case-insensitive", async () => {
    expect((await upload("auth-m", "1", "config.json", "{}", "write")).status).toBe(201);
    expect((await upload("auth-m", "1", "config.json", "{}", "admin")).status).toBe(201);
    const lower = await api("/v1/models/auth-m/versions/1/files/config.json", {
      method: "PUT",
      body: "{}",
      headers: { authorization: `bearer ${TOKENS.write}` },
    });
    expect(lower.status).toBe(201);
  });
});
