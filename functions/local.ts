// Node side: runs the edge API in real workerd on this machine (`edgetune serve`, the demo, tests).
// wrangler bundles functions/index.ts and applies wrangler.toml (vars and every binding: R2, D1, Queues…);
// Miniflare simulates the bindings, with their state persisted under `stateDir`. Before the Worker
// starts, the registry's migrations (functions/migrations) are applied to that persisted D1, and a
// dev token (if any) is configured the way a deployment configures its secrets.
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getPlatformProxy, unstable_startWorker } from "wrangler";

export interface LocalWorkerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Directory for persisted local state (wrangler keeps it under `<stateDir>/v3/{r2,d1,…}`). Created if missing. */
  stateDir: string;
  /** How long to wait for workerd to listen before giving up (default 60 s). */
  startTimeoutMs?: number;
  /**
   * A bearer token with scope admin for this local server (default: the EDGETUNE_TOKEN environment
   * variable). The Worker gets only its SHA-256 (EDGETUNE_TOKENS) and a signing key derived from it.
   * Without one, no token is valid: only public models can be read.
   */
  devToken?: string;
  /** Plain-text vars that replace wrangler.toml's [vars] of the same name (e.g. a limit under test). */
  vars?: Record<string, string>;
}

export interface LocalWorker {
  /** Origin the Worker answers on, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Shuts workerd down and frees the port; calling it again returns the same promise. */
  stop(): Promise<void>;
}

const configPath = fileURLToPath(new URL("../wrangler.toml", import.meta.url));
const migrationsDir = fileURLToPath(new URL("./migrations/", import.meta.url));

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Statements of a migration file: `--` comments dropped, split where a line ends with ';'. */
export function splitSql(sql: string): string[] {
  const lines = sql.split("\n").filter((line) => !/^\s*--/.test(line));
  return lines
    .join("\n")
    .split(/;\s*$/m)
    .map((statement) => statement.trim())
    .filter((statement) => statement.length > 0);
}

/**
 * Applies functions/migrations/*.sql not yet recorded in d1_migrations (wrangler's own table, so
 * `wrangler d1 migrations apply --local --persist-to <stateDir>` agrees), each file in one batch.
 * Returns the names applied.
 */
async function applyMigrations(stateDir: string): Promise<string[]> {
  const proxy = await getPlatformProxy<{ REGISTRY: D1Like }>({
    configPath,
    persist: { path: join(stateDir, "v3") },
    remoteBindings: false,
  });
  try {
    const db = proxy.env.REGISTRY;
    await db
      .prepare(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)",
      )
      .run();
    const done = new Set(
      (await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => String(r.name)),
    );
    const files = (await readdir(migrationsDir)).filter((f) => f.endsWith(".sql")).sort();
    const applied: string[] = [];
    for (const name of files) {
      if (done.has(name)) continue;
      const statements = splitSql(await readFile(join(migrationsDir, name), "utf8")).map((q) =>
        db.prepare(q),
      );
      statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(name));
      await db.batch(statements);
      applied.push(name);
    }
    return applied;
  } finally {
    await proxy.dispose();
  }
}

/** The slice of D1's binding used here (Node has no workers-types). */
interface D1Stmt {
  bind(...values: unknown[]): D1Stmt;
  run(): Promise<unknown>;
  all(): Promise<{ results: Record<string, unknown>[] }>;
}
interface D1Like {
  prepare(query: string): D1Stmt;
  batch(statements: D1Stmt[]): Promise<unknown>;
}

/** Secrets for a local server with `devToken` (scope admin); none without a token. */
function devSecrets(devToken: string | undefined) {
  if (!devToken) return {};
  return {
    EDGETUNE_TOKENS: {
      type: "secret_text" as const,
      value: JSON.stringify({ [sha256(devToken)]: ["admin"] }),
    },
    EDGETUNE_SIGNING_KEY: {
      type: "secret_text" as const,
      value: sha256(`edgetune-local-signing:${devToken}`),
    },
  };
}

/** wrangler's error events are plain objects (`{ reason, cause, source }`), sometimes wrapped in an Error. */
function asError(event: unknown): Error {
  if (event instanceof Error) return event;
  const { reason, cause } = (event ?? {}) as { reason?: unknown; cause?: unknown };
  return new Error(`local Worker failed: ${String(reason ?? event)}`, { cause });
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  process.env.WRANGLER_SEND_METRICS = "false";
  // Offline, Miniflare would try (and fail, warning once per instance) to fetch the Request.cf object.
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= "false";

  await applyMigrations(options.stateDir);

  // Rejects on a bundling error (e.g. a syntax error in functions/).
  const worker = await unstable_startWorker({
    config: configPath,
    sendMetrics: false,
    // unstable_startWorker does not take wrangler.toml's nodejs_compat for the bundler; without this it
    // warns on every start that node:async_hooks (the inference route's Server-Timing) is missing.
    build: { nodejsCompatMode: "v2" },
    bindings: {
      ...Object.fromEntries(
        Object.entries(options.vars ?? {}).map(([name, value]) => [
          name,
          { type: "plain_text" as const, value },
        ]),
      ),
      ...devSecrets(options.devToken ?? process.env.EDGETUNE_TOKEN),
    },
    dev: {
      remote: false,
      persist: options.stateDir,
      server: { hostname: "127.0.0.1", port: options.port ?? 0 },
      inspector: false,
      watch: false,
      liveReload: false,
      logLevel: "warn",
    },
  });

  // Runtime failures (e.g. the port is taken) arrive as "error" events and leave `ready` pending forever.
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const failed = new Promise<never>((_, reject) => {
    worker.raw.on("error", (event: unknown) => {
      if (started) console.error(asError(event));
      else reject(asError(event));
    });
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    timer = setTimeout(
      () => reject(new Error(`local Worker did not start within ${timeoutMs} ms`)),
      timeoutMs,
    );
  });

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= worker.dispose();
    return stopping;
  };

  try {
    await Promise.race([worker.ready, failed]);
    const url = (await Promise.race([worker.url, failed])).origin;
    started = true;
    return { url, stop };
  } catch (err) {
    // dispose() first waits for the proxy to be ready, which a failed start never is: settle it.
    worker.raw.proxy.ready.reject(err instanceof Error ? err : new Error(String(err)));
    await stop().catch(() => {});
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
