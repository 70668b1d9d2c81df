// Verification and reports (Node only: onnxruntime-node and node:zlib).

export { median } from "./median.ts";
export { checkSupportedOps, knownOpsets } from "./supported-ops.ts";
export {
  createSession,
  type Feeds,
  type LabelledExample,
  measureSize,
  type OutputComparison,
  type ReferenceRuns,
  referenceRuns,
  reportMarkdown,
  type SizeReport,
  sampleFeeds,
  type VariantReport,
  type VerifyOptions,
  verifyOptionsSchema,
  verifyVariant,
} from "./verify.ts";
export { type WebLatency, webLatency } from "./web-latency.ts";
