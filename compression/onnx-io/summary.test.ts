// modelSummary against what onnx (Python) reported for the same files when the fixtures were made.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { countParameters, decodeModel, listInitializers, modelSummary, readModelFile } from "../node.ts";
import { fixtureNames, modelPath, reference } from "./test-fixtures.ts";

describe.each(fixtureNames)("summary of %s", (name) => {
  it("agrees with onnx (Python)", async () => {
    const expected = reference(name).summary;
    const asStored = decodeModel(readFileSync(modelPath(name)));
    const summary = modelSummary(asStored);
    expect(summary.irVersion).toBe(expected.irVersion);
    expect(summary.opsets).toEqual(expected.opsets);
    expect(summary.inputs.map(({ name, elemType, shape }) => ({ name, elemType, shape }))).toEqual(
      expected.inputs,
    );
    expect(summary.outputs.map(({ name, elemType, shape }) => ({ name, elemType, shape }))).toEqual(
      expected.outputs,
    );
    expect(summary.nodeCount).toBe(expected.nodeCount);
    expect(summary.initializerCount).toBe(expected.initializerCount);
    expect(summary.parameterCount).toBe(expected.parameterCount);
    expect(summary.initializerBytes).toBe(expected.initializerBytes);
    expect(summary.externalInitializers).toBe(expected.externalInitializers);
    expect(summary.initializerTypes).toEqual(expected.initializerTypes);
    expect(summary.encodedBytes).toBe(readFileSync(modelPath(name)).length);

    // with its external data read in, only where the bytes live changes
    const loaded = modelSummary(await readModelFile(modelPath(name)));
    expect(loaded.parameterCount).toBe(expected.parameterCount);
    expect(loaded.initializerBytes).toBe(expected.initializerBytes);
    expect(loaded.externalInitializers).toBe(0);
    expect(JSON.parse(JSON.stringify(loaded))).toEqual(loaded); // plain JSON, no Long
  });
});

describe("initializer listing", () => {
  it("counts int4 elements, not bytes, and sizes them packed", () => {
    const model = decodeModel(readFileSync(modelPath("int4-matmul")));
    const byName = new Map(listInitializers(model).map((i) => [i.name, i]));
    expect(byName.get("w1_q")).toMatchObject({
      elemType: "INT4",
      dims: [64, 33],
      bytes: 1056,
      external: false,
    });
    expect(byName.get("w2_q")).toMatchObject({ elemType: "UINT4", dims: [33, 7], bytes: 116 });
    expect(countParameters(model)).toBe(
      [...byName.values()].reduce((n, i) => n + i.dims.reduce((a, b) => a * b, 1), 0),
    );
  });
});
