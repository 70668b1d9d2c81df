// Verification reports: figures measured from the files (sizes, agreement), latency in both
// onnxruntime-node and onnxruntime-web (WASM), and a readable failure when WASM cannot load a file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Long from "long";
import { describe, expect, it } from "vitest";
import { makeNode } from "../graph/graph.ts";
import { decodeModel, encodeModel } from "../onnx-io/codec.ts";
import type { GraphProto, ModelProto } from "../onnx-io/onnx-types.ts";
import { fixturesDir } from "../onnx-io/test-fixtures.ts";
import { quantize4bit } from "../passes/quantize-4bit.ts";
import { referenceRuns, reportMarkdown, sampleFeeds, verifyVariant } from "./verify.ts";
import { webLatency } from "./web-latency.ts";

// the smallest trained fixture: sessions (native and WASM) are made several times here
const model = decodeModel(readFileSync(join(fixturesDir, "bert-legacy-trained", "model.onnx")));
const original = encodeModel(model);
const feeds = sampleFeeds(model, { samples: 2 });

describe("verifyVariant", () => {
  it("times a variant in onnxruntime-node and onnxruntime-web, and tables both", async () => {
    const q4 = (await quantize4bit.apply(model, quantize4bit.options.parse({}))).model;
    const bytes = encodeModel(q4);
    const report = await verifyVariant({
      variant: "q4",
      original,
      compressed: bytes,
      model: q4,
      feeds,
      latencyRuns: 3,
    });
    expect(report.latencyMs?.runs).toBe(3);
    expect(
      report.latencyWebMs && "median" in report.latencyWebMs && report.latencyWebMs.median,
    ).toBeGreaterThan(0);
    expect(report.size.raw).toBe(bytes.length);
    expect(report.top1Agreement).toBeGreaterThan(0.5);
    const row = reportMarkdown([report]).split("\n")[2] ?? "";
    const cells = row.split("|").map((c) => c.trim());
    expect(Number(cells.at(-2))).toBe(Number((report.latencyWebMs as { median: number }).median.toFixed(3)));
    expect(reportMarkdown([report])).toContain("p50 ms (ort-web wasm)");
    const none = await verifyVariant({
      variant: "q4",
      original,
      compressed: bytes,
      model: q4,
      feeds,
      latencyRuns: 0,
    });
    expect(none.latencyWebMs).toBeNull();
    // the original's runs computed once and shared give the same comparison
    const reference = await referenceRuns(original, feeds);
    const shared = await verifyVariant({
      variant: "q4",
      original,
      compressed: bytes,
      model: q4,
      feeds,
      reference,
      latencyRuns: 0,
    });
    expect(shared.outputs).toEqual(report.outputs);
    expect(shared.top1Agreement).toBe(report.top1Agreement);
  });

  it("reports why onnxruntime-web cannot load a file instead of failing the run", async () => {
    const g = model.graph as GraphProto;
    const out = g.output[0]?.name ?? "";
    const custom: ModelProto = {
      ...model,
      opsetImport: [...model.opsetImport, { domain: "com.example", version: Long.fromNumber(1) }],
      graph: {
        ...g,
        node: [
          ...g.node.map((n) => ({ ...n, output: n.output.map((o) => (o === out ? `${out}_raw` : o)) })),
          makeNode("Frobnicate", [`${out}_raw`], [out], "custom", [], "com.example"),
        ],
      },
    };
    const first = feeds[0];
    if (!first) throw new Error("no feeds");
    const result = await webLatency(encodeModel(custom), first, 1);
    expect(result).toHaveProperty("error");
    expect((result as { error: string }).error).toMatch(/Frobnicate/);
  });
});
