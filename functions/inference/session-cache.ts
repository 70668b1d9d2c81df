// ONNX sessions kept per isolate, keyed by the model file's sha256 (content-addressed, so a key never
// goes stale). Bounded by the model bytes they were built from: an isolate has 128 MB in all, and
// a session costs roughly its model's size in wasm heap, so least-recently-used sessions are released
// once the budget is exceeded. Concurrent requests for the same model share one load.
import type { InferenceSession } from "onnxruntime-common";

export interface SessionCacheOptions {
  /** Model bytes the cached sessions may add up to (default 48 MiB). */
  budgetBytes?: number;
  create(bytes: Uint8Array): Promise<InferenceSession>;
}

interface Entry {
  session: Promise<InferenceSession>;
  bytes: number;
}

export class SessionCache {
  readonly #entries = new Map<string, Entry>();
  readonly #budget: number;
  readonly #create: (bytes: Uint8Array) => Promise<InferenceSession>;

  constructor(options: SessionCacheOptions) {
    this.#budget = options.budgetBytes ?? 48 * 1024 * 1024;
    this.#create = options.create;
  }

  get size(): number {
    return this.#entries.size;
  }

  get cachedBytes(): number {
    let total = 0;
    for (const e of this.#entries.values()) total += e.bytes;
    return total;
  }

  has(sha256: string): boolean {
    return this.#entries.has(sha256);
  }

  /** The session for this model, loading its bytes only when it is not cached. */
  async get(sha256: string, load: () => Promise<Uint8Array>): Promise<InferenceSession> {
    const hit = this.#entries.get(sha256);
    if (hit) {
      // Map keeps insertion order: re-inserting marks it most recently used
      this.#entries.delete(sha256);
      this.#entries.set(sha256, hit);
      return hit.session;
    }
    const entry: Entry = { bytes: 0, session: Promise.resolve(undefined as never) };
    entry.session = (async () => {
      const bytes = await load();
      entry.bytes = bytes.byteLength;
      const session = await this.#create(bytes);
      this.#evict(sha256);
      return session;
    })();
    this.#entries.set(sha256, entry);
    entry.session.catch(() => this.#entries.delete(sha256));
    return entry.session;
  }

  #evict(keep: string): void {
    for (const [key, entry] of this.#entries) {
      if (this.cachedBytes <= this.#budget) return;
      if (key === keep) continue;
      this.#entries.delete(key);
      void entry.session.then((s) => s.release()).catch(() => {});
    }
  }
}
