// `--mixed-precision <budget>`: a key=value list read into the mixed-precision module's options and
// validated by its schema, so a typo fails before any work with the key named.
import { type MixedPrecisionOptions, mixedPrecisionOptions } from "../../compression/node.ts";
import { CliError } from "../errors.ts";

const mixedKeys: Record<
  string,
  (o: Record<string, unknown>, budget: Record<string, number>, v: string) => void
> = {
  low: (o, _b, v) => {
    o.low = v;
  },
  high: (o, _b, v) => {
    o.high = v;
  },
  embeddings: (o, _b, v) => {
    o.embeddings = v;
  },
  "block-size": (o, _b, v) => {
    o.blockSize = Number(v);
  },
  top1: (_o, b, v) => {
    b.minTop1Agreement = Number(v);
  },
  cosine: (_o, b, v) => {
    b.minCosine = Number(v);
  },
  "relative-error": (_o, b, v) => {
    b.maxRelativeError = Number(v);
  },
  "accuracy-drop": (_o, b, v) => {
    b.maxAccuracyDrop = Number(v);
  },
};

/** "relative-error=0.002,high=q8" → mixed-precision options (validated by the module's schema). */
export function parseMixedPrecision(spec: string): MixedPrecisionOptions {
  const options: Record<string, unknown> = {};
  const budget: Record<string, number> = {};
  for (const part of spec.split(",").map((p) => p.trim())) {
    const [key, value, ...rest] = part.split("=");
    const set = key === undefined ? undefined : mixedKeys[key];
    if (!set || value === undefined || rest.length)
      throw new CliError(
        `--mixed-precision: "${part}" is not key=value with a key among ${Object.keys(mixedKeys).join(", ")}`,
        2,
      );
    set(options, budget, value);
  }
  const parsed = mixedPrecisionOptions.safeParse({ ...options, budget });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`--mixed-precision: ${issue?.path.join(".") || "options"}: ${issue?.message}`, 2);
  }
  return { ...options, budget } as MixedPrecisionOptions;
}
