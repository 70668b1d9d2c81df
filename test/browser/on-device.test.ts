// On-device inference in a real browser: Debian Chromium, onnxruntime-web with the WebGPU execution
// provider (SwiftShader's software adapter headless) and with WASM, on the tiny spam classifier that
// the Worker tests use, checked against native onnxruntime's labels and scores.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium } from "./chromium.ts";
import { type StaticServer, startStaticServer } from "./static-server.ts";

const root = join(import.meta.dirname, "..", "..");
const fixture = join(root, "functions", "inference", "fixtures", "tiny-spam");
const expected = JSON.parse(readFileSync(join(fixture, "expected.json"), "utf8")) as {
  maxLength: number;
  samples: string[];
  predictions: { label: string; scores: Record<string, number> }[];
};
const model = readFileSync(join(fixture, "model.onnx"));

let server: StaticServer;
let browser: Browser;

beforeAll(async () => {
  const bundle = await build({
    entryPoints: [join(import.meta.dirname, "page", "on-device.ts")],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  server = await startStaticServer(
    {
      "/": { body: '<!doctype html><script type="module" src="/page.js"></script>', type: "text/html" },
      "/page.js": { body: bundle.outputFiles[0]?.text ?? "", type: "text/javascript" },
    },
    { "/ort/": join(root, "node_modules", "onnxruntime-web", "dist"), "/model/": fixture },
  );
  browser = await launchChromium({ webgpu: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe("on-device inference in Chromium", () => {
  it.each(["wasm", "webgpu"] as const)(
    "classifies like native onnxruntime with the %s provider",
    async (ep) => {
      const page = await browser.newPage();
      await page.goto(`${server.url}/`);
      await page.waitForFunction(() => "runOnDevice" in globalThis);
      const input = {
        ep,
        model: {
          url: `${server.url}/model/model.onnx`,
          sha256: createHash("sha256").update(model).digest("hex"),
          size: model.length,
        },
        tokenizerUrl: `${server.url}/model/tokenizer.json`,
        tokenizerConfigUrl: `${server.url}/model/tokenizer_config.json`,
        labels: ["ham", "spam"],
        maxLength: expected.maxLength,
        samples: expected.samples,
      };
      const result = (await page.evaluate(
        (i) => (globalThis as unknown as { runOnDevice(x: typeof i): Promise<unknown> }).runOnDevice(i),
        input,
      )) as { ep: string; predictions: { label: string; scores: Record<string, number> }[] };
      await page.close();
      expect(result.ep).toBe(ep);
      expect(result.predictions.map((p) => p.label)).toEqual(expected.predictions.map((p) => p.label));
      result.predictions.forEach((p, i) => {
        expect(
          Math.abs((p.scores.spam as number) - (expected.predictions[i]?.scores.spam as number)),
        ).toBeLessThan(1e-3);
      });
    },
    120_000,
  );
});
