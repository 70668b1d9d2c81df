// A JSON request body checked by a zod schema: 400 problem+json when it is not JSON at all, and
// (through the app's onError) 400 listing the issues when it does not match. With `optional`, an
// empty body reads as `{}`, for routes whose every field has a default.
import type { z } from "zod";
import { Problem } from "./problem.ts";

export async function jsonBody<S extends z.ZodType>(
  request: Request,
  schema: S,
  options: { optional?: boolean } = {},
): Promise<z.output<S>> {
  const text = await request.text();
  if (options.optional && text.trim() === "") return schema.parse({});
  let value: unknown;
  try {
    value = JSON.parse(text);
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
