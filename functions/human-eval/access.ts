// Who may read a study's report: an admin, or whoever created the study (the same bearer token,
// recognised by its SHA-256, which is how EDGETUNE_TOKENS names tokens). Never its raters: they rate
// with read tokens of their own, and the report shows how everyone else judged and which variant is
// which, which would unblind the study while they are still rating. Anyone else gets 403.
import type { Context } from "hono";
import { principalOf } from "../auth/require.ts";
import { grants, sha256Hex } from "../auth/tokens.ts";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import type { StudyRow } from "./store.ts";

/** SHA-256 (hex) of the request's bearer token; call after the route's scope check passed. */
export async function bearerTokenHash(c: Context<AppEnv>): Promise<string> {
  const token = /^Bearer +([\x21-\x7e]+) *$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) throw new Error("bearerTokenHash needs a request that passed its scope check");
  return sha256Hex(token);
}

/** Throws 403 unless the request comes from an admin or from the token that created `study`. */
export async function assertMayReadReport(c: Context<AppEnv>, study: StudyRow): Promise<void> {
  const principal = await principalOf(c);
  if (principal && grants(principal.scopes, "admin")) return;
  if (study.creator !== null && (await bearerTokenHash(c)) === study.creator) return;
  throw new Problem({
    status: 403,
    slug: "report-not-yours",
    title: "Forbidden",
    detail: "A study's report is for its creator and for admins only; raters never see it",
  });
}
