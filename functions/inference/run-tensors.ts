// Raw tensors for `POST /v1/models/{name}/infer`: any published ONNX variant run on the caller's own
// input tensors, returning the outputs asked for (all by default). Inputs are checked against the
// variant's declared inputs first (see tensors.ts); a model that still rejects them is a 422 carrying
// onnxruntime's reason, since the tensors came from the caller.
import type { Env } from "../env.ts";
import { Problem } from "../problem.ts";
import { loadSession } from "./loaded-model.ts";
import { resolveVariant } from "./resolve.ts";
import { onnxRuntime } from "./runtime.ts";
import type { TensorRequest, TensorResponse } from "./schemas.ts";
import { outputNames, tensorFeeds, tensorsToJson } from "./tensors.ts";

export async function runTensors(env: Env, name: string, r: TensorRequest): Promise<TensorResponse> {
  const { variant, version } = await resolveVariant(env, name, r.version, r.variant);
  const feeds = tensorFeeds(onnxRuntime(), variant, r.inputs);
  const session = await loadSession(env.ARTIFACTS, variant);
  const fetches = outputNames(session, r.outputs);
  let outputs: Awaited<ReturnType<typeof session.run>>;
  try {
    outputs = await session.run(feeds, fetches);
  } catch (error) {
    throw new Problem({
      status: 422,
      slug: "inference-failed",
      title: "Unprocessable Content",
      detail: `the model rejected the inputs: ${(error as Error).message}`,
    });
  }
  return { model: name, version, variant: variant.dtype, task: "tensors", outputs: tensorsToJson(outputs) };
}
