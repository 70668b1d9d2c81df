// Node side: runs the edge API in real workerd on this machine (`edgetune serve`, the demo, tests).
// wrangler bundles functions/index.ts as a deployment would (local-bundle.ts) and reads wrangler.toml's
// vars and bindings (R2, D1, Queues…); Miniflare runs that bundle in one workerd, simulating the
// bindings with their state persisted under `stateDir`, in wrangler's layout (`<stateDir>/v3/…`), so
// `wrangler d1 … --local --persist-to <stateDir>` sees the same registry. Before the Worker answers,
// the registry's migrations (functions/migrations) are applied to that D1, and a dev token (if any)
// is configured the way a deployment configures its secrets.
import { createHash } from "node:crypto";
import { readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions } from "wrangler";
import { bundleWorker } from "./local-bundle.ts";

export interface LocalWorkerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Directory for persisted local state (under `<stateDir>/v3/{r2,d1,…}`, as wrangler keeps it) and the Worker's bundle (`worker-bundle/`). Created if missing. */
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
async function applyMigrations(db: D1Like): Promise<string[]> {
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
    const statements = splitSql(await readFile(join(migrationsDir, name), "utf8")).map((q) => db.prepare(q));
    statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?1)").bind(name));
    await db.batch(statements);
    applied.push(name);
  }
  return applied;
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
function devSecrets(devToken: string | undefined): Record<string, string> {
  if (!devToken) return {};
  return {
    EDGETUNE_TOKENS: JSON.stringify({ [sha256(devToken)]: ["admin"] }),
    EDGETUNE_SIGNING_KEY: sha256(`edgetune-local-signing:${devToken}`),
  };
}

/** Rejects after `ms` with `what` (a start that hangs must not hang its caller). */
function deadline(ms: number, what: string): { expired: Promise<never>; clear(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return { expired, clear: () => clearTimeout(timer) };
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  const timeout = deadline(options.startTimeoutMs ?? 60_000, "starting the local Worker");
  // beside the state, rebuilt on every start: a server killed before stop() leaves nothing elsewhere
  const bundleDir = join(options.stateDir, "worker-bundle");
  await rm(bundleDir, { recursive: true, force: true });
  let mf: Miniflare | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await mf?.dispose();
      await rm(bundleDir, { recursive: true, force: true });
    })();
    return stopping;
  };
  try {
    return await Promise.race([
      timeout.expired,
      (async () => {
        const bundle = await bundleWorker(configPath, bundleDir);
        if (stopping) throw new Error("the local Worker was stopped while it started");
        const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
        const { bindings, ...rest } = workerOptions as typeof workerOptions & {
          bindings?: Record<string, unknown>;
        };
        mf = new Miniflare({
          ...rest,
          name: "edgetune",
          modules: bundle.modules,
          modulesRoot: bundle.root,
          bindings: {
            ...bindings,
            ...options.vars,
            ...devSecrets(options.devToken ?? process.env.EDGETUNE_TOKEN),
          },
          host: "127.0.0.1",
          port: options.port ?? 0,
          defaultPersistRoot: join(options.stateDir, "v3"),
          // offline, fetching the Request.cf object would fail (and warn) on every start
          cf: false,
          log: new Log(LogLevel.WARN),
        });
        const url = await mf.ready;
        await applyMigrations((await mf.getD1Database("REGISTRY")) as unknown as D1Like);
        return { url: url.origin, stop };
      })(),
    ]);
  } catch (err) {
    await stop().catch(() => {});
    throw err;
  } finally {
    timeout.clear();
  }
}
