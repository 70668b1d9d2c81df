// The registry cache must save the D1 query while it is fresh, and never outlive what it promises: the
// TTL, this isolate's own writes, and no remembered 404s. "Behind its back" below is a write straight
// to D1, as another isolate's publish would be.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getModelVersion } from "./db.ts";
import { cachedModelVersion, forgetModel, registryCacheTtl } from "./model-version-cache.ts";

const MINUTE = 60_000;

async function addVersion(model: string, version: string, manifestSha256: string, seq: number) {
  await env.REGISTRY.prepare("INSERT OR IGNORE INTO models (name, public, created_at) VALUES (?1, 0, ?2)")
    .bind(model, new Date().toISOString())
    .run();
  await env.REGISTRY.prepare(
    "INSERT INTO versions (model, version, manifest_sha256, manifest_size, published_at, seq) VALUES (?1, ?2, ?3, 1, ?4, ?5)",
  )
    .bind(model, version, manifestSha256, new Date().toISOString(), seq)
    .run();
}

const swapManifest = (model: string, version: string, manifestSha256: string) =>
  env.REGISTRY.prepare("UPDATE versions SET manifest_sha256 = ?3 WHERE model = ?1 AND version = ?2")
    .bind(model, version, manifestSha256)
    .run();

const shaOf = async (model: string, version: string | undefined, ttl: number) =>
  (await cachedModelVersion(model, version, ttl, () => getModelVersion(env.REGISTRY, model, version))).version
    ?.manifestSha256;

describe("the registry cache", () => {
  it("answers from the isolate while fresh, so a change behind its back is not read from D1", async () => {
    await addVersion("cached-a", "1", "a".repeat(64), 1);
    expect(await shaOf("cached-a", "1", MINUTE)).toBe("a".repeat(64));
    await swapManifest("cached-a", "1", "b".repeat(64));
    expect(await shaOf("cached-a", "1", MINUTE)).toBe("a".repeat(64));
    // the TTL of 0 is no cache at all: D1 is read, and has the change
    expect(await shaOf("cached-a", "1", 0)).toBe("b".repeat(64));
  });

  it("reads D1 again once the entry is older than the TTL", async () => {
    await addVersion("cached-ttl", "1", "a".repeat(64), 1);
    expect(await shaOf("cached-ttl", "1", 30)).toBe("a".repeat(64));
    await swapManifest("cached-ttl", "1", "b".repeat(64));
    await new Promise((r) => setTimeout(r, 60));
    expect(await shaOf("cached-ttl", "1", 30)).toBe("b".repeat(64));
  });

  it("forgets a model this isolate wrote: the latest version and every pinned one", async () => {
    await addVersion("cached-w", "1", "a".repeat(64), 1);
    expect(await shaOf("cached-w", undefined, MINUTE)).toBe("a".repeat(64));
    expect(await shaOf("cached-w", "1", MINUTE)).toBe("a".repeat(64));
    await addVersion("cached-w", "2", "c".repeat(64), 2);
    await swapManifest("cached-w", "1", "b".repeat(64));
    forgetModel("cached-w");
    expect(await shaOf("cached-w", undefined, MINUTE)).toBe("c".repeat(64));
    expect(await shaOf("cached-w", "1", MINUTE)).toBe("b".repeat(64));
  });

  it("does not forget another model whose name starts the same", async () => {
    await addVersion("cached-x", "1", "a".repeat(64), 1);
    await addVersion("cached-x2", "1", "a".repeat(64), 1);
    await shaOf("cached-x2", "1", MINUTE);
    await swapManifest("cached-x2", "1", "b".repeat(64));
    forgetModel("cached-x");
    expect(await shaOf("cached-x2", "1", MINUTE)).toBe("a".repeat(64));
  });

  it("never remembers a miss: a model or version published after a 404 is found at once", async () => {
    expect(
      await cachedModelVersion("cached-new", "1", MINUTE, () =>
        getModelVersion(env.REGISTRY, "cached-new", "1"),
      ),
    ).toEqual({
      model: null,
      version: null,
    });
    await addVersion("cached-new", "2", "d".repeat(64), 1);
    expect(await shaOf("cached-new", "1", MINUTE)).toBeUndefined();
    await addVersion("cached-new", "1", "e".repeat(64), 2);
    expect(await shaOf("cached-new", "1", MINUTE)).toBe("e".repeat(64));
  });

  it("reads its TTL from the setting, and a nonsense setting falls back to the default", () => {
    expect(registryCacheTtl(undefined)).toBe(1000);
    expect(registryCacheTtl("0")).toBe(0);
    expect(registryCacheTtl("250")).toBe(250);
    expect(registryCacheTtl("soon")).toBe(1000);
    expect(registryCacheTtl("-5")).toBe(1000);
  });
});
