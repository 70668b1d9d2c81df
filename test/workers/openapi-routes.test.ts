import { describe, expect, it } from "vitest";
import { createApp } from "../../functions/app.ts";
import { api } from "./api.ts";

interface Operation {
  parameters?: { name: string; in: string }[];
}
interface Doc {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

/** Hono's `/v1/models/:name/files/:path{.+}` as OpenAPI's `/v1/models/{name}/files/{path}`. */
const openApiPath = (honoPath: string) => honoPath.replace(/:([A-Za-z_]+)(\{[^}]*\})?/g, "{$1}");

async function servedDocument(): Promise<Doc> {
  const res = await api("/v1/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** Every route the app registers, as "METHOD /path" (405 catch-alls and middleware aside). */
function appRoutes(): string[] {
  const routes = createApp()
    .routes.filter((r) => r.method !== "ALL")
    .map((r) => `${r.method} ${openApiPath(r.path)}`);
  return [...new Set(routes)].sort();
}

describe("the OpenAPI document and the app's routes", () => {
  it("describes every route the app registers, and no route it does not", async () => {
    const doc = await servedDocument();
    const documented = Object.entries(doc.paths)
      .flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`))
      .sort();
    const routes = appRoutes();
    expect(routes.length).toBeGreaterThan(30);
    expect(
      routes.filter((r) => !documented.includes(r)),
      "routes missing from the document",
    ).toEqual([]);
    expect(
      documented.filter((d) => !routes.includes(d)),
      "documented paths no route serves",
    ).toEqual([]);
    for (const must of [
      "POST /v1/models/{name}/infer",
      "POST /v1/fine_tuning/jobs/{id}/cancel",
      "POST /v1/runner/leases/{lease}/heartbeat",
      "GET /v1/human-eval/studies/{id}/report",
    ]) {
      expect(routes).toContain(must);
    }
  });

  it("declares each path's parameters and resolves every schema reference", async () => {
    const doc = await servedDocument();
    for (const [path, item] of Object.entries(doc.paths)) {
      const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort();
      for (const [method, op] of Object.entries(item)) {
        const declared = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
        expect(declared.sort(), `${method} ${path}`).toEqual(inPath);
      }
    }
    const refs = [...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1] as string,
    );
    expect(refs.length).toBeGreaterThan(50);
    expect([...new Set(refs)].filter((r) => !(r in doc.components.schemas))).toEqual([]);
  });

  it("publishes the inference request and response shapes of every task", async () => {
    const doc = await servedDocument();
    const infer = JSON.stringify(doc.paths["/v1/models/{name}/infer"]);
    for (const name of ["Classification", "Generation", "FeatureExtraction", "Tensor"]) {
      expect(infer).toContain(`#/components/schemas/${name}Request`);
      expect(infer).toContain(`#/components/schemas/${name}Response`);
    }
    const generation = doc.components.schemas.GenerationRequest as { properties: Record<string, unknown> };
    expect(Object.keys(generation.properties)).toEqual(
      expect.arrayContaining([
        "prompt",
        "template",
        "examples",
        "messages",
        "max_new_tokens",
        "top_k",
        "top_p",
        "seed",
        "stop",
      ]),
    );
  });
});
