import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readModelFile } from "../../compression/node.ts";
import { modelPath } from "../../compression/onnx-io/test-fixtures.ts";
import { compressFile, resolveRecipes } from "./compress.ts";

const dir = mkdtempSync(join(tmpdir(), "edgetune-compress-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("edgetune compress", () => {
  it("writes the named variant files and a report (JSON + Markdown) with measured figures", async () => {
    const out = join(dir, "out");
    const { files, reports } = await compressFile(
      modelPath("gpt2-legacy"),
      await resolveRecipes("q8,q4"),
      out,
      () => {},
      1,
    );
    expect(files.map((f) => f.slice(out.length))).toEqual([
      "/onnx/model_quantized.onnx",
      "/onnx/model_q4.onnx",
    ]);
    const q4 = await readModelFile(join(out, "onnx", "model_q4.onnx"));
    expect(q4.graph?.node.filter((n) => n.opType === "MatMulNBits")).toHaveLength(9);
    const json = JSON.parse(readFileSync(join(out, "compression-report.json"), "utf8"));
    expect(json.variants.map((v: { variant: string }) => v.variant)).toEqual(["original", "q8", "q4"]);
    const [orig, q8, q4r] = reports;
    expect(q8?.size.raw).toBeLessThan(0.7 * (orig?.size.raw ?? 0));
    expect(q4r?.size.raw).toBeLessThan(q8?.size.raw ?? 0);
    expect(q8?.top1Agreement).toBeGreaterThanOrEqual(0.99);
    expect(q8?.outputs.logits?.cosine).toBeGreaterThan(0.999);
    expect(q8?.size.gzip).toBeLessThan(q8?.size.raw ?? 0);
    expect(q8?.latencyMs?.runs).toBe(1);
    const md = readFileSync(join(out, "compression-report.md"), "utf8");
    expect(md.split("\n").filter((l) => l.startsWith("| q"))).toHaveLength(2);
  });

  it("refuses unknown presets and bad recipe files clearly, writing nothing", async () => {
    await expect(resolveRecipes("q8,q3")).rejects.toThrow(/unknown preset "q3"; presets: fp32, fp16, q8/);
    const file = join(dir, "bad.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "mine",
        output: "model_mine.onnx",
        steps: [{ pass: "quantize-4bit", options: { blockSize: 33 } }],
      }),
    );
    await expect(resolveRecipes(file)).rejects.toThrow(
      /bad\.json: invalid recipe: steps\.0 \(quantize-4bit\) options: blockSize/,
    );
    writeFileSync(file, "{ not json");
    await expect(resolveRecipes(file)).rejects.toThrow(/is not valid JSON/);
    const good = join(dir, "good.json");
    writeFileSync(
      good,
      JSON.stringify([
        {
          name: "mine",
          output: "model_mine.onnx",
          steps: [{ pass: "quantize-4bit", options: { blockSize: 64 } }],
        },
      ]),
    );
    expect((await resolveRecipes(good))[0]?.steps[0]?.options.blockSize).toBe(64);
    const out = join(dir, "never");
    await expect(compressFile(join(dir, "missing.onnx"), await resolveRecipes("q8"), out)).rejects.toThrow();
    expect(existsSync(out)).toBe(false);
  });
});
