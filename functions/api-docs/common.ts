// Building blocks of the OpenAPI document (functions/openapi.ts): references to component schemas,
// JSON and problem+json responses, parameters from zod schemas, and the auth responses and security
// requirements every protected route shares.
import { z } from "zod";

/** An OpenAPI path item: operations by lowercase HTTP method. */
export type PathItem = Record<string, Record<string, unknown>>;

/** One area of the API: its paths and the zod schemas they reference by name. */
export interface ApiArea {
  paths: Record<string, PathItem>;
  schemas: Record<string, z.ZodType>;
}

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const json = (name: string) => ({ "application/json": { schema: ref(name) } });
export const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});
export const binary = (type = "application/octet-stream") => ({
  [type]: { schema: { type: "string", format: "binary" } },
});

export function param(name: string, schema: z.ZodType, where: "path" | "query" = "path", required = true) {
  return { name, in: where, required, schema: z.toJSONSchema(schema, { io: "input" }) };
}

/** Query parameters from an object schema (each property one optional parameter). */
export function queryParams(schema: z.ZodObject) {
  return Object.entries(schema.shape).map(([name, field]) => param(name, field as z.ZodType, "query", false));
}

export const auth = {
  401: problem("No or invalid bearer token"),
  403: problem("The token lacks the required scope"),
};
export const bearer = (scope: string) => [{ bearer: [scope] }];
export const readAccess = [{}, { bearer: ["read"] }];
export const badRequest = problem("The body or a parameter is invalid (each issue is listed)");
