import type { z } from "zod";
import { Problem } from "./problem.ts";

/**
 * Validates a response body against its schema before it leaves the Worker. A mismatch is the server's
 * fault, so it is a 500 (issues go to the log, not to the client), unlike a request validation error.
 */
export function conform<S extends z.ZodType>(schema: S, value: z.input<S>): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  console.error("response failed its schema:", result.error.issues);
  throw new Problem({
    status: 500,
    slug: "internal-error",
    title: "Internal Server Error",
    detail: "The server produced an invalid response",
  });
}
