// The page a device runs: download the published model with integrity checks, then classify with
// onnxruntime-web on the execution provider the test asks for (webgpu or wasm).
import * as ort from "onnxruntime-web/webgpu";
import { createTextClassifier, downloadVerified } from "../../../client/index.ts";

interface PageInput {
  ep: "webgpu" | "wasm";
  model: { url: string; sha256: string; size: number };
  tokenizerUrl: string;
  tokenizerConfigUrl: string;
  labels: string[];
  maxLength: number;
  samples: string[];
}

async function run(input: PageInput) {
  ort.env.wasm.wasmPaths = "/ort/";
  ort.env.wasm.numThreads = 1;
  const adapter =
    input.ep === "webgpu"
      ? await (navigator as { gpu?: { requestAdapter(): Promise<unknown> } }).gpu?.requestAdapter()
      : null;
  if (input.ep === "webgpu" && !adapter) throw new Error("this browser has no WebGPU adapter");
  const bytes = await downloadVerified(input.model.url, {
    sha256: input.model.sha256,
    size: input.model.size,
  });
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [input.ep] });
  const json = (url: string) => fetch(url).then((r) => r.json() as Promise<object>);
  const [tokenizerJson, tokenizerConfig] = await Promise.all([
    json(input.tokenizerUrl),
    json(input.tokenizerConfigUrl),
  ]);
  const classifier = createTextClassifier({
    ort,
    session,
    tokenizerJson,
    tokenizerConfig,
    labels: input.labels,
    maxLength: input.maxLength,
  });
  return { ep: input.ep, predictions: await classifier.classify(input.samples) };
}

(globalThis as { runOnDevice?: typeof run }).runOnDevice = run;
