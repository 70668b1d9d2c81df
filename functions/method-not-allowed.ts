import type { Env, Hono, Schema } from "hono";
import { methodNotAllowed } from "./problem.ts";

/**
 * Answers 405 (with an Allow header) on every registered path requested with a method it does not serve.
 * Call it after the last route is registered: it adds one catch-all handler per path, behind the real ones.
 */
export function allowKnownMethods<E extends Env, S extends Schema, B extends string>(
  app: Hono<E, S, B>,
): void {
  const methods = new Map<string, Set<string>>();
  const anyMethod = new Set<string>();
  for (const route of app.routes) {
    if (route.method === "ALL") {
      anyMethod.add(route.path);
      continue;
    }
    const set = methods.get(route.path) ?? new Set<string>();
    set.add(route.method);
    if (route.method === "GET") set.add("HEAD"); // Hono answers HEAD from the GET handler
    methods.set(route.path, set);
  }
  for (const [path, set] of methods) {
    if (anyMethod.has(path)) continue;
    const allow = [...set].sort();
    app.all(path, (c) => methodNotAllowed(c, allow));
  }
}
