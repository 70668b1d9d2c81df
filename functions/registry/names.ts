// What a model name, a version and a file path may be. Paths become R2 lookups and download URLs, so
// they are checked after percent-decoding: no "..", no empty or hidden-dot tricks, no backslashes or
// control characters, nothing absolute. Names stay one URL segment so that `/{name}/resolve/...`
// (transformers.js' layout) is unambiguous.
import { z } from "zod";
import { Problem } from "../problem.ts";

/** Words that would collide with the API's own top-level paths. */
const RESERVED_NAMES = new Set(["v1", "api", "resolve"]);

export const ModelName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/,
    "a model name is 1–96 characters: letters, digits, '.', '_' or '-', starting with a letter or digit",
  )
  .refine((name) => !RESERVED_NAMES.has(name.toLowerCase()), "this model name is reserved")
  .refine((name) => !name.includes(".."), "a model name cannot contain '..'");

export const VersionName = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/,
    "a version is 1–64 characters: letters, digits, '.', '_', '+' or '-', starting with a letter or digit",
  )
  .refine((v) => !v.includes(".."), "a version cannot contain '..'")
  .refine((v) => v !== "main", "'main' is reserved: it resolves to the latest version");

/** The manifest's own path inside a version; written by publish, never uploaded. */
export const MANIFEST_PATH = "edgetune.json";

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export const FilePath = z
  .string()
  .max(512, "a file path is at most 512 characters")
  .superRefine((path, ctx) => {
    const segments = path.split("/");
    if (segments.length > 8) ctx.addIssue({ code: "custom", message: "a file path has at most 8 segments" });
    for (const segment of segments) {
      if (segment === "." || segment === "..") {
        ctx.addIssue({
          code: "custom",
          message: "a file path cannot contain '.' or '..' segments (path traversal)",
        });
        return;
      }
      if (!SEGMENT.test(segment)) {
        ctx.addIssue({
          code: "custom",
          message: `invalid path segment ${JSON.stringify(segment)}: use letters, digits, '.', '_' and '-', not starting with '.' or '-'`,
        });
        return;
      }
    }
  });

/** Validates route parameters into a 400 problem that names the offending parameter and value. */
export function parseParam<S extends z.ZodType<string>>(schema: S, what: string, value: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new Problem({
    status: 400,
    slug: what === "path" ? "invalid-path" : `invalid-${what}`,
    title: "Bad Request",
    detail: `Invalid ${what} ${JSON.stringify(value)}: ${result.error.issues.map((i) => i.message).join("; ")}`,
    extra: { [what]: value },
  });
}
