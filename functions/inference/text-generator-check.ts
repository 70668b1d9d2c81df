// Whether a variant can generate text, read from its manifest before anything loads: generating runs
// a causal language model's logits [batch, sequence, vocabulary] token by token, and a classifier's
// logits [batch, labels] would "generate" label ids. A masked language model has logits of that rank
// too, but it fills in masked tokens rather than continuing a text: its config.json says so, read when
// the generator is assembled. The infer route's generate() and the evaluate endpoint's prompts both
// refuse such models with this one 422 (`not-a-text-generator`).
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
  throw notATextGenerator(
    manifest,
    variant,
    `generating needs a causal language model's logits [batch, sequence, vocabulary]; its outputs are ${outputs}. ${instead}`,
  );
}

/** Throws 422 not-a-text-generator when config.json's `architectures` name only masked-LM heads. */
export function assertNotMaskedLm(
  manifest: Manifest,
  variant: ManifestVariant,
  config: Record<string, unknown>,
): void {
  const { architectures } = config;
  if (!Array.isArray(architectures) || architectures.length === 0) return;
  if (!architectures.every((a) => typeof a === "string" && a.endsWith("ForMaskedLM"))) return;
  throw notATextGenerator(
    manifest,
    variant,
    `its config.json names ${architectures.join(", ")}, a masked language model, which fills in masked tokens and does not continue a text. Send it the requests of its own task (inputs for raw tensors)`,
  );
}

function notATextGenerator(manifest: Manifest, variant: ManifestVariant, why: string): Problem {
  return new Problem({
    status: 422,
    slug: "not-a-text-generator",
    title: "Unprocessable Content",
    detail: `${manifest.name}@${manifest.version} (${variant.dtype}) is not a text generator: ${why}`,
    extra: { outputs: variant.outputs.map((o) => o.name) },
  });
}
