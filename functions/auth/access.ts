// Who may read a model: anyone when it is public, otherwise a token with scope read. A missing
// private model and a missing public one answer differently only to callers allowed to read: an
// anonymous caller gets 401 either way, so private model names do not leak.
import type { Context } from "hono";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { getModel, type ModelRow } from "../registry/db.ts";
import { assertScope, principalOf } from "./require.ts";

export function modelNotFound(name: string): Problem {
  return new Problem({
    status: 404,
    slug: "model-not-found",
    title: "Not Found",
    detail: `No model named ${JSON.stringify(name)}`,
    extra: { model: name },
  });
}

/** 404 for a model without the requested version (or, with none requested, without any published one). */
export function versionNotFound(name: string, requested: string | undefined): Problem {
  return new Problem({
    status: 404,
    slug: "version-not-found",
    title: "Not Found",
    detail: requested
      ? `${name} has no published version ${requested}`
      : `${name} has no published version yet`,
    extra: { model: name, ...(requested ? { version: requested } : {}) },
  });
}

/**
 * The model, once the caller may read it; `preAuthorized` skips the token check (a verified signed
 * URL). Throws 401/403 for a caller without access, then 404 when there is no such model.
 */
export async function readableModel(
  c: Context<AppEnv>,
  name: string,
  preAuthorized = false,
): Promise<ModelRow> {
  const model = await getModel(c.env.REGISTRY, name);
  if (!model?.public && !preAuthorized) assertScope(await principalOf(c), "read", `to read model ${name}`);
  if (!model) throw modelNotFound(name);
  return model;
}
