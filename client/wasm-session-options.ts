// How edgetune creates onnxruntime-web (WASM) sessions, in the Worker and wherever WASM latency is
// reported for it (compression/verify/web-latency.ts), so the figures describe what is served.
// Graph optimizations are off: on the spam classifier's fp32, q8 and q4 variants a session is created
// 2.4–3.3× faster than at ORT's default level ("all"), warm runs are no slower in WASM, and outputs
// are the same (bench/ort-web-optimization.ts). On a 21 MB BERT-mini (scripts/fixtures/make_bert_mini.py)
// creation is about 2× faster and warm runs within ±8 % of "all". Session creation is most of a cold start.
import type { InferenceSession } from "onnxruntime-common";

export const WASM_SESSION_OPTIONS: InferenceSession.SessionOptions = { graphOptimizationLevel: "disabled" };
