// The API's OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
// (z.toJSONSchema per schema), so the published contract cannot drift from the code. Each area of the
// API describes its paths in functions/api-docs/; a workerd test walks the app's routes and fails on
// any route this document does not describe (test/workers/openapi-routes.test.ts).
import { z } from "zod";
import type { ApiArea } from "./api-docs/common.ts";
import { fineTuningApi } from "./api-docs/fine-tuning.ts";
import { humanEvalApi } from "./api-docs/human-eval.ts";
import { inferenceApi } from "./api-docs/inference.ts";
import { jobsApi } from "./api-docs/jobs.ts";
import { registryApi } from "./api-docs/registry.ts";
import { ProblemSchema } from "./schemas.ts";

const areas: ApiArea[] = [registryApi, inferenceApi, jobsApi, fineTuningApi, humanEvalApi];

function merge() {
  const paths: ApiArea["paths"] = {};
  const schemas: Record<string, z.ZodType> = { Problem: ProblemSchema };
  for (const area of areas) {
    for (const [path, item] of Object.entries(area.paths)) paths[path] = { ...paths[path], ...item };
    for (const [name, schema] of Object.entries(area.schemas)) {
      if (schemas[name] && schemas[name] !== schema) throw new Error(`two API schemas are named ${name}`);
      schemas[name] = schema;
    }
  }
  return { paths, schemas };
}

let built: { paths: ApiArea["paths"]; schemas: Record<string, unknown> } | undefined;

/** Paths and component schemas, converted once per isolate. */
function documentParts() {
  if (!built) {
    const { paths, schemas } = merge();
    built = {
      paths,
      schemas: Object.fromEntries(
        Object.entries(schemas).map(([key, schema]) => [
          key,
          z.toJSONSchema(schema, { io: key.endsWith("Request") ? "input" : "output" }),
        ]),
      ),
    };
  }
  return built;
}

/** Builds the document for a server at `origin` (the request's own origin). */
export function openApiDocument(serverVersion: string, origin: string) {
  const { paths, schemas } = documentParts();
  return {
    openapi: "3.1.0",
    info: { title: "edgetune API", version: serverVersion },
    servers: [{ url: origin }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "Scopes: read, write, admin" },
      },
      schemas,
    },
  };
}
