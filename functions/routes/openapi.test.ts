import { describe, expect, it } from "vitest";
import { z } from "zod";
import { api } from "../../test/workers/api.ts";
import { Manifest, PublishRequest } from "../schemas.ts";

describe("GET /v1/openapi.json", () => {
  it("documents every route, generated from the zod schemas the routes use", async () => {
    const res = await api("/v1/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as {
      openapi: string;
      servers: { url: string }[];
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, unknown> };
    };
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers[0]?.url).toBe("http://edgetune.test");
    // every route is checked against the app in test/workers/openapi-routes.test.ts
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/health",
        "/v1/models/{name}/manifest",
        "/v1/models/{name}/signed-urls",
        "/v1/models/{name}/versions/{version}/files/{path}",
        "/v1/models/{name}/versions/{version}/publish",
        "/v1/openapi.json",
        "/{name}/resolve/{version}/{path}",
      ]),
    );
    expect(doc.components.schemas.Manifest).toEqual(JSON.parse(JSON.stringify(z.toJSONSchema(Manifest))));
    expect(doc.components.schemas.PublishRequest).toEqual(
      JSON.parse(JSON.stringify(z.toJSONSchema(PublishRequest, { io: "input" }))),
    );
    expect(Object.keys(doc.paths["/v1/models/{name}/versions/{version}/publish"] ?? {})).toEqual(["post"]);
  });
});
