// OpenAPI paths of the model registry: health, this document, uploads, publishing, manifests,
// signed URLs and downloads (transformers.js layout).
import { z } from "zod";
import { FilePath, ModelName, VersionName } from "../registry/names.ts";
import {
  HealthResponse,
  Manifest,
  PublishRequest,
  PublishResponse,
  SignedUrlRequest,
  SignedUrlResponse,
  UploadResponse,
} from "../schemas.ts";
import { type ApiArea, auth, bearer, binary, json, param, problem, readAccess } from "./common.ts";

const name = param("name", ModelName);
const version = param("version", VersionName);
const path = param("path", FilePath);

export const registryApi: ApiArea = {
  schemas: {
    HealthResponse,
    UploadResponse,
    PublishRequest,
    PublishResponse,
    Manifest,
    SignedUrlRequest,
    SignedUrlResponse,
  },
  paths: {
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
        requestBody: { required: true, content: binary() },
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
          200: { description: "The file", content: binary() },
          206: { description: "Partial content (Range)" },
          304: { description: "Not modified (If-None-Match)" },
          ...auth,
          404: problem("No such model, version or file"),
          416: problem("The range lies outside the file"),
        },
      },
    },
  },
};
