import { describe, expect, it } from "vitest";
import modelBytes from "../../compression/fixtures/int4-matmul/model.onnx";
import { onnxRuntime } from "./runtime.ts";
import { SessionCache } from "./session-cache.ts";

const bytes = new Uint8Array(modelBytes);

function countingCache(budgetBytes: number) {
  const ort = onnxRuntime();
  const loads: string[] = [];
  const cache = new SessionCache({ budgetBytes, create: (b) => ort.InferenceSession.create(b) });
  const load = (key: string) => async () => {
    loads.push(key);
    return bytes;
  };
  return { cache, loads, load };
}

describe("session cache", () => {
  it("loads a model once and shares the session, also between concurrent requests", async () => {
    const { cache, loads, load } = countingCache(1 << 20);
    const [a, b] = await Promise.all([cache.get("m1", load("m1")), cache.get("m1", load("m1"))]);
    const c = await cache.get("m1", load("m1"));
    expect(loads).toEqual(["m1"]);
    expect(a).toBe(b);
    expect(a).toBe(c);
    expect(cache.cachedBytes).toBe(bytes.byteLength);
  });

  it("releases the least recently used sessions beyond its byte budget", async () => {
    const { cache, loads, load } = countingCache(bytes.byteLength * 2);
    await cache.get("m1", load("m1"));
    await cache.get("m2", load("m2"));
    await cache.get("m1", load("m1")); // m1 is now the most recently used
    await cache.get("m3", load("m3")); // over budget: m2 goes
    expect(cache.has("m1")).toBe(true);
    expect(cache.has("m2")).toBe(false);
    expect(cache.has("m3")).toBe(true);
    expect(cache.cachedBytes).toBeLessThanOrEqual(bytes.byteLength * 2);
    await cache.get("m2", load("m2"));
    expect(loads).toEqual(["m1", "m2", "m3", "m2"]);
  });

  it("forgets a failed load so the next request tries again", async () => {
    const { cache } = countingCache(1 << 20);
    await expect(cache.get("bad", async () => new Uint8Array([1, 2, 3]))).rejects.toThrow();
    expect(cache.has("bad")).toBe(false);
    await expect(cache.get("bad", async () => bytes)).resolves.toBeDefined();
  });
});
