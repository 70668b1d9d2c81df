// Helpers for the workerd suites: requests through the Worker's own default export (wrangler.toml's
// main module, with its real R2 and D1 bindings), tokens by scope, and a checkpoint's files.
import { env, exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { ProblemDetails } from "../../functions/problem.ts";
import { TOKENS } from "./tokens.ts";

export const ORIGIN = "http://edgetune.test";

export type TokenScope = keyof typeof TOKENS;

export function api(path: string, init: RequestInit & { token?: TokenScope } = {}): Promise<Response> {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set("authorization", `Bearer ${TOKENS[token]}`);
  return exports.default.fetch(`${ORIGIN}${path}`, { ...rest, headers });
}

/** Asserts a problem+json response with this status and returns its body. */
export async function problemOf(res: Response, status: number): Promise<ProblemDetails> {
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const body = (await res.json()) as ProblemDetails;
  expect({ status: res.status, body: body.status }).toEqual({ status, body: status });
  return body;
}

export function fromBase64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

/** A small valid ONNX model (compression's int4-matmul fixture). */
export function onnxBytes(): Uint8Array {
  return fromBase64(env.TEST_ONNX_B64);
}

export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === "string" ? new TextEncoder().encode(bytes) : bytes;
  const digest = await crypto.subtle.digest("SHA-256", data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function upload(
  name: string,
  version: string,
  path: string,
  body: BodyInit,
  token: TokenScope | null = "write",
): Promise<Response> {
  return api(`/v1/models/${name}/versions/${version}/files/${path}`, {
    method: "PUT",
    body,
    ...(token ? { token } : {}),
  });
}

/** The files the trainer writes (model.safetensors aside), as uploads. */
export function checkpointFiles(): Record<string, Uint8Array | string> {
  return {
    "config.json": JSON.stringify({ model_type: "bert", num_labels: 2 }),
    "tokenizer.json": JSON.stringify({ version: "1.0", model: { type: "WordPiece", vocab: { "[UNK]": 0 } } }),
    "tokenizer_config.json": JSON.stringify({ model_max_length: 128 }),
    "onnx/model.onnx": onnxBytes(),
  };
}

export async function stage(name: string, version: string, files = checkpointFiles()): Promise<void> {
  for (const [path, body] of Object.entries(files)) {
    const res = await upload(name, version, path, body);
    expect(res.status, `upload ${path}: ${await res.clone().text()}`).toBe(201);
  }
}

export function publish(name: string, version: string, body?: unknown, token: TokenScope = "write") {
  return api(`/v1/models/${name}/versions/${version}/publish`, {
    method: "POST",
    token,
    ...(body === undefined
      ? {}
      : { body: JSON.stringify(body), headers: { "content-type": "application/json" } }),
  });
}

/** Stages the checkpoint and publishes it; returns the publish response body. */
export async function stageAndPublish(name: string, version: string, body?: unknown) {
  await stage(name, version);
  const res = await publish(name, version, body);
  expect(res.status, await res.clone().text()).toBe(201);
  return res.json() as Promise<{
    manifestSha256: string;
    manifest: { files: { path: string; sha256: string; size: number }[] };
  }>;
}

/** Every R2 key under `prefix`. */
export async function r2Keys(prefix: string): Promise<string[]> {
  const listed = await env.ARTIFACTS.list({ prefix });
  return listed.objects.map((o) => o.key);
}
