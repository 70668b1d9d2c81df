// Where an inference request's time goes inside the isolate, reported as a Server-Timing header
// (W3C Server Timing: `name;dur=ms, ...`) so callers and bench/inference.ts can see it next to their own
// end-to-end figure. The request's timings travel in AsyncLocalStorage (nodejs_compat), so the shared,
// per-isolate pieces (manifest resolution, the cached session's run) add to the request that awaits them
// without every signature carrying a timings argument. Phases: auth, parse, resolve (D1 + manifest),
// load (model assembly; ~0 when cached), tokenize (pre- and post-processing around the model), run
// (session.run), total. Local workerd advances timers during CPU work; deployed Workers only advance
// them at I/O (a Spectre mitigation), so there CPU-only phases read 0.
import { AsyncLocalStorage } from "node:async_hooks";
import type { InferenceSession } from "onnxruntime-common";

export class RequestTimings {
  readonly #durations = new Map<string, number>();
  readonly #start = performance.now();

  /** Adds `ms` to phase `name` (a phase met twice, e.g. two session runs, sums). */
  add(name: string, ms: number): void {
    this.#durations.set(name, (this.#durations.get(name) ?? 0) + ms);
  }

  get(name: string): number {
    return this.#durations.get(name) ?? 0;
  }

  /** The header value: every phase in the order first met, then `total` since construction. */
  header(): string {
    const entries = [...this.#durations, ["total", performance.now() - this.#start] as const];
    return entries.map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`).join(", ");
  }
}

const current = new AsyncLocalStorage<RequestTimings>();

/** Runs `work` with `timings` as the request's timings for everything it awaits. */
export function withTimings<T>(timings: RequestTimings, work: () => Promise<T>): Promise<T> {
  return current.run(timings, work);
}

/** Awaits `work`, adding its duration to phase `name` of the current request (if any). */
export async function timed<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const t0 = performance.now();
  try {
    return await work();
  } finally {
    current.getStore()?.add(name, performance.now() - t0);
  }
}

/** The session with every `run` timed as phase "run" of the request that calls it. */
export function timedRuns(session: InferenceSession): InferenceSession {
  return new Proxy(session, {
    get(target, key) {
      if (key === "run") {
        return (...args: Parameters<InferenceSession["run"]>) => timed("run", () => target.run(...args));
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The current request's timings, if it is timed. */
export function currentTimings(): RequestTimings | undefined {
  return current.getStore();
}
