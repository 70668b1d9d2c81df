import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { z } from "zod";

/** Stable base of every problem `type` URI: `${PROBLEM_BASE}<slug>`. */
export const PROBLEM_BASE = "https://edgetune.dev/problems/";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** RFC 9457 problem details, as serialized on the wire. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  [extension: string]: unknown;
}

export interface ProblemInit {
  status: ContentfulStatusCode;
  /** Last segment of the type URI, e.g. "model-not-found". */
  slug: string;
  title: string;
  detail: string;
  /** Extension members, merged into the body (they cannot replace the standard members). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** An error that becomes an RFC 9457 problem+json response when thrown from a route. */
export class Problem extends Error {
  readonly status: ContentfulStatusCode;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly extra: Record<string, unknown>;
  readonly headers: Record<string, string>;

  constructor(init: ProblemInit) {
    super(init.detail);
    this.name = "Problem";
    this.status = init.status;
    this.type = `${PROBLEM_BASE}${init.slug}`;
    this.title = init.title;
    this.detail = init.detail;
    this.extra = init.extra ?? {};
    this.headers = init.headers ?? {};
  }

  toJSON(instance?: string): ProblemDetails {
    return {
      ...this.extra,
      type: this.type,
      title: this.title,
      status: this.status,
      detail: this.detail,
      ...(instance === undefined ? {} : { instance }),
    };
  }
}

/** A problem+json response for `problem`; `instance` defaults to the request path. */
export function problemResponse(problem: Problem, instance?: string): Response {
  const headers = new Headers(problem.headers);
  headers.set("content-type", PROBLEM_CONTENT_TYPE);
  return new Response(JSON.stringify(problem.toJSON(instance)), { status: problem.status, headers });
}

function pathOf(c: Context): string {
  return new URL(c.req.url).pathname;
}

/** The app's `notFound`: 404 naming the method and path. */
export const notFound: NotFoundHandler = (c) =>
  problemResponse(
    new Problem({
      status: 404,
      slug: "not-found",
      title: "Not Found",
      detail: `No route for ${c.req.method} ${pathOf(c)}`,
    }),
    pathOf(c),
  );

/** 405 for a known path requested with a method it does not serve; `allow` lists the ones it does. */
export function methodNotAllowed(c: Context, allow: readonly string[]): Response {
  return problemResponse(
    new Problem({
      status: 405,
      slug: "method-not-allowed",
      title: "Method Not Allowed",
      detail: `${c.req.method} is not allowed on ${pathOf(c)}; allowed: ${allow.join(", ")}`,
      extra: { allow: [...allow] },
      headers: { allow: allow.join(", ") },
    }),
    pathOf(c),
  );
}

/** Serializable summary of a zod issue: where, what kind, and why. */
export interface ProblemIssue {
  path: string;
  code: string;
  message: string;
}

function issuesOf(error: z.core.$ZodError): ProblemIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    code: issue.code,
    message: issue.message,
  }));
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

/** The standard reason phrase for `status` (a generic one for codes not listed). */
export function statusTitle(status: number): string {
  return TITLES[status] ?? (status >= 500 ? "Server Error" : "Client Error");
}

const INTERNAL_DETAIL = "The server failed to handle the request";

/** Maps any thrown value to a Problem; unknown errors become a generic 500 with no internals. */
export function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  // $ZodError's instanceof checks traits, so it matches zod classic and zod/mini errors alike.
  if (err instanceof z.core.$ZodError) {
    return new Problem({
      status: 400,
      slug: "validation-failed",
      title: "Bad Request",
      detail: `The request is invalid: ${err.issues.length} issue(s)`,
      extra: { issues: issuesOf(err) },
    });
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const internal = status >= 500;
    // Keep headers such as WWW-Authenticate from middleware that throws with a prepared response.
    const headers: Record<string, string> = {};
    err.res?.headers.forEach((value, key) => {
      if (key !== "content-type" && key !== "content-length") headers[key] = value;
    });
    return new Problem({
      status,
      slug: internal ? "internal-error" : "http-error",
      title: statusTitle(status),
      detail: internal ? INTERNAL_DETAIL : err.message || statusTitle(status),
      headers,
    });
  }
  return new Problem({
    status: 500,
    slug: "internal-error",
    title: statusTitle(500),
    detail: INTERNAL_DETAIL,
  });
}

/** The app's `onError`: Problem → its status, zod → 400 with issues, anything else → generic 500. */
export const onError: ErrorHandler = (err, c) => {
  const problem = toProblem(err);
  if (problem.status >= 500 && !(err instanceof Problem)) {
    console.error(`${c.req.method} ${pathOf(c)} failed:`, err);
  }
  return problemResponse(problem, pathOf(c));
};
