// Requests and models shared by the evaluate endpoint's workerd suites (evaluate.test.ts for labelled
// texts and given predictions, generated.test.ts for prompts run through a text generator).
import { expect } from "vitest";
import { api, publish, stage } from "../../test/workers/api.ts";
import config from "../inference/fixtures/tiny-spam/config.json";
import modelBytes from "../inference/fixtures/tiny-spam/model.onnx";
import tokenizerJson from "../inference/fixtures/tiny-spam/tokenizer.json";
import tokenizerConfig from "../inference/fixtures/tiny-spam/tokenizer_config.json";

/** A JSON request body with its content type. */
export const jsonInit = (body: unknown) => ({
  body: JSON.stringify(body),
  headers: { "content-type": "application/json" },
});

/** `POST /v1/models/{name}/evaluate` with a read token. */
export const evaluate = (name: string, body: unknown) =>
  api(`/v1/models/${name}/evaluate`, { method: "POST", token: "read", ...jsonInit(body) });

/** Publishes the tiny-spam classifier fixture as `name`@1.0.0. */
export async function publishSpam(name: string) {
  await stage(name, "1.0.0", {
    "config.json": JSON.stringify(config),
    "tokenizer.json": JSON.stringify(tokenizerJson),
    "tokenizer_config.json": JSON.stringify(tokenizerConfig),
    "onnx/model.onnx": new Uint8Array(modelBytes),
  });
  expect((await publish(name, "1.0.0")).status).toBe(201);
}
