// Node side: runs the edge API in real workerd on this machine (`edgetune serve`, the demo, tests).
// wrangler bundles functions/index.ts and applies wrangler.toml (vars and every binding: R2, D1, Queues…);
// Miniflare simulates the bindings, with their state persisted under `stateDir`.
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

export interface LocalWorkerOptions {
  /** Port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Directory for persisted local state (wrangler keeps it under `<stateDir>/v3/{r2,d1,…}`). Created if missing. */
  stateDir: string;
  /** How long to wait for workerd to listen before giving up (default 60 s). */
  startTimeoutMs?: number;
}

export interface LocalWorker {
  /** Origin the Worker answers on, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  url: string;
  /** Shuts workerd down and frees the port; calling it again returns the same promise. */
  stop(): Promise<void>;
}

const configPath = fileURLToPath(new URL("../wrangler.toml", import.meta.url));

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

  // Rejects on a bundling error (e.g. a syntax error in functions/).
  const worker = await unstable_startWorker({
    config: configPath,
    sendMetrics: false,
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
