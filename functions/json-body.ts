// A JSON request body checked by a zod schema: 400 problem+json when it is not JSON at all, and
// (through the app's onError) 400 listing the issues when it does not match.
import type { z } from "zod";
import { Problem } from "./problem.ts";

export async function jsonBody<S extends z.ZodType>(request: Request, schema: S): Promise<z.output<S>> {
  let value: unknown;
  try {
    value = JSON.parse(await request.text());
  } catch {
    throw new Problem({
      status: 400,
      slug: "invalid-json",
      title: "Bad Request",
      detail: "The request body is not valid JSON",
    });
  }
  return schema.parse(value);
}
