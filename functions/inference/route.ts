// `POST /v1/models/{name}/infer`: inference at the edge on any published variant and version: text
// classification (the first contract), text generation, feature extraction and raw tensors; the task is
// named by `task` or follows from the body (see schemas.ts). Needs the read scope. Texts longer than the
// model reads are refused (422) unless the caller asks for truncation, so nobody gets a confident label
// for a text the model never saw whole. A successful answer carries a Server-Timing header saying where
// the time went inside the isolate (server-timing.ts).
import { Hono } from "hono";
import { z } from "zod";
import type { TextClassifier } from "../../client/index.ts";
import { assertScope, principalOf } from "../auth/require.ts";
import { conform } from "../conform.ts";
import type { AppEnv, Env } from "../env.ts";
import { jsonBody } from "../json-body.ts";
import { Problem } from "../problem.ts";
import { ModelName, parseParam } from "../registry/names.ts";
import { embed } from "./embed.ts";
import { generate } from "./generate.ts";
import { loadClassifier } from "./loaded-model.ts";
import { resolveVariant } from "./resolve.ts";
import { runTensors } from "./run-tensors.ts";
import {
  FeatureExtractionRequest,
  FeatureExtractionResponse,
  GenerationRequest,
  GenerationResponse,
  InferRequest,
  InferResponse,
  InferTask,
  TensorRequest,
  TensorResponse,
  taskOf,
} from "./schemas.ts";
import { currentTimings, RequestTimings, timed, withTimings } from "./server-timing.ts";
import { refusingLongTexts } from "./text-too-long.ts";

/** The classifier of a model's version (latest by default) and variant (fp32 by default). */
export async function resolveClassifier(
  env: Env,
  name: string,
  requestedVersion: string | undefined,
  requestedVariant: string | undefined,
): Promise<{ classifier: TextClassifier; version: string; variant: string }> {
  const { manifest, variant, version } = await resolveVariant(env, name, requestedVersion, requestedVariant);
  const classifier = await loadClassifier(env.ARTIFACTS, manifest, variant);
  return { classifier, version, variant: variant.dtype };
}

async function classify(env: Env, name: string, request: InferRequest): Promise<InferResponse> {
  const { classifier, version, variant } = await resolveClassifier(
    env,
    name,
    request.version,
    request.variant,
  );
  const texts = request.texts ?? [request.text as string];
  // tokenize: the classifier's own time (tokenizer, tensors, softmax), its session runs taken out
  const runBefore = currentTimings()?.get("run") ?? 0;
  const t0 = performance.now();
  const truncation = request.truncation === true;
  const predictions = await refusingLongTexts(name, () => classifier.classify(texts, { truncation }));
  const run = (currentTimings()?.get("run") ?? 0) - runBefore;
  currentTimings()?.add("tokenize", performance.now() - t0 - run);
  return { model: name, version, variant, task: "text-classification", predictions };
}

export const infer = new Hono<AppEnv>().post("/v1/models/:name/infer", (c) => {
  const timings = new RequestTimings();
  return withTimings(timings, async () => {
    const name = parseParam(ModelName, "name", c.req.param("name"));
    const principal = await timed("auth", () => principalOf(c));
    assertScope(principal, "read", `to run model ${name}`);
    const body = await timed("parse", () => jsonBody(c.req.raw, z.unknown()));
    const answer = await answerTask(c.env, name, body);
    c.header("server-timing", timings.header());
    return c.json(answer);
  });
});

/** The task's response body, checked against its schema. */
async function answerTask(env: Env, name: string, body: unknown): Promise<unknown> {
  const task = taskOf(body);
  switch (task) {
    case "text-classification":
      return conform(InferResponse, await classify(env, name, InferRequest.parse(body)));
    case "text-generation":
      return conform(GenerationResponse, await generate(env, name, GenerationRequest.parse(body)));
    case "feature-extraction":
      return conform(FeatureExtractionResponse, await embed(env, name, FeatureExtractionRequest.parse(body)));
    case "tensors":
      return conform(TensorResponse, await runTensors(env, name, TensorRequest.parse(body)));
    default:
      throw new Problem({
        status: 400,
        slug: "unknown-task",
        title: "Bad Request",
        detail: `unknown task; the tasks are ${InferTask.options.join(", ")}`,
        extra: { tasks: InferTask.options },
      });
  }
}
