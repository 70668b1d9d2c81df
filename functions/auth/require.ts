// Route guards for bearer tokens (RFC 6750): 401 with a WWW-Authenticate challenge when no valid
// token came, 403 naming the missing scope when the token lacks it. Both are problem+json.
import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../env.ts";
import { Problem } from "../problem.ts";
import { grants, parseTokenConfig, type Scope, scopesOf } from "./tokens.ts";

export const REALM = "edgetune";

/** Who made the request: the scopes of a valid bearer token, or null for an anonymous request. */
export type Principal = { scopes: ReadonlySet<Scope> } | null;

function unauthorized(detail: string, error?: "invalid_token" | "invalid_request"): Problem {
  const challenge = error ? `Bearer realm="${REALM}", error="${error}"` : `Bearer realm="${REALM}"`;
  return new Problem({
    status: 401,
    slug: "unauthorized",
    title: "Unauthorized",
    detail,
    headers: { "www-authenticate": challenge },
  });
}

/**
 * The request's principal. No Authorization header → null (anonymous); a header that is not a valid
 * bearer token → 401, so a mistyped token is reported, not silently treated as anonymous.
 */
export async function principalOf(c: Context<AppEnv>): Promise<Principal> {
  const header = c.req.header("authorization");
  if (header === undefined) return null;
  const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(header);
  if (!match?.[1]) throw unauthorized("The Authorization header must be 'Bearer <token>'", "invalid_request");
  const scopes = await scopesOf(match[1], parseTokenConfig(c.env.EDGETUNE_TOKENS));
  if (!scopes) throw unauthorized("The bearer token is not valid", "invalid_token");
  return { scopes };
}

/** Throws 401/403 unless `principal` holds `scope`; `action` completes the detail ("to upload files"). */
export function assertScope(principal: Principal, scope: Scope, action: string): void {
  if (principal === null) throw unauthorized(`A bearer token with scope '${scope}' is required ${action}`);
  if (!grants(principal.scopes, scope)) {
    throw new Problem({
      status: 403,
      slug: "insufficient-scope",
      title: "Forbidden",
      detail: `This token lacks scope '${scope}', which is required ${action}`,
      extra: { requiredScope: scope },
      headers: {
        "www-authenticate": `Bearer realm="${REALM}", error="insufficient_scope", scope="${scope}"`,
      },
    });
  }
}

/** Middleware: the route needs a token with `scope`. */
export function requireScope(scope: Scope, action: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    assertScope(await principalOf(c), scope, action);
    await next();
  };
}
