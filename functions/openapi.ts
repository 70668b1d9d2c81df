// The API's OpenAPI 3.1 document, generated from the same zod schemas the routes validate with
// (z.toJSONSchema per schema), so the published contract cannot drift from the code.
import { z } from "zod";
import { FilePath, ModelName, VersionName } from "./registry/names.ts";
import {
  HealthResponse,
  Manifest,
  ProblemSchema,
  PublishRequest,
  PublishResponse,
  SignedUrlRequest,
  SignedUrlResponse,
  UploadResponse,
} from "./schemas.ts";

const components = {
  HealthResponse,
  UploadResponse,
  PublishRequest,
  PublishResponse,
  Manifest,
  SignedUrlRequest,
  SignedUrlResponse,
  Problem: ProblemSchema,
} satisfies Record<string, z.ZodType>;
type ComponentName = keyof typeof components;

const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: ComponentName) => ({ "application/json": { schema: ref(name) } });
const problem = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: ref("Problem") } },
});

function param(name: string, schema: z.ZodType, where: "path" | "query" = "path", required = true) {
  return { name, in: where, required, schema: z.toJSONSchema(schema, { io: "input" }) };
}
const name = param("name", ModelName);
const version = param("version", VersionName);
const path = param("path", FilePath);
const auth = {
  401: problem("No or invalid bearer token"),
  403: problem("The token lacks the required scope"),
};
const bearer = (scope: string) => [{ bearer: [scope] }];
const readAccess = [{}, { bearer: ["read"] }];

const paths = {
  "/v1/health": {
    get: {
      summary: "Liveness and release version",
      responses: { 200: { description: "OK", content: json("HealthResponse") } },
    },
  },
  "/v1/openapi.json": {
    get: { summary: "This document", responses: { 200: { description: "OpenAPI 3.1 document" } } },
  },
  "/v1/models/{name}/versions/{version}/files/{path}": {
    put: {
      summary: "Stream one file (raw body) into the version's staging",
      security: bearer("write"),
      parameters: [name, version, path],
      requestBody: {
        required: true,
        content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
      },
      responses: {
        201: { description: "Stored", content: json("UploadResponse") },
        400: problem("Invalid name, version or path (path traversal)"),
        ...auth,
        409: problem("The version is already published"),
        413: problem("The file exceeds the upload limit"),
      },
    },
  },
  "/v1/models/{name}/versions/{version}/publish": {
    post: {
      summary: "Validate the staged files and write the manifest: the version becomes visible",
      security: bearer("write"),
      parameters: [name, version],
      requestBody: { required: false, content: json("PublishRequest") },
      responses: {
        201: { description: "Published", content: json("PublishResponse") },
        400: problem("Invalid request"),
        ...auth,
        404: problem("Nothing was uploaded for this version"),
        409: problem("Already published, or published concurrently"),
        422: problem("A file is missing or invalid (each one is named)"),
      },
    },
  },
  "/v1/models/{name}/manifest": {
    get: {
      summary: "A published version's manifest (the latest by default)",
      security: readAccess,
      parameters: [name, param("version", VersionName, "query", false)],
      responses: {
        200: { description: "The manifest; ETag = its sha256", content: json("Manifest") },
        304: { description: "Not modified (If-None-Match)" },
        ...auth,
        404: problem("No such model or version"),
      },
    },
  },
  "/v1/models/{name}/signed-urls": {
    post: {
      summary: "An expiring download URL for one file of a private model",
      security: bearer("read"),
      parameters: [name],
      requestBody: { required: true, content: json("SignedUrlRequest") },
      responses: {
        201: { description: "Signed", content: json("SignedUrlResponse") },
        ...auth,
        404: problem("No such model, version or file"),
        503: problem("Signing is not configured"),
      },
    },
  },
  "/{name}/resolve/{version}/{path}": {
    get: {
      summary: "Download a file (transformers.js layout; version 'main' = latest)",
      description:
        "ETag = sha256, If-None-Match (304), Range (206, 416), immutable caching, CORS. Private models need a read token or ?expires=&signature= from signed-urls.",
      security: readAccess,
      parameters: [
        name,
        param("version", z.string()),
        path,
        param("expires", z.string(), "query", false),
        param("signature", z.string(), "query", false),
      ],
      responses: {
        200: {
          description: "The file",
          content: { "application/octet-stream": { schema: { type: "string", format: "binary" } } },
        },
        206: { description: "Partial content (Range)" },
        304: { description: "Not modified (If-None-Match)" },
        ...auth,
        404: problem("No such model, version or file"),
        416: problem("The range lies outside the file"),
      },
    },
  },
};

/** Builds the document for a server at `origin` (the request's own origin). */
export function openApiDocument(serverVersion: string, origin: string) {
  return {
    openapi: "3.1.0",
    info: { title: "edgetune API", version: serverVersion },
    servers: [{ url: origin }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "Scopes: read, write, admin" },
      },
      schemas: Object.fromEntries(
        Object.entries(components).map(([key, schema]) => [
          key,
          z.toJSONSchema(schema, { io: key.endsWith("Request") ? "input" : "output" }),
        ]),
      ),
    },
  };
}
