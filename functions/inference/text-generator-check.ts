// Whether a variant can generate text, read from its manifest before anything loads: generating runs
// a causal language model's logits [batch, sequence, vocabulary] token by token, and a classifier's
// logits [batch, labels] would "generate" label ids. The infer route's generate() and the evaluate
// endpoint's prompts both refuse such a model with this one 422 (`not-a-text-generator`).
import { Problem } from "../problem.ts";
import type { Manifest, ManifestVariant } from "../schemas.ts";

/** Throws 422 not-a-text-generator unless the variant's `logits` are rank 3 (or of unknown shape). */
export function assertTextGenerator(
  manifest: Manifest,
  variant: ManifestVariant,
  instead = "Send it the requests of its own task (text or texts; inputs for raw tensors)",
): void {
  const logits = variant.outputs.find((o) => o.name === "logits");
  if (logits && (logits.shape === null || logits.shape.length === 3)) return;
  const outputs = variant.outputs.map((o) => `${o.name} [${(o.shape ?? ["?"]).join(", ")}]`).join(", ");
  throw new Problem({
    status: 422,
    slug: "not-a-text-generator",
    title: "Unprocessable Content",
    detail: `${manifest.name}@${manifest.version} (${variant.dtype}) is not a text generator: generating needs a causal language model's logits [batch, sequence, vocabulary]; its outputs are ${outputs}. ${instead}`,
    extra: { outputs: variant.outputs.map((o) => o.name) },
  });
}
