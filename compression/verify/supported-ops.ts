// What "supported" means for compress and verify, checked before any pass runs so a model we
// cannot handle fails with the operator named instead of deep inside a pass or onnxruntime:
// every node's domain must be one we know (the ONNX default domain, com.microsoft, ai.onnx.ml) or
// a function the model defines itself, imported at an opset version onnxruntime 1.30 guarantees
// (default domain ≤ 26, ai.onnx.ml ≤ 5, com.microsoft 1; measured: 27 and com.microsoft 2+ are
// refused at load). Operators of known domains that onnxruntime lacks still fail at load, in
// verification, before anything is written.
import { CompressionError } from "../graph/errors.ts";
import type { ModelProto, NodeProto } from "../onnx-io/onnx-types.ts";
import { forEachGraph } from "../onnx-io/walk.ts";

/** Highest opset version per known domain ("" is the ONNX default domain). */
export const knownOpsets: Readonly<Record<string, number>> = { "": 26, "com.microsoft": 1, "ai.onnx.ml": 5 };

const canonical = (domain: string | undefined) => (domain === "ai.onnx" ? "" : (domain ?? ""));
const shown = (domain: string) => (domain === "" ? "ai.onnx" : domain);

/** Throws CompressionError("unsupported") naming the first operator or opset import edgetune cannot handle. */
export function checkSupportedOps(model: ModelProto): void {
  const imported = new Map<string, number>();
  for (const o of model.opsetImport) {
    const domain = canonical(o.domain);
    const version = o.version?.toNumber() ?? 0;
    imported.set(domain, version);
    const max = knownOpsets[domain];
    if (max !== undefined && (version < 1 || version > max))
      throw new CompressionError(
        "unsupported",
        `the model imports opset ${shown(domain)} version ${version}; supported: 1 to ${max}`,
      );
  }
  const local = new Set(model.functions.map((f) => `${canonical(f.domain)}:${f.name ?? ""}`));
  const check = (n: NodeProto, where: string) => {
    const domain = canonical(n.domain);
    if (local.has(`${domain}:${n.opType ?? ""}`)) return;
    const label = `${n.opType ?? "?"} (node ${JSON.stringify(n.name || n.output[0] || "?")}${where})`;
    if (knownOpsets[domain] === undefined)
      throw new CompressionError(
        "unsupported",
        `unsupported operator ${label} in domain ${shown(domain)}: only ${Object.keys(knownOpsets).map(shown).join(", ")} and the model's own functions are supported`,
      );
    if (!imported.has(domain))
      throw new CompressionError(
        "unsupported",
        `operator ${label} is in domain ${shown(domain)}, which the model does not import`,
      );
  };
  forEachGraph(model, (g, depth) => {
    for (const n of g.node) check(n, depth ? ` in subgraph ${JSON.stringify(g.name ?? "")}` : "");
  });
}
