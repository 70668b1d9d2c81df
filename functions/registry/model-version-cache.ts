// The registry's answer to "which manifest does this model's version have now", kept per isolate for a
// short while, for inference and evaluation, which ask it on every request. That one D1 query was the
// largest part of a warm inference request's own time in local workerd (bench/inference.ts), and a
// deployed D1 is a network round trip away from most isolates. What can change an answer: a publish
// (a new latest version, the model's visibility) and variants added to a version (a new manifest hash).
// This isolate's own writes forget the model at once (db.ts commitVersion, add-variants.ts); writes
// made in other isolates are seen within the TTL (env EDGETUNE_REGISTRY_CACHE_MS, 1000 ms unless set;
// 0 turns the cache off). Only found versions are kept, so a model published a moment ago is never
// refused because an earlier 404 was remembered. Concurrent misses share one query.
import type { ModelRow, VersionRow } from "./db.ts";

const DEFAULT_TTL_MS = 1000;
const MAX_ENTRIES = 256;

type Answer = { model: ModelRow | null; version: VersionRow | null };
const entries = new Map<string, { expires: number; answer: Promise<Answer> }>();
const keyOf = (model: string, version: string | undefined) => `${model}\n${version ?? ""}`;

/** The TTL configured by `EDGETUNE_REGISTRY_CACHE_MS` (a decimal string), else the default. */
export function registryCacheTtl(setting: string | undefined): number {
  const ms = setting === undefined ? DEFAULT_TTL_MS : Number(setting);
  return Number.isFinite(ms) && ms >= 0 ? ms : DEFAULT_TTL_MS;
}

/**
 * `load()`'s answer (db.ts getModelVersion for this model and version), from this isolate's cache while
 * its entry is younger than `ttlMs`. The loader is passed in so db.ts, whose writes forget entries, is
 * not imported here.
 */
export function cachedModelVersion(
  model: string,
  version: string | undefined,
  ttlMs: number,
  load: () => Promise<Answer>,
): Promise<Answer> {
  if (ttlMs <= 0) return load();
  const key = keyOf(model, version);
  const now = Date.now();
  const hit = entries.get(key);
  if (hit && hit.expires > now) return hit.answer;
  const answer = load();
  const entry = { expires: now + ttlMs, answer };
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  entries.set(key, entry);
  const drop = () => {
    if (entries.get(key) === entry) entries.delete(key);
  };
  answer.then((a) => {
    if (!a.version) drop();
  }, drop);
  return answer;
}

/** Forgets every cached answer about `model` (its registry rows were just written by this isolate). */
export function forgetModel(model: string): void {
  for (const key of entries.keys()) if (key.startsWith(`${model}\n`)) entries.delete(key);
}

/** Forgets everything (storage was reset under the isolate: the workerd test suite, between files). */
export function forgetAllModels(): void {
  entries.clear();
}
