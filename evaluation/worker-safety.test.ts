import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The metrics run inside the Worker: only the Node-side loader (and tests) may touch Node APIs.
describe("evaluation metrics are Worker-safe", () => {
  it("no metric file imports a Node built-in or the Node-side WordNet loader", () => {
    const dir = new URL("./", import.meta.url);
    const metricFiles = readdirSync(dir).filter(
      (f) => f.endsWith(".ts") && !f.endsWith(".test.ts") && !f.endsWith("-node.ts") && f !== "node.ts",
    );
    expect(metricFiles).toEqual(
      expect.arrayContaining(["bleu.ts", "chrf.ts", "rouge.ts", "meteor.ts", "index.ts"]),
    );
    const offenders = metricFiles.filter((f) => {
      const src = readFileSync(new URL(f, dir), "utf8");
      return /from\s+["'](node:|fs|path|zlib|module|os)["']|-node\.ts["']|\bprocess\.|\bBuffer\b/.test(src);
    });
    expect(offenders).toEqual([]);
  });
});
