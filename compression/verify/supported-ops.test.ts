import { readFileSync } from "node:fs";
import Long from "long";
import { describe, expect, it } from "vitest";
import { makeNode } from "../graph/graph.ts";
import { decodeModel } from "../onnx-io/codec.ts";
import type { GraphProto, ModelProto } from "../onnx-io/onnx-types.ts";
import { modelPath } from "../onnx-io/test-fixtures.ts";
import { checkSupportedOps } from "./supported-ops.ts";

const model = decodeModel(readFileSync(modelPath("gpt2-legacy")));
const graph = model.graph as GraphProto;
const withNode = (domain: string, imports = model.opsetImport): ModelProto => ({
  ...model,
  opsetImport: imports,
  graph: { ...graph, node: [...graph.node, makeNode("Frobnicate", ["x"], ["y"], "frob", [], domain)] },
});

describe("checkSupportedOps", () => {
  it("accepts a model of the default domain at a known opset", () => {
    expect(() => checkSupportedOps(model)).not.toThrow();
  });

  it("names an operator outside the known domains", () => {
    const imports = [...model.opsetImport, { domain: "com.example", version: Long.fromNumber(1) }];
    expect(() => checkSupportedOps(withNode("com.example", imports))).toThrow(
      /unsupported operator Frobnicate \(node "frob"\) in domain com\.example: only ai\.onnx, com\.microsoft, ai\.onnx\.ml/,
    );
    expect(() => checkSupportedOps(withNode("com.microsoft"))).toThrow(
      /operator Frobnicate \(node "frob"\) is in domain com\.microsoft, which the model does not import/,
    );
  });

  it("refuses opset versions onnxruntime does not guarantee", () => {
    const newer = model.opsetImport.map((o) => ({ ...o, version: Long.fromNumber(27) }));
    expect(() => checkSupportedOps({ ...model, opsetImport: newer })).toThrow(
      /imports opset ai\.onnx version 27; supported: 1 to 26/,
    );
  });
});
